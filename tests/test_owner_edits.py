"""Owners manage a delta from the browser and the API: a card edit commits a version, tags and visibility
change without one, deletion is soft; every change is recorded, and nobody else may make one."""

import pytest
from django.test import Client

from hub.accounts.models import Membership
from hub.accounts.namespaces import create_organization
from hub.core import objectstore
from hub.deltas.models import Delta, DeltaChange
from tests.conftest import api_client_for
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db

CARD = "---\nlicense: mit\n---\n# Sentiment LoRA\n\nTrained on SST-2.\n"


@pytest.fixture
def delta(alice, backbone):
    response = push(api_client_for(alice), "alice/sst2-lora", lora_files(), backbone, tags=["english"])
    assert response.status_code == 201, response.content
    return Delta.objects.get(name="sst2-lora")


def _signed_in(user):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_editing_the_card_commits_a_new_version_with_the_readme(alice, delta):
    client = _signed_in(alice)
    parent = delta.versions.get().commit_id
    response = client.post(
        "/alice/sst2-lora/settings/card", {"card": CARD.replace("\n", "\r\n"), "message": "Describe it",
                                            "parent_commit": parent},
    )  # fmt: skip
    assert response.status_code == 302
    delta.refresh_from_db()
    latest = delta.versions.order_by("-number").first()
    assert latest.number == 2 and latest.commit_message == "Describe it" and latest.author == alice
    readme = latest.files.get(path="README.md")
    assert b"".join(objectstore.iter_object(readme.object.key)).decode() == CARD
    assert sorted(f.path for f in latest.files.all()) == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
    ]
    assert delta.card == CARD and delta.license == "mit"
    assert delta.delta_type == "lora" and delta.tags == ["english"]  # what the card does not say stays
    change = DeltaChange.objects.get(delta=delta, action="card")
    assert change.user == alice and change.version == latest and change.before == {"commit": parent}
    assert "Describe it" in client.get(f"/alice/sst2-lora/commit/{latest.commit_id}").content.decode()


def test_saving_the_same_card_again_makes_no_version(alice, delta):
    client = _signed_in(alice)
    client.post("/alice/sst2-lora/settings/card", {"card": CARD})
    client.post("/alice/sst2-lora/settings/card", {"card": CARD})
    assert delta.versions.count() == 2
    assert DeltaChange.objects.filter(action="card").count() == 1


def test_a_card_edited_from_an_old_version_is_refused(alice, delta, backbone):
    old = delta.versions.get().commit_id
    push(api_client_for(alice), "alice/sst2-lora", lora_files((1.0, 2.0)), backbone)
    response = _signed_in(alice).post("/alice/sst2-lora/settings/card", {"card": CARD, "parent_commit": old})
    assert response.status_code == 400
    assert "has moved on" in response.content.decode()
    assert delta.versions.count() == 2


def test_a_card_with_broken_front_matter_is_refused_with_the_reason(alice, delta):
    response = _signed_in(alice).post("/alice/sst2-lora/settings/card", {"card": "---\ntags: [a\n---\nbody"})
    assert response.status_code == 400
    assert "not valid YAML" in response.content.decode()
    assert delta.versions.count() == 1 and not DeltaChange.objects.exists()


def test_tags_and_visibility_change_without_a_version_and_are_recorded(alice, delta):
    client = _signed_in(alice)
    assert client.post("/alice/sst2-lora/settings/tags", {"tags": "sentiment, english,  small"}).status_code == 302
    assert client.post("/alice/sst2-lora/settings/visibility", {"visibility": "private"}).status_code == 302
    delta.refresh_from_db()
    assert delta.tags == ["english", "sentiment", "small"] and delta.private
    assert delta.versions.count() == 1
    changes = {c.action: (c.before, c.after, c.user) for c in DeltaChange.objects.filter(delta=delta)}
    assert changes["tags"] == ({"tags": ["english"]}, {"tags": ["english", "sentiment", "small"]}, alice)
    assert changes["visibility"] == ({"private": False}, {"private": True}, alice)
    page = client.get("/alice/sst2-lora/settings").content.decode()
    assert "Changed the tags" in page and "english, sentiment, small" in page and "Changed the visibility" in page
    assert Client().get("/alice/sst2-lora").status_code == 404


def test_a_tag_too_long_is_refused_naming_the_field(alice, delta):
    response = _signed_in(alice).post("/alice/sst2-lora/settings/tags", {"tags": "x" * 65})
    assert response.status_code == 400
    assert "tags[0]" in response.content.decode()
    delta.refresh_from_db()
    assert delta.tags == ["english"]


def test_deleting_needs_the_name_typed_and_is_recorded(alice, delta):
    client = _signed_in(alice)
    assert client.post("/alice/sst2-lora/settings/delete", {"confirm": "sst2-lora"}).status_code == 400
    assert Delta.objects.live().filter(pk=delta.pk).exists()
    response = client.post("/alice/sst2-lora/settings/delete", {"confirm": "alice/sst2-lora"})
    assert response.status_code == 302 and response["Location"] == "/users/alice"
    assert not Delta.objects.live().filter(pk=delta.pk).exists()
    assert DeltaChange.objects.get(delta=delta, action="delete").user == alice
    assert client.get("/alice/sst2-lora").status_code == 404


def test_others_cannot_see_or_use_the_settings(alice, bob, delta):
    bob_client = _signed_in(bob)
    assert "/alice/sst2-lora/settings" not in bob_client.get("/alice/sst2-lora").content.decode()
    assert "/alice/sst2-lora/settings" in _signed_in(alice).get("/alice/sst2-lora").content.decode()
    assert bob_client.get("/alice/sst2-lora/settings").status_code == 403
    assert bob_client.post("/alice/sst2-lora/settings/card", {"card": "mine"}).status_code == 403
    assert bob_client.post("/alice/sst2-lora/settings/tags", {"tags": "spam"}).status_code == 403
    assert bob_client.post("/alice/sst2-lora/settings/delete", {"confirm": "alice/sst2-lora"}).status_code == 403
    anonymous = Client().post("/alice/sst2-lora/settings/tags", {"tags": "spam"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    Delta.objects.filter(pk=delta.pk).update(private=True)
    assert bob_client.get("/alice/sst2-lora/settings").status_code == 404
    assert bob_client.post("/alice/sst2-lora/settings/visibility", {"visibility": "public"}).status_code == 404
    delta.refresh_from_db()
    assert delta.private and delta.tags == ["english"] and delta.deleted_at is None
    assert not DeltaChange.objects.exists()


def test_writers_of_an_organisation_may_edit_and_readers_may_not(alice, bob, carol, backbone):
    org = create_organization("lab", alice)
    Membership.objects.create(organization=org, user=bob, role=Membership.Role.WRITE)
    Membership.objects.create(organization=org, user=carol, role=Membership.Role.READ)
    assert push(api_client_for(alice), "lab/shared", lora_files(), backbone).status_code == 201
    assert _signed_in(bob).post("/lab/shared/settings/tags", {"tags": "team"}).status_code == 302
    assert _signed_in(carol).post("/lab/shared/settings/tags", {"tags": "mine"}).status_code == 403
    assert Delta.objects.get(name="shared").tags == ["team"]


def test_the_forms_need_a_csrf_token(alice, delta):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/alice/sst2-lora/settings/tags", {"tags": "x"}).status_code == 403
    assert Delta.objects.get(pk=delta.pk).tags == ["english"]


def test_the_api_changes_tags_and_visibility_and_records_them(alice, bob, delta):
    response = api_client_for(alice).patch(
        "/api/deltas/alice/sst2-lora", {"tags": ["b", "a"], "private": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["a", "b"] and response.json()["private"] is True
    assert sorted(DeltaChange.objects.values_list("action", flat=True)) == ["tags", "visibility"]
    changes = api_client_for(alice, scopes=("read",)).get("/api/deltas/alice/sst2-lora/changes").json()["changes"]
    assert [(c["action"], c["user"], c["after"]) for c in changes] == [
        ("visibility", "alice", {"private": True}),
        ("tags", "alice", {"tags": ["a", "b"]}),
    ]
    assert api_client_for(bob).get("/api/deltas/alice/sst2-lora/changes").status_code == 404
    assert api_client_for(bob).patch("/api/deltas/alice/sst2-lora", {"tags": []}, format="json").status_code == 404
    empty = api_client_for(alice).patch("/api/deltas/alice/sst2-lora", {}, format="json")
    assert empty.status_code == 400
    read_only = api_client_for(alice, scopes=("read",)).patch(
        "/api/deltas/alice/sst2-lora", {"private": False}, format="json"
    )
    assert read_only.status_code == 403


def test_the_api_refuses_writers_outside_the_namespace(alice, bob, delta):
    response = api_client_for(bob).patch("/api/deltas/alice/sst2-lora", {"private": True}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not Delta.objects.get(pk=delta.pk).private
    assert api_client_for(bob).get("/api/deltas/alice/sst2-lora/changes").status_code == 403


def test_a_card_edit_keeps_the_type_of_a_delta_whose_files_declare_none(alice, backbone):
    files = {"adapter_model.safetensors": lora_files()["adapter_model.safetensors"]}
    assert push(api_client_for(alice), "alice/bare", files, backbone, delta_type="ia3").status_code == 201
    delta = Delta.objects.get(name="bare")
    assert _signed_in(alice).post("/alice/bare/settings/card", {"card": "# Bare"}).status_code == 302
    delta.refresh_from_db()
    assert delta.versions.count() == 2 and delta.delta_type == "ia3"


def test_changes_made_through_the_hugging_face_protocol_are_recorded_too(alice, delta):
    client = api_client_for(alice)
    assert client.put("/api/models/alice/sst2-lora/settings", {"private": True}, format="json").status_code == 200
    deleted = client.delete("/api/repos/delete", {"name": "sst2-lora", "organization": "alice"}, format="json")
    assert deleted.status_code == 200, deleted.content
    actions = list(DeltaChange.objects.filter(delta=delta).order_by("created_at").values_list("action", "user"))
    assert actions == [("visibility", alice.pk), ("delete", alice.pk)]


def test_the_first_card_of_an_empty_repository_is_its_first_version(alice):
    assert api_client_for(alice).post("/api/repos/create", {"name": "empty"}, format="json").status_code == 200
    assert _signed_in(alice).get("/alice/empty/settings").status_code == 200
    assert _signed_in(alice).post("/alice/empty/settings/card", {"card": "# Empty so far"}).status_code == 302
    version = Delta.objects.get(name="empty").versions.get()
    assert [f.path for f in version.files.all()] == ["README.md"] and version.number == 1
