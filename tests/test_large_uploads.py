"""Large files through the deltacenter client and the real worker: parts, resumes, expired URLs, finalization.

Thresholds are small (parts of 5 MiB, files of a few tens of MB); the bytes really go to SeaweedFS.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deltacenter import DeltaCenter, push_to_hub
from deltacenter.files import describe_files
from deltacenter.pull import download_snapshot
from hub.core import objectstore
from hub.deltas.models import BackboneFile, DeltaVersion, Finalization, Upload
from tests.uploads import weights_of

pytestmark = pytest.mark.django_db(transaction=True)
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_parts(settings):
    settings.DELTACENTER_MULTIPART_THRESHOLD = 6 * MIB
    settings.DELTACENTER_MULTIPART_PART_BYTES = 5 * MIB


def _delta_dir(path, megabytes, seed=0):
    path.mkdir()
    (path / "adapter_model.safetensors").write_bytes(weights_of(megabytes, seed))
    (path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
    return path


def test_a_large_push_waits_for_the_worker_to_finalize_it(hub_env, backbone, small_parts, tmp_path, celery_worker):
    directory = _delta_dir(tmp_path / "delta", 24)
    result = push_to_hub(directory, "alice/big", backbone=backbone.content_hash)

    assert result.created and result.number == 1
    finalization = Finalization.objects.get()
    assert finalization.status == "complete" and finalization.commit_id == result.commit_id
    assert (
        finalization.bytes_done == finalization.bytes_total == (directory / "adapter_model.safetensors").stat().st_size
    )
    assert DeltaVersion.objects.get().commit_id == result.commit_id
    assert not Upload.objects.exists(), "the staged upload is gone once moved into place"
    snapshot, _ = download_snapshot(DeltaCenter(), "alice/big", cache_dir=tmp_path / "cache")
    assert (snapshot / "adapter_model.safetensors").read_bytes() == (
        directory / "adapter_model.safetensors"
    ).read_bytes()

    again = push_to_hub(directory, "alice/big", backbone=backbone.content_hash)
    assert again.bytes_uploaded == 0 and not again.created and again.commit_id == result.commit_id


SLOW_PUSH = """
import sys, time
import deltacenter.upload as upload
from deltacenter import push_to_hub

send = upload.Uploader._put_part
def slowly(self, *args):
    send(self, *args)
    time.sleep(0.4)
upload.Uploader._put_part = slowly
push_to_hub(sys.argv[1], "alice/resumed", backbone=sys.argv[2])
"""


def _open_upload_parts():
    upload = Upload.objects.exclude(upload_id="").first()
    return [] if upload is None else objectstore.list_parts(upload.key, upload.upload_id) or []


def test_a_push_killed_mid_upload_sends_only_what_the_hub_lacks_when_run_again(
    hub_env, backbone, small_parts, tmp_path, celery_worker
):
    directory = _delta_dir(tmp_path / "delta", 30)
    weights = (directory / "adapter_model.safetensors").stat().st_size
    scratch = tmp_path / "child-tmp"  # what the killed push leaves behind stays here
    scratch.mkdir()
    env = {
        **os.environ,
        "DELTACENTER_UPLOAD_CONCURRENCY": "1",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'client'}",
        "TMPDIR": str(scratch),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_PUSH, str(directory), backbone.content_hash],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(_open_upload_parts()) < 2:
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the first push never got going"
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
    done = _open_upload_parts()
    done_bytes = sum(part["Size"] for part in done)
    assert 2 <= len(done) < 6 and not DeltaVersion.objects.exists()

    result = push_to_hub(directory, "alice/resumed", backbone=backbone.content_hash)

    total = sum(f["size"] for f in DeltaCenter().revision("alice/resumed")["files"])  # the card included
    assert result.created and result.bytes_uploaded + result.bytes_skipped == total
    assert result.bytes_skipped >= done_bytes, "the parts S3 held were not sent again"
    assert result.bytes_uploaded <= total - done_bytes
    assert result.bytes_uploaded >= weights - done_bytes
    snapshot, _ = download_snapshot(DeltaCenter(), "alice/resumed", cache_dir=tmp_path / "cache")
    expected = hashlib.sha256((directory / "adapter_model.safetensors").read_bytes()).hexdigest()
    assert hashlib.sha256((snapshot / "adapter_model.safetensors").read_bytes()).hexdigest() == expected


def test_a_part_url_that_expired_before_its_part_went_is_signed_again(
    hub_env, backbone, small_parts, tmp_path, settings, monkeypatch, celery_worker
):
    import deltacenter.upload as upload

    settings.S3_PRESIGN_SECONDS = 2
    monkeypatch.setattr(upload, "EXPIRY_MARGIN_SECONDS", 0)
    statuses, signed = [], []
    make_session, sign = upload.storage_session, upload.PartSigner._sign

    def recording_session(pool_size):
        session = make_session(pool_size)
        put = session.put

        def recorded(url, **kwargs):
            response = put(url, **kwargs)
            statuses.append(response.status_code)
            return response

        session.put = recorded
        return session

    def late_sign(self, number):
        sign(self, number)
        signed.append(number)
        if len(signed) == 1:
            time.sleep(3)  # the first batch lapses before its first part is sent

    monkeypatch.setattr(upload, "storage_session", recording_session)
    monkeypatch.setattr(upload.PartSigner, "_sign", late_sign)
    monkeypatch.setenv("DELTACENTER_UPLOAD_CONCURRENCY", "1")
    result = push_to_hub(_delta_dir(tmp_path / "delta", 12), "alice/late", backbone=backbone.content_hash)

    assert result.created
    assert 403 in statuses and statuses[-1] == 200, statuses
    assert len(signed) >= 2


def test_a_sharded_backbone_is_pushed_shard_by_shard_and_fetched_by_the_worker(
    hub_env, alice, backbone, small_parts, tmp_path, celery_worker, settings
):
    from workers.validation.backbone_files import backbone_directory

    backbone.registered_by = alice
    backbone.save()
    directory = tmp_path / "checkpoint"
    directory.mkdir()
    shards = {f"model-0000{i}-of-00002.safetensors": weights_of(9, seed=i) for i in (1, 2)}
    for name, data in shards.items():
        (directory / name).write_bytes(data)
    index = {"weight_map": {f"w{i}": name for i, name in enumerate(shards)}}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index))
    (directory / "config.json").write_text(json.dumps({"model_type": "bert"}))
    hub = DeltaCenter()

    sent = hub.push_backbone_files(backbone.content_hash, describe_files(directory))
    assert sent == sum(path.stat().st_size for path in directory.iterdir())
    assert sorted(BackboneFile.objects.values_list("path", flat=True)) == sorted(p.name for p in directory.iterdir())
    assert Finalization.objects.get().kind == "backbone"

    # A new second shard: only it is sent again.
    (directory / "model-00002-of-00002.safetensors").write_bytes(weights_of(9, seed=3))
    sent_again = hub.push_backbone_files(backbone.content_hash, describe_files(directory))
    assert sent_again == (directory / "model-00002-of-00002.safetensors").stat().st_size

    settings.DELTACENTER_WORKER_CACHE = tmp_path / "worker-cache"
    fetched = backbone_directory(backbone)
    for path in directory.iterdir():
        assert (fetched / path.name).read_bytes() == path.read_bytes()
