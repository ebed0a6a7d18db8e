"""A delta's files and history in the browser: file contents, the versions list, one version's changes, and
downloads by month. Files are pushed through the real upload protocol, so their bytes sit in S3."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from hub.deltas import file_view
from hub.deltas.history import downloads_by_month
from hub.deltas.models import Delta, DeltaDownload
from hub.evaluation.models import ValidationJob
from tests.conftest import api_client_for
from tests.factories import make_delta, make_version
from tests.uploads import push, safetensors_bytes

pytestmark = pytest.mark.django_db


def _push(user, repo, files, backbone, **metadata):
    response = push(api_client_for(user), repo, files, backbone, **metadata)
    assert response.status_code == 201, response.content
    return response.json()["commit_id"]


@pytest.fixture
def pushed(alice, backbone):
    """alice/notes with a README, a config and weights; then a second version that changes and drops files."""
    first = {
        "README.md": b"# Notes\n\nA delta for tests.\n",
        "adapter_config.json": json.dumps({"peft_type": "LORA", "r": 2, "target_modules": ["query"]}).encode(),
        "adapter_model.safetensors": safetensors_bytes({"lora_A.weight": [0.5, -0.25], "lora_B.weight": [1.0] * 6}),
        "notes.txt": b"first notes",
    }
    second = {**first, "notes.txt": b"second notes", "extra.txt": b"new file"}
    del second["README.md"]
    return {
        "first": _push(alice, "alice/notes", first, backbone, commit_message="First push"),
        "second": _push(alice, "alice/notes", second, backbone, commit_message="Change notes, drop README"),
    }


def test_a_text_file_shows_its_text(client, pushed):
    response = client.get(f"/alice/notes/blob/{pushed['second']}/notes.txt")
    assert response.status_code == 200
    assert response.context["preview"].kind == "text"
    assert "second notes" in response.content.decode()


def test_a_json_file_is_shown_pretty(client, pushed):
    response = client.get(f"/alice/notes/blob/{pushed['second']}/adapter_config.json")
    preview = response.context["preview"]
    assert preview.kind == "json"
    assert '  "peft_type": "LORA"' in preview.text and '"target_modules": [\n' in preview.text


def test_a_safetensors_file_shows_its_tensor_table_from_the_header(client, pushed):
    response = client.get(f"/alice/notes/blob/{pushed['second']}/adapter_model.safetensors")
    preview = response.context["preview"]
    assert preview.kind == "safetensors"
    assert [(t.name, t.dtype, t.shape, t.parameters) for t in preview.tensors] == [
        ("lora_A.weight", "F32", [2], 2),
        ("lora_B.weight", "F32", [6], 6),
    ]
    assert preview.parameters == 8
    body = response.content.decode()
    assert "<code>lora_B.weight</code></td><td>F32</td><td>[6]</td><td>6</td>" in body


def test_a_large_text_file_is_read_only_in_part_and_says_so(client, alice, backbone):
    line = "é" * 7 + "\n"  # two-byte characters, so the cut falls inside one
    big = (line * (file_view.PREVIEW_BYTES // len(line.encode()) + 100)).encode()
    commit = _push(alice, "alice/big", {"log.txt": big, "adapter_model.safetensors": safetensors_bytes()}, backbone)
    response = client.get(f"/alice/big/blob/{commit}/log.txt")
    preview = response.context["preview"]
    assert preview.truncated
    assert len(preview.text.encode()) <= file_view.PREVIEW_BYTES
    assert preview.text.startswith(line) and "\ufffd" not in preview.text
    assert "Only the first 64.0\xa0KB" in response.content.decode()


def test_a_binary_file_shows_its_size_digest_and_download_link(client, alice, backbone):
    data = bytes(range(256)) * 4
    files = {"vocab.txt": data, "adapter_model.safetensors": safetensors_bytes()}
    commit = _push(alice, "alice/bin", files, backbone)
    body = client.get(f"/alice/bin/blob/{commit}/vocab.txt").content.decode()
    assert "A binary file" in body
    assert f"/alice/bin/resolve/{commit}/vocab.txt" in body
    assert Delta.objects.get(name="bin").versions.get().files.get(path="vocab.txt").object.sha256 in body


def test_a_preview_is_cached_by_content(client, pushed):
    cache.clear()
    client.get(f"/alice/notes/blob/{pushed['second']}/notes.txt")
    entry = Delta.objects.get(name="notes").versions.get(commit_id=pushed["second"]).files.get(path="notes.txt")
    assert cache.get(f"file-preview:v1:text:{entry.object.sha256}")["text"] == "second notes"


def test_files_of_a_private_delta_are_missing_to_others(client, alice, bob, backbone):
    commit = _push(alice, "alice/hidden", {"adapter_model.safetensors": safetensors_bytes()}, backbone, private=True)
    path = f"/alice/hidden/blob/{commit}/adapter_model.safetensors"
    assert client.get(path).status_code == 404
    client.force_login(bob)
    assert client.get(path).status_code == 404
    assert client.get("/alice/hidden/versions").status_code == 404
    assert client.get(f"/alice/hidden/commit/{commit}").status_code == 404
    client.force_login(alice)
    assert client.get(path).status_code == 200


def test_a_missing_file_or_revision_is_a_404(client, pushed):
    assert client.get(f"/alice/notes/blob/{pushed['second']}/README.md").status_code == 404  # dropped in v2
    assert client.get("/alice/notes/blob/0123456789abcdef/notes.txt").status_code == 404
    assert client.get("/alice/notes/blob/main/notes.txt").status_code == 200


def test_the_delta_page_links_each_file_to_its_viewer(client, pushed):
    body = client.get("/alice/notes").content.decode()
    assert f'href="/alice/notes/blob/{pushed["second"]}/notes.txt"' in body
    assert 'href="/alice/notes/versions"' in body


def test_a_version_page_lists_the_files_it_added_changed_and_removed(client, pushed):
    response = client.get(f"/alice/notes/commit/{pushed['second']}")
    diff = response.context["diff"]
    assert [f.path for f in diff.added] == ["extra.txt"]
    assert [after.path for _, after in diff.changed] == ["notes.txt"]
    assert [f.path for f in diff.removed] == ["README.md"]
    assert sorted(f.path for f in diff.unchanged) == ["adapter_config.json", "adapter_model.safetensors"]
    body = response.content.decode()
    assert "Change notes, drop README" in body and "alice" in body
    assert "1 added, 1 changed, 1 removed, 2 unchanged" in body
    assert f'href="/alice/notes/commit/{pushed["first"]}"' in body


def test_the_first_version_added_every_file(client, pushed):
    diff = client.get(f"/alice/notes/commit/{pushed['first']}").context["diff"]
    assert len(diff.added) == 4 and not diff.changed and not diff.removed


def test_a_version_page_shows_that_versions_validation(client, alice, backbone):
    delta = make_delta(alice.namespace, "checked", backbone)
    old, new = make_version(delta, 1), make_version(delta, 2)
    ValidationJob.objects.create(version=old, status="failed", reason_code="shape_mismatch", reason="Bad shapes.")
    ValidationJob.objects.create(version=new, status="scored")
    body = client.get(f"/alice/checked/commit/{old.commit_id}").content.decode()
    assert "shape_mismatch" in body and "Bad shapes." in body
    assert "shape_mismatch" not in client.get(f"/alice/checked/commit/{new.commit_id}").content.decode()


def test_the_versions_page_is_paginated_newest_first(client, alice, backbone):
    delta = make_delta(alice.namespace, "many", backbone)
    for number in range(1, 36):
        make_version(delta, number, commit_message=f"change {number}")
    first = client.get("/alice/many/versions")
    assert [v.number for v in first.context["page"].versions] == list(range(35, 5, -1))
    assert 'href="?before=6"' in first.content.decode()
    second = client.get("/alice/many/versions?before=6")
    assert [v.number for v in second.context["page"].versions] == [5, 4, 3, 2, 1]
    assert second.context["page"].older_than is None
    assert client.get("/alice/many/versions?before=x").status_code == 400


def test_downloads_are_counted_by_month_for_the_last_twelve(client, alice, bob, backbone):
    delta = make_delta(alice.namespace, "popular", backbone)
    today = timezone.now().date()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    long_ago = this_month - datetime.timedelta(days=400)
    for day, client_key in [(this_month, "a"), (this_month, "b"), (today, "c"), (last_month, "a"), (long_ago, "z")]:
        DeltaDownload.objects.get_or_create(delta=delta, day=day, client=client_key)
    months = downloads_by_month(delta)
    assert len(months) == 12 and months[-1].month == this_month and months[-2].month == last_month
    assert months[-1].downloads == 3 and months[-2].downloads == 1
    assert sum(m.downloads for m in months) == months[-1].downloads + 1  # the old one is left out
    body = client.get("/alice/popular").content.decode()
    assert "Downloads by month" in body and f'datetime="{this_month:%Y-%m}"' in body
