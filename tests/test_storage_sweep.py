"""The storage sweep: what nothing references goes after the grace window, what something holds stays."""

import secrets
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.db import connection, connections, transaction
from django.utils import timezone

from hub.core import objectstore
from hub.deltas.cleanup import delete_marked, mark_unreferenced, sweep_storage
from hub.deltas.commit import commit_version, create_version, resolve_writable_namespace
from hub.deltas.declared import DeclaredFile, staging_key
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import Delta, DeltaVersion, StoredObject, Upload, VersionFile, object_key
from hub.deltas.verify import check_files
from tests.conftest import api_client_for
from tests.uploads import checksum_header, declare, lora_files, push

EVERYTHING_OLD = timedelta(seconds=-60)  # the cutoff lies ahead: every object and upload counts as old
AN_HOUR = timedelta(hours=1)


def _put(key, body=b"leftover"):
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=key, Body=body)


def _weights(version):
    return VersionFile.objects.get(version=version, path="adapter_model.safetensors").object


@pytest.mark.django_db
def test_a_deleted_deltas_files_go_while_files_another_version_shares_stay(alice, backbone):
    client = api_client_for(alice)
    push(client, "alice/kept", lora_files(values=(1.0, 2.0)), backbone)
    push(client, "alice/gone", lora_files(values=(3.0, 4.0)), backbone)
    kept, gone = DeltaVersion.objects.get(delta__name="kept"), DeltaVersion.objects.get(delta__name="gone")
    shared, gone_weights = VersionFile.objects.get(version=gone, path="adapter_config.json").object, _weights(gone)
    assert client.delete("/api/deltas/alice/gone").status_code == 204

    sweep_storage(AN_HOUR)
    assert objectstore.object_size(gone_weights.key) is not None, "used within the grace window"

    assert sweep_storage(EVERYTHING_OLD)["objects"] == 1
    assert objectstore.object_size(gone_weights.key) is None
    assert not StoredObject.objects.filter(pk=gone_weights.pk).exists()
    for stays in (shared, _weights(kept)):
        assert objectstore.object_size(stays.key) is not None and StoredObject.objects.filter(pk=stays.pk).exists()
    # The delta's metadata stays (a soft delete); its version no longer names the file that went.
    assert Delta.objects.get(name="gone").deleted_at is not None
    assert list(gone.files.values_list("path", flat=True)) == ["adapter_config.json"]


@pytest.mark.django_db
def test_bytes_uploaded_but_never_committed_go_after_the_grace_window(alice):
    files = {"notes.txt": secrets.token_bytes(100)}
    client = api_client_for(alice)
    entry = client.post("/api/deltas/alice/x/upload", {"files": declare(files)}, format="json").json()["files"][0]
    assert requests.put(entry["url"], data=files["notes.txt"], headers=checksum_header(entry), timeout=30).ok
    key = object_key(declare(files)[0]["sha256"])

    sweep_storage(AN_HOUR)
    assert objectstore.object_size(key) == 100

    assert sweep_storage(EVERYTHING_OLD)["orphans"] >= 1
    assert objectstore.object_size(key) is None
    assert not StoredObject.objects.filter(sha256=declare(files)[0]["sha256"]).exists()


@pytest.mark.django_db
def test_unfinished_uploads_go_unless_their_upload_was_touched_within_the_window(alice):
    abandoned = staging_key(alice, secrets.token_hex(32))
    in_use_sha = secrets.token_hex(32)
    in_use = staging_key(alice, in_use_sha)
    abandoned_id = objectstore.client().create_multipart_upload(Bucket=objectstore.bucket(), Key=abandoned)["UploadId"]
    in_use_id = objectstore.client().create_multipart_upload(Bucket=objectstore.bucket(), Key=in_use)["UploadId"]
    Upload.objects.create(
        user=alice, sha256=in_use_sha, size=10, key=in_use, upload_id=in_use_id, touched_at=timezone.now() + AN_HOUR
    )
    staged = staging_key(alice, secrets.token_hex(32))
    _put(staged)

    counts = sweep_storage(EVERYTHING_OLD)

    assert counts["multipart"] >= 1 and counts["staged"] >= 1
    assert objectstore.list_parts(abandoned, abandoned_id) is None
    assert objectstore.list_parts(in_use, in_use_id) == []
    assert objectstore.object_size(staged) is None


@pytest.mark.django_db
def test_it_keeps_recent_leftovers(alice):
    staged = staging_key(alice, secrets.token_hex(32))
    orphan = object_key(secrets.token_hex(32))
    _put(staged)
    _put(orphan)
    sweep_storage()
    assert objectstore.object_size(staged) == len(b"leftover") and objectstore.object_size(orphan) is not None


@pytest.mark.django_db
def test_every_listing_is_paginated(alice):
    staged = [staging_key(alice, secrets.token_hex(32)) for _ in range(3)]
    orphans = [object_key(secrets.token_hex(32)) for _ in range(3)]
    uploads = []
    for key in [*staged, *orphans]:
        _put(key)
    for _ in range(3):
        key = staging_key(alice, secrets.token_hex(32))
        uploads.append((key, objectstore.client().create_multipart_upload(Bucket=objectstore.bucket(), Key=key)))

    counts = sweep_storage(EVERYTHING_OLD, page_size=1)

    assert counts["staged"] >= 3 and counts["orphans"] >= 3 and counts["multipart"] >= 3
    assert all(objectstore.object_size(key) is None for key in [*staged, *orphans])
    assert all(objectstore.list_parts(key, answer["UploadId"]) is None for key, answer in uploads)


def _deleted_delta_with_an_old_object(alice, backbone):
    """alice's deleted delta held some weights, unused for two days: a candidate for the sweep. She pushes those
    weights again into alice/new: not `stored` (nothing she can read holds them) but `staged`, as the copy at
    their content address is the one she uploaded."""
    client = api_client_for(alice)
    push(client, "alice/new", lora_files(values=(7.0, 8.0)), backbone)
    push(client, "alice/old", lora_files(values=(5.0, 6.0)), backbone)
    client.delete("/api/deltas/alice/old")
    old = _weights(DeltaVersion.objects.get(delta__name="old"))
    StoredObject.objects.filter(pk=old.pk).update(last_used_at=timezone.now() - timedelta(days=2))
    files = lora_files(values=(5.0, 6.0))
    plan = client.post("/api/deltas/alice/new/upload", {"files": declare(files)}, format="json").json()["files"]
    weights = next(entry for entry in plan if entry["path"] == "adapter_model.safetensors")
    assert weights["action"] == "staged"
    declared = [DeclaredFile(**f) for f in declare(files)]
    return old, declared, DeltaMetadata(backbone=backbone.content_hash, delta_type="lora")


def _waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_an_object_a_concurrent_commit_is_taking(alice, backbone):
    old, declared, metadata = _deleted_delta_with_an_old_object(alice, backbone)
    delta_locked, release, outcome = threading.Event(), threading.Event(), {}

    def hold_the_delta():
        # Another push to alice/new holds its row: the commit below takes its objects, then waits for the delta.
        try:
            with transaction.atomic():
                Delta.objects.select_for_update().get(name="new")
                delta_locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    def commit():
        try:
            outcome["result"] = commit_version(alice, "alice", "new", metadata, declared)
        except Exception as exc:  # reported to the test below
            outcome["error"] = exc
        finally:
            connections.close_all()

    holder, committer = threading.Thread(target=hold_the_delta), threading.Thread(target=commit)
    holder.start()
    assert delta_locked.wait(10)
    committer.start()
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock():
        assert time.monotonic() < deadline, "the commit never reached the delta's lock"
        time.sleep(0.05)

    sweep_storage(AN_HOUR)  # the object is two days unused and only a deleted delta names it...
    assert StoredObject.objects.get(pk=old.pk).deleting_at is None, "...but the commit holds it"
    assert objectstore.object_size(old.key) is not None

    release.set()
    holder.join(10)
    committer.join(20)
    assert "error" not in outcome, outcome.get("error")
    version = outcome["result"].version
    assert version.number == 2 and _weights(version).pk == old.pk
    sweep_storage(EVERYTHING_OLD)
    assert objectstore.object_size(old.key) is not None and StoredObject.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_a_commit_fails_cleanly_when_the_sweep_marked_its_object_first(alice, backbone):
    from hub.core.errors import Conflict
    from hub.deltas import binding

    old, declared, metadata = _deleted_delta_with_an_old_object(alice, backbone)
    # The commit checks its files, as commit_version does first, outside any transaction...
    ready, staged = check_files(alice, declared)
    assert staged == [] and _weights(DeltaVersion.objects.get(delta__name="old")).pk in {c.object.pk for c in ready}
    # ...the sweep marks the object meanwhile...
    assert old.pk in mark_unreferenced(timezone.now() - AN_HOUR)
    # ...and the commit's transaction refuses it: no version names bytes that are about to go.
    namespace = resolve_writable_namespace(alice, "alice")
    with pytest.raises(Conflict) as caught:
        create_version(alice, namespace, "new", metadata, binding.by_hash(metadata.backbone), ready)
    assert caught.value.code == "object_missing"
    assert Delta.objects.get(name="new").versions.count() == 1
    delete_marked()
    assert objectstore.object_size(old.key) is None

    # Pushing again uploads the bytes anew and succeeds.
    again = push(api_client_for(alice), "alice/new", lora_files(values=(5.0, 6.0)), backbone)
    assert again.status_code == 201 and again.json()["number"] == 2
    assert objectstore.object_size(object_key(declared[1].sha256)) is not None


@pytest.mark.django_db
def test_a_finalization_that_never_finished_fails_after_the_window_and_its_upload_goes(alice):
    from hub.deltas.models import Finalization

    sha = secrets.token_hex(32)
    _put(staging_key(alice, sha))
    finalization = Finalization.objects.create(
        commit_id=secrets.token_hex(20), kind="push", user=alice, namespace=alice.namespace, name="d",
        request={"staged": [{"path": "w.txt", "size": 8, "sha256": sha}]},
        created_at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    counts = sweep_storage(AN_HOUR)
    finalization.refresh_from_db()
    assert counts["finalizations_expired"] == 1
    assert finalization.status == "failed" and finalization.reason_code == "finalize_expired"
    assert objectstore.object_size(staging_key(alice, sha)) is None
