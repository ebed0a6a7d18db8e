import pytest
from django.contrib import admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_data(admin_client, alice, backbone):
    from hub.deltas.models import Delta

    Delta.objects.create(namespace=alice.namespace, name="d", delta_type="lora", backbone=backbone)
    return admin_client


def _admin_urls():
    for model in admin.site._registry:
        meta = model._meta
        yield f"/admin/{meta.app_label}/{meta.model_name}/"


@pytest.mark.parametrize("url", sorted(_admin_urls()))
def test_every_admin_list_page_loads(admin_client_with_data, url):
    response = admin_client_with_data.get(url)
    assert response.status_code == 200


def test_admin_add_pages_load(admin_client):
    for url in ["/admin/deltas/backbone/add/", "/admin/evaluation/evalsuite/add/", "/admin/accounts/organization/add/"]:
        assert admin_client.get(url).status_code == 200


def test_outsiders_are_sent_to_log_in(client):
    response = client.get("/admin/deltas/delta/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_moderators_can_review_entries_but_not_edit_deltas(client, django_user_model):
    from hub.evaluation.moderators import MODERATORS_GROUP, ensure_moderators_group

    ensure_moderators_group()
    moderator = django_user_model.objects.create_user("mod", password="x", is_staff=True)
    moderator.groups.add(django_user_model.groups.field.related_model.objects.get(name=MODERATORS_GROUP))
    client.force_login(moderator)
    assert client.get("/admin/evaluation/leaderboardentry/").status_code == 200
    assert client.get("/admin/deltas/delta/").status_code == 200
    assert client.get("/admin/deltas/delta/add/").status_code == 403
    assert client.get("/admin/accounts/apitoken/").status_code == 403


def test_admin_review_actions_write_the_audit_trail(admin_client, admin_user, alice, backbone):
    from hub.deltas.models import Delta, DeltaVersion
    from hub.evaluation.models import EvalResult, EvalSuite, LeaderboardEntry

    delta = Delta.objects.create(namespace=alice.namespace, name="d", delta_type="lora", backbone=backbone)
    version = DeltaVersion.objects.create(delta=delta, number=1, commit_id="c" * 40, manifest_sha256="0" * 64)
    suite = EvalSuite.objects.create(name="s", version="1", task="t", metric="accuracy", dataset_sha256="a" * 64)
    result = EvalResult.objects.create(
        version=version, suite=suite, score=0.5, num_examples=10, seed=0, duration_seconds=1, device="cpu"
    )
    entry = LeaderboardEntry.objects.create(result=result)
    response = admin_client.post(
        "/admin/evaluation/leaderboardentry/", {"action": "review_approve", "_selected_action": [entry.pk]}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.reviewer == admin_user
    assert list(entry.events.values_list("from_status", "to_status")) == [("pending", "approved")]
