"""The upload protocol over the REST API, with bytes really going to S3."""

import secrets

import pytest
import requests
from django.test import override_settings

from hub.deltas.models import Delta, DeltaVersion, StoredObject, VersionFile
from tests.conftest import api_client_for
from tests.uploads import declare, finalize_now, lora_files, push, put_planned, send_in_parts

pytestmark = pytest.mark.django_db


def test_a_push_creates_a_version_with_files_and_parsed_config(alice, backbone):
    response = push(
        api_client_for(alice),
        "alice/tiny-lora",
        lora_files(),
        backbone,
        task="sentiment",
        tags=["demo"],
        claimed_metrics={"accuracy": 0.9},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] is True and body["number"] == 1
    version = DeltaVersion.objects.get(commit_id=body["commit_id"])
    assert version.delta_config == {"peft_type": "LORA", "r": 2}
    assert version.trainable_parameters == 2
    assert version.trainable_share == pytest.approx(2 / backbone.num_parameters)
    assert sorted(version.files.values_list("path", flat=True)) == ["adapter_config.json", "adapter_model.safetensors"]
    assert version.delta.task == "sentiment" and version.delta.tags == ["demo"]


def test_an_identical_repush_uploads_nothing_and_makes_no_new_version(alice, backbone):
    client = api_client_for(alice)
    first = push(client, "alice/tiny-lora", lora_files(), backbone)
    plan = client.post("/api/deltas/alice/tiny-lora/upload", {"files": declare(lora_files())}, format="json")
    assert {entry["action"] for entry in plan.json()["files"]} == {"stored"}
    again = push(client, "alice/tiny-lora", lora_files(), backbone)
    assert again.status_code == 200
    assert again.json()["commit_id"] == first.json()["commit_id"] and again.json()["created"] is False
    assert DeltaVersion.objects.count() == 1


def test_new_content_makes_version_two_and_shares_unchanged_objects(alice, backbone):
    client = api_client_for(alice)
    push(client, "alice/tiny-lora", lora_files(), backbone)
    second = push(client, "alice/tiny-lora", lora_files(values=(1.0, 2.0)), backbone)
    assert second.status_code == 201 and second.json()["number"] == 2
    assert StoredObject.objects.count() == 3  # the config is shared by both versions


def test_a_staged_upload_is_not_sent_twice(alice, backbone):
    client = api_client_for(alice)
    files = {"notes.txt": secrets.token_bytes(64)}  # bytes no other test has uploaded
    plan = client.post("/api/deltas/alice/x/upload", {"files": declare(files)}, format="json").json()["files"]
    assert plan[0]["action"] == "upload"
    put_planned(plan, files)
    again = client.post("/api/deltas/alice/x/upload", {"files": declare(files)}, format="json").json()["files"]
    assert {entry["action"] for entry in again} == {"staged"}


def test_download_redirects_to_s3_with_the_digest_and_counts_once_per_client_a_day(alice, backbone, client):
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone)
    version = DeltaVersion.objects.get()
    weights = VersionFile.objects.get(version=version, path="adapter_model.safetensors").object
    head = client.head("/alice/tiny-lora/resolve/main/adapter_model.safetensors")
    assert head.status_code == 302
    assert head["ETag"] == f'"{weights.sha256}"'
    assert head["X-Repo-Commit"] == version.commit_id
    assert head["X-Linked-Size"] == str(weights.size)
    # Hugging Face clients only ask with HEAD, then fetch the bytes from S3: the HEAD counts.
    assert Delta.objects.get().downloads_count == 1
    response = client.get(f"/alice/tiny-lora/resolve/{version.commit_id}/adapter_model.safetensors")
    downloaded = requests.get(response["Location"], timeout=30)
    assert downloaded.content == lora_files()["adapter_model.safetensors"]
    for _ in range(3):
        client.get("/alice/tiny-lora/resolve/main/adapter_config.json")
    assert Delta.objects.get().downloads_count == 1
    client.get("/alice/tiny-lora/resolve/main/README.md", REMOTE_ADDR="10.0.0.2")
    assert Delta.objects.get().downloads_count == 1, "a file that loads nothing does not count"
    client.get("/alice/tiny-lora/resolve/main/adapter_config.json", REMOTE_ADDR="10.0.0.2")
    api_client_for(alice).get("/alice/tiny-lora/resolve/main/adapter_model.safetensors")
    assert Delta.objects.get().downloads_count == 3


def test_a_tampered_presigned_url_is_refused_by_s3(alice, backbone, client):
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone)
    location = client.get("/alice/tiny-lora/resolve/main/adapter_model.safetensors")["Location"]
    tampered = location.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert requests.get(tampered, timeout=30).status_code == 403


def test_unknown_revision_and_path_answer_404_json(alice, backbone, client):
    """In the shape huggingface_hub reads: X-Error-Code, X-Error-Message and {"error": message}."""
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone)
    revision = client.get("/alice/tiny-lora/resolve/deadbeef00/adapter_config.json")
    assert revision.status_code == 404 and revision["X-Error-Code"] == "RevisionNotFound"
    assert revision.json()["code"] == "revision_not_found" and "deadbeef00" in revision.json()["error"]
    entry = client.get("/alice/tiny-lora/resolve/main/nope.json")
    assert entry["X-Error-Code"] == "EntryNotFound" and entry.json()["code"] == "entry_not_found"
    repo = client.get("/alice/missing/resolve/main/nope.json")
    assert repo["X-Error-Code"] == "RepoNotFound" and repo["X-Error-Message"]


def test_likes_count_once_per_user(alice, bob, backbone):
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone)
    client = api_client_for(bob)
    client.post("/api/deltas/alice/tiny-lora/like")
    assert client.post("/api/deltas/alice/tiny-lora/like").json()["likes_count"] == 1
    assert client.delete("/api/deltas/alice/tiny-lora/like").json()["likes_count"] == 0


def test_only_owners_delete_and_deleted_deltas_leave_listings(alice, bob, backbone):
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone)
    assert api_client_for(bob).delete("/api/deltas/alice/tiny-lora").status_code == 403
    assert api_client_for(alice).delete("/api/deltas/alice/tiny-lora").status_code == 204
    assert api_client_for(alice).get("/api/deltas").json()["results"] == []
    assert StoredObject.objects.count() == 2  # bytes stay until the storage sweep, after its grace window


@override_settings(DELTACENTER_MULTIPART_THRESHOLD=6 * 1024 * 1024, DELTACENTER_MULTIPART_PART_BYTES=5 * 1024 * 1024)
def test_large_files_go_up_in_parts_and_are_finalized_before_they_show(alice, backbone):
    client = api_client_for(alice)
    big = bytes(range(256)) * (12 * 1024 * 1024 // 256)
    declared = declare({"README.md": big})
    plan = client.post("/api/deltas/alice/big/upload", {"files": declared}, format="json").json()["files"][0]
    assert plan["action"] == "multipart" and plan["part_count"] == 3 and plan["parts_done"] == []
    assert "url" not in plan, "part URLs are signed as the client asks for them"
    send_in_parts(client, "/api/deltas/alice/big/upload", plan, big)
    commit = client.post(
        "/api/deltas/alice/big/commit",
        {"files": declared, "backbone": backbone.content_hash, "delta_type": "other"},
        format="json",
    )
    assert commit.status_code == 202 and commit.json()["status"] == "finalizing"
    commit_id = commit.json()["commit_id"]
    # Nothing of it shows while it is finalizing: no delta, no version, no main.
    assert client.get("/api/deltas/alice/big").status_code == 404
    assert client.get("/alice/big/resolve/main/README.md").status_code == 404
    assert client.get(f"/api/commits/{commit_id}").json()["status"] == "finalizing"

    assert finalize_now(commit) == "complete"
    status = client.get(f"/api/commits/{commit_id}").json()
    assert status["status"] == "complete" and status["number"] == 1 and status["bytes_done"] == len(big)
    version = DeltaVersion.objects.get()
    assert version.commit_id == commit_id
    assert StoredObject.objects.get().size == len(big)
    assert client.get("/api/deltas/alice/big/revision/main").json()["commit_id"] == commit_id
    downloaded = requests.get(client.get("/alice/big/resolve/main/README.md")["Location"], timeout=60)
    assert downloaded.content == big


@override_settings(DELTACENTER_MULTIPART_THRESHOLD=6 * 1024 * 1024, DELTACENTER_MULTIPART_PART_BYTES=5 * 1024 * 1024)
def test_a_new_version_in_finalization_leaves_main_where_it_was(alice, backbone):
    client = api_client_for(alice)
    first = push(client, "alice/d", lora_files(), backbone).json()
    big = secrets.token_bytes(7 * 1024 * 1024)
    files = {**lora_files(), "notes.txt": big}
    plan = client.post("/api/deltas/alice/d/upload", {"files": declare(files)}, format="json").json()["files"]
    send_in_parts(client, "/api/deltas/alice/d/upload", next(e for e in plan if e["path"] == "notes.txt"), big)
    commit = client.post(
        "/api/deltas/alice/d/commit", {"files": declare(files), "backbone": backbone.content_hash}, format="json"
    )
    assert commit.status_code == 202
    for path in ("/api/deltas/alice/d/revision/main", "/api/models/alice/d"):
        answer = client.get(path).json()
        assert first["commit_id"] in (answer.get("commit_id"), answer.get("sha"))
    assert [d["id"] for d in client.get("/api/deltas").json()["results"]] == ["alice/d"]
    assert len(client.get("/api/deltas/alice/d/versions").json()["versions"]) == 1

    finalize_now(commit)
    assert client.get("/api/deltas/alice/d/revision/main").json()["commit_id"] == commit.json()["commit_id"]


@override_settings(
    DELTACENTER_MULTIPART_THRESHOLD=6 * 1024 * 1024, DELTACENTER_MULTIPART_PART_BYTES=5 * 1024 * 1024,
    S3_PRESIGN_SECONDS=1,
)  # fmt: skip
def test_part_urls_are_signed_on_request_and_again_once_expired(alice, bob, backbone):
    import time

    client = api_client_for(alice)
    data = secrets.token_bytes(11 * 1024 * 1024)
    declared = declare({"notes.txt": data})
    plan = client.post("/api/deltas/alice/d/upload", {"files": declared}, format="json").json()["files"][0]
    body = {"sha256": declared[0]["sha256"], "upload_id": plan["upload_id"]}
    signed = client.post("/api/deltas/alice/d/upload/parts", {**body, "part_numbers": [1]}, format="json").json()
    assert signed["expires_in"] == 1 and [p["part_number"] for p in signed["parts"]] == [1]
    time.sleep(2)
    assert requests.put(signed["parts"][0]["url"], data=data[: 5 * 1024 * 1024], timeout=30).status_code == 403
    again = client.post("/api/deltas/alice/d/upload/parts", {**body, "part_numbers": [1]}, format="json").json()
    assert requests.put(again["parts"][0]["url"], data=data[: 5 * 1024 * 1024], timeout=30).status_code == 200
    # The plan now says which part S3 holds, so a resumed push sends only the others.
    resumed = client.post("/api/deltas/alice/d/upload", {"files": declared}, format="json").json()["files"][0]
    assert resumed["upload_id"] == plan["upload_id"]
    assert [(p["part_number"], p["size"]) for p in resumed["parts_done"]] == [(1, 5 * 1024 * 1024)]

    out_of_range = client.post("/api/deltas/alice/d/upload/parts", {**body, "part_numbers": [4]}, format="json")
    assert out_of_range.status_code == 400 and out_of_range.json()["error"]["code"] == "invalid_part_number"
    bobs = api_client_for(bob).post("/api/deltas/bob/d/upload/parts", {**body, "part_numbers": [2]}, format="json")
    assert bobs.status_code == 404 and bobs.json()["error"]["code"] == "upload_not_found"


@override_settings(DELTACENTER_MULTIPART_THRESHOLD=6 * 1024 * 1024, DELTACENTER_MULTIPART_PART_BYTES=5 * 1024 * 1024)
def test_a_commit_sent_again_while_the_first_finalizes_ends_in_the_same_version(alice, backbone):
    client = api_client_for(alice)
    big = secrets.token_bytes(7 * 1024 * 1024)
    declared = declare({"notes.txt": big})
    plan = client.post("/api/deltas/alice/d/upload", {"files": declared}, format="json").json()["files"][0]
    send_in_parts(client, "/api/deltas/alice/d/upload", plan, big)
    body = {"files": declared, "backbone": backbone.content_hash, "delta_type": "other"}
    first = client.post("/api/deltas/alice/d/commit", body, format="json")
    again = client.post("/api/deltas/alice/d/commit", body, format="json")  # say, a push run again meanwhile

    assert finalize_now(first) == "complete"
    assert finalize_now(again) == "complete"
    status = client.get(f"/api/commits/{again.json()['commit_id']}").json()
    assert status["created"] is False and status["commit_id"] == first.json()["commit_id"]
    assert DeltaVersion.objects.count() == 1
