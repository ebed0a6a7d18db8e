"""Storage accounting per namespace, each object counted once, and the quota refused at upload-plan time."""

import pytest

from hub.accounts.models import Namespace
from hub.accounts.namespaces import create_organization
from hub.deltas.quotas import namespace_usage
from tests.conftest import api_client_for
from tests.uploads import declare, lora_files, push

pytestmark = pytest.mark.django_db


def _sizes(files):
    return {path: len(data) for path, data in files.items()}


def test_an_object_counts_once_per_namespace_however_many_versions_hold_it(alice, backbone):
    client = api_client_for(alice)
    first, second = lora_files(values=(1.0, 2.0)), lora_files(values=(3.0, 4.0))
    push(client, "alice/a", first, backbone)
    push(client, "alice/a", second, backbone)  # version 2 shares the config
    push(client, "alice/b", first, backbone)  # another delta, the same objects
    sizes = _sizes(first) | {"weights-2": len(second["adapter_model.safetensors"])}
    assert namespace_usage(Namespace.objects.get(name="alice")) == sum(sizes.values())

    org = create_organization("lab", owner=alice)
    push(client, "lab/a", first, backbone)
    assert namespace_usage(org.namespace) == sum(_sizes(first).values()), "counted in each namespace that holds it"


def test_a_deleted_delta_stops_counting(alice, backbone):
    client = api_client_for(alice)
    push(client, "alice/a", lora_files(), backbone)
    client.delete("/api/deltas/alice/a")
    assert namespace_usage(Namespace.objects.get(name="alice")) == 0


def test_a_plan_past_the_quota_is_refused_with_quota_exceeded(alice, backbone, settings):
    client = api_client_for(alice)
    held = lora_files(values=(1.0, 2.0))
    push(client, "alice/a", held, backbone)
    used = sum(_sizes(held).values())
    settings.DELTACENTER_NAMESPACE_QUOTA_BYTES = used + 10

    new = {"notes.txt": b"x" * 11}
    refused = client.post("/api/deltas/alice/a/upload", {"files": declare(new)}, format="json")
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded" and "alice" in error["message"]
    assert error["details"] == {"used_bytes": used, "quota_bytes": used + 10, "adding_bytes": 11}
    # So is a commit that skips the plan.
    commit = push(client, "alice/a", {**held, "notes.txt": b"x" * 11}, backbone)
    assert commit.status_code == 413 and commit.json()["error"]["code"] == "quota_exceeded"

    # Files the namespace holds already add nothing: re-pushing them, and small enough files, pass.
    assert client.post("/api/deltas/alice/a/upload", {"files": declare(held)}, format="json").status_code == 200
    assert push(client, "alice/a", {**held, "notes.txt": b"x" * 10}, backbone).status_code == 201


def test_the_quota_binds_backbone_uploads_too(alice, backbone, settings):
    settings.DELTACENTER_NAMESPACE_QUOTA_BYTES = 5
    body = {"files": declare({"model.safetensors": b"x" * 6})}
    refused = api_client_for(alice).post(f"/api/backbones/{backbone.content_hash}/upload", body, format="json")
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "quota_exceeded"


def test_whoami_and_the_settings_page_show_usage_and_quota(alice, backbone, settings, client):
    settings.DELTACENTER_NAMESPACE_QUOTA_BYTES = 10**9
    files = lora_files()
    push(api_client_for(alice), "alice/a", files, backbone)
    used = sum(_sizes(files).values())
    me = api_client_for(alice).get("/api/whoami").json()
    assert me["storage"] == [{"namespace": "alice", "used_bytes": used, "quota_bytes": 10**9}]

    client.force_login(alice)
    page = client.get("/settings/tokens").content.decode()
    assert "Storage" in page and f"{used}\xa0bytes" in page and "953.7\xa0MB" in page

    settings.DELTACENTER_NAMESPACE_QUOTA_BYTES = 0
    assert api_client_for(alice).get("/api/whoami").json()["storage"][0]["quota_bytes"] is None
    assert "no limit" in client.get("/settings/tokens").content.decode()
