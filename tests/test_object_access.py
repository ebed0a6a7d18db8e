"""Knowing a sha256 is not enough to use a file: objects count as stored only for accounts that may read them."""

import json

import pytest
import requests

from hub.core import objectstore
from hub.deltas.models import Delta, DeltaVersion, StoredObject, object_key
from tests.conftest import api_client_for
from tests.uploads import checksum_header, declare, lora_files, push

pytestmark = pytest.mark.django_db

SECRET = lora_files(values=(0.125, 0.875))


def _plan(client, repo, files):
    answer = client.post(f"/api/deltas/{repo}/upload", {"files": declare(files)}, format="json")
    assert answer.status_code == 200, answer.content
    return {entry["path"]: entry for entry in answer.json()["files"]}


def _commit(client, repo, files, backbone):
    body = {"files": declare(files), "backbone": backbone.content_hash, "delta_type": "lora"}
    return client.post(f"/api/deltas/{repo}/commit", body, format="json")


@pytest.fixture
def alices_private_delta(alice, backbone):
    assert push(api_client_for(alice), "alice/secret", SECRET, backbone, private=True).status_code == 201
    return Delta.objects.get(name="secret")


def test_another_account_must_upload_a_private_file_it_only_names(alices_private_delta, bob, backbone):
    bob_client = api_client_for(bob)
    plan = _plan(bob_client, "bob/copy", SECRET)
    assert {entry["action"] for entry in plan.values()} == {"upload"}, "bob cannot read alice's copy"
    commit = _commit(bob_client, "bob/copy", SECRET, backbone)
    assert commit.status_code == 409 and commit.json()["error"]["code"] == "object_missing"
    assert not Delta.objects.filter(name="copy").exists()


def test_an_account_that_holds_the_bytes_proves_it_by_uploading_them(alices_private_delta, bob, backbone):
    bob_client = api_client_for(bob)
    for entry in _plan(bob_client, "bob/copy", SECRET).values():
        put = requests.put(entry["url"], data=SECRET[entry["path"]], headers=checksum_header(entry), timeout=30)
        assert put.status_code == 200
    assert _commit(bob_client, "bob/copy", SECRET, backbone).status_code == 201
    assert StoredObject.objects.count() == 2, "the same objects, stored once"


def test_objects_of_public_versions_count_as_stored_for_everyone(alices_private_delta, bob, backbone):
    Delta.objects.filter(pk=alices_private_delta.pk).update(private=False)
    assert {e["action"] for e in _plan(api_client_for(bob), "bob/copy", SECRET).values()} == {"stored"}
    assert _commit(api_client_for(bob), "bob/copy", SECRET, backbone).status_code == 201


def test_members_of_an_organisation_read_its_private_objects(alice, bob, backbone):
    from hub.accounts.models import Membership
    from hub.accounts.namespaces import create_organization

    org = create_organization("lab", owner=alice)
    Membership.objects.create(organization=org, user=bob, role=Membership.Role.READ)
    push(api_client_for(alice), "lab/secret", SECRET, backbone, private=True)
    assert {e["action"] for e in _plan(api_client_for(bob), "bob/copy", SECRET).values()} == {"stored"}


def test_a_deleted_delta_no_longer_lends_its_objects(alices_private_delta, alice, bob, backbone):
    Delta.objects.filter(pk=alices_private_delta.pk).update(private=False)
    api_client_for(alice).delete("/api/deltas/alice/secret")
    assert {e["action"] for e in _plan(api_client_for(bob), "bob/copy", SECRET).values()} == {"upload"}


def test_an_upload_another_account_sent_but_never_committed_is_not_yours(alice, bob, backbone):
    files = {"notes.txt": b"alice's uncommitted notes"}
    for entry in _plan(api_client_for(alice), "alice/draft", files).values():
        assert requests.put(entry["url"], data=files["notes.txt"], headers=checksum_header(entry), timeout=30).ok
    assert _plan(api_client_for(alice), "alice/draft", files)["notes.txt"]["action"] == "staged"
    assert _plan(api_client_for(bob), "bob/copy", files)["notes.txt"]["action"] == "upload"
    commit = _commit(api_client_for(bob), "bob/copy", files, backbone)
    assert commit.status_code == 409 and commit.json()["error"]["code"] == "object_missing"


def test_the_uploader_is_signed_into_the_put(alice, bob):
    """A PUT URL writes only with its account's id as metadata: nobody can pass bytes off as another's."""
    files = {"notes.txt": b"bob's notes"}
    entry = _plan(api_client_for(bob), "bob/x", files)["notes.txt"]
    forged = {**checksum_header(entry), "x-amz-meta-uploader": str(alice.pk)}
    assert requests.put(entry["url"], data=files["notes.txt"], headers=forged, timeout=30).status_code == 403
    assert requests.put(entry["url"], data=files["notes.txt"], headers=checksum_header(entry), timeout=30).ok
    head = objectstore.head_with_checksum(object_key(declare(files)[0]["sha256"]))
    assert head["Metadata"] == {"uploader": str(bob.pk)}


@pytest.mark.django_db(transaction=True)
def test_the_git_lfs_path_follows_the_same_rule(live_server, alice, bob, backbone):
    from hub.accounts.tokens import create_token

    push(api_client_for(alice), "alice/secret", SECRET, backbone, private=True)
    _, token = create_token(bob, "hf", ["write"])
    auth = {"Authorization": f"Bearer {token}"}
    created = requests.post(f"{live_server.url}/api/repos/create", json={"name": "copy"}, headers=auth, timeout=30)
    assert created.status_code == 200, created.text
    headers = {**auth, "Content-Type": "application/vnd.git-lfs+json"}
    weights = declare(SECRET)[1]
    batch = requests.post(
        f"{live_server.url}/bob/copy.git/info/lfs/objects/batch",
        json={
            "operation": "upload",
            "transfers": ["basic"],
            "objects": [{"oid": weights["sha256"], "size": weights["size"]}],
        },
        headers=headers,
        timeout=30,
    ).json()
    assert "upload" in batch["objects"][0]["actions"], "bob must send the bytes"
    verify = requests.post(
        f"{live_server.url}/bob/copy.git/info/lfs/verify", json={"oid": weights["sha256"], "size": weights["size"]},
        headers=headers, timeout=30,
    )  # fmt: skip
    assert verify.status_code == 409 and verify.json()["code"] == "object_missing"
    lines = [
        {"key": "header", "value": {"summary": "copy"}},
        {"key": "lfsFile", "value": {"path": "adapter_model.safetensors", "algo": "sha256", "oid": weights["sha256"],
                                     "size": weights["size"]}},
    ]  # fmt: skip
    commit = requests.post(
        f"{live_server.url}/api/models/bob/copy/commit/main", data="\n".join(json.dumps(line) for line in lines),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}, timeout=30,
    )  # fmt: skip
    assert commit.status_code == 409 and commit.json()["code"] == "object_missing"
    assert DeltaVersion.objects.filter(delta__name="copy").count() == 0
