"""Bad input: a clear JSON error, and nothing left behind."""

import pytest
import requests
from django.test import override_settings

from hub.accounts.models import Membership
from hub.accounts.namespaces import create_organization
from hub.accounts.tokens import create_token, revoke_token
from hub.deltas.models import Delta, DeltaVersion, StoredObject, object_key
from tests.conftest import api_client_for
from tests.uploads import checksum_header, declare, finalize_now, lora_files, push, safetensors_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(alice):
    return api_client_for(alice)


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def _assert_nothing_created():
    assert Delta.objects.count() == 0
    assert DeltaVersion.objects.count() == 0
    assert StoredObject.objects.count() == 0


@pytest.mark.parametrize("name", ["..", "...", "a..b", "x" * 97, "-dash"])
def test_it_refuses_bad_delta_names(writer, backbone, name):
    _assert_error(push(writer, f"alice/{name}", lora_files(), backbone), 400, "invalid_name")
    _assert_nothing_created()


def test_a_name_with_a_slash_is_refused_by_the_commit_service(alice, backbone):
    from hub.core.errors import Invalid
    from hub.deltas.commit import commit_version
    from hub.deltas.metadata import DeltaMetadata

    with pytest.raises(Invalid) as caught:
        commit_version(alice, "alice", "a/b", DeltaMetadata(backbone=backbone.content_hash), [])
    assert caught.value.code == "invalid_name"


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.mark.parametrize(
    "path", ["../escape.json", "/abs.json", "a/../../b.json", "a//b.json", "dir\\x.json", "./x.json"]
)
def test_it_refuses_paths_that_leave_the_repository(writer, backbone, path):
    files = {path: b"{}"}
    _assert_error(push(writer, "alice/d", files, backbone), 400, "invalid_path")
    _assert_nothing_created()


@pytest.mark.parametrize("path", ["adapter_model.bin", "model.pt", "weights.pkl", "last.ckpt", "x.pth"])
def test_it_refuses_pickled_weights(writer, backbone, path):
    response = push(writer, "alice/d", {path: b"\x80\x04K\x01."}, backbone)
    _assert_error(response, 400, "pickle_not_allowed")
    assert "safetensors" in response.json()["error"]["message"]
    _assert_nothing_created()


BAD_SAFETENSORS = {
    "pickle posing as safetensors": (b"\x80\x04\x95" + b"\x00" * 40, "invalid_safetensors"),
    "oversized header": (
        b"\x00\x00\x00\x01\x00\x00\x00\x00" + b" " * (16 * 1024 * 1024 + 8),
        "safetensors_header_too_large",
    ),
    "malformed json": (safetensors_bytes(header=b"{not json"), "invalid_safetensors"),
    "overlapping offsets": (
        safetensors_bytes(
            header={
                "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            data=b"\x00" * 12,
        ),
        "invalid_safetensors",
    ),
    "offsets out of range": (
        safetensors_bytes(header={"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, data=b"\x00" * 8),
        "invalid_safetensors",
    ),
    "dtype outside allowlist": (
        safetensors_bytes(header={"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, data=b"\x00" * 8),
        "dtype_not_allowed",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SAFETENSORS))
def test_it_refuses_bad_safetensors_and_removes_the_upload(writer, backbone, case):
    from hub.core import objectstore
    from hub.deltas.uploads import staging_key

    content, code = BAD_SAFETENSORS[case]
    files = {"adapter_config.json": b"{}", "adapter_model.safetensors": content}
    _assert_error(push(writer, "alice/d", files, backbone), 400, code)
    assert Delta.objects.count() == 0 and DeltaVersion.objects.count() == 0
    sha = declare(files)[1]["sha256"]
    assert objectstore.object_size(staging_key(_user("alice"), sha)) is None
    assert not StoredObject.objects.filter(sha256=sha).exists()


def _plan(client, files):
    return client.post("/api/deltas/alice/d/upload", {"files": declare(files)}, format="json").json()["files"]


def _commit_missing(client, files, backbone):
    body = {"files": declare(files), "backbone": backbone.content_hash, "delta_type": "lora"}
    _assert_error(client.post("/api/deltas/alice/d/commit", body, format="json"), 409, "object_missing")
    _assert_nothing_created()


def test_size_that_does_not_match_what_was_declared(writer, backbone):
    files = {"notes.txt": b"hello"}
    entry = _plan(writer, files)[0]
    # The declared size is part of the signature: S3 itself refuses other lengths.
    sent = requests.put(entry["url"], data=b"hello, longer", headers=checksum_header(entry), timeout=30)
    assert sent.status_code in (400, 403)
    _commit_missing(writer, files, backbone)


def test_sha256_that_does_not_match_what_was_declared(writer, backbone):
    files = {"notes.txt": b"hello"}
    entry = _plan(writer, files)[0]
    # So is the sha256: S3 refuses other bytes of the same length, and a PUT without the checksum header.
    assert requests.put(entry["url"], data=b"jello", headers=checksum_header(entry), timeout=30).status_code == 400
    assert requests.put(entry["url"], data=b"hello", timeout=30).status_code == 403
    _commit_missing(writer, files, backbone)


@override_settings(DELTACENTER_MULTIPART_THRESHOLD=5 * 1024 * 1024)
def test_a_staged_upload_whose_sha256_differs_fails_its_finalization_and_leaves_nothing(writer, backbone):
    from hub.core import objectstore
    from hub.deltas.uploads import staging_key

    declared = declare({"notes.txt": b"a" * (5 * 1024 * 1024)})
    staged = staging_key(_user("alice"), declared[0]["sha256"])
    # Bytes of the right size but other content reach the uploader's staging key.
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=staged, Body=b"b" * (5 * 1024 * 1024))
    body = {"files": declared, "backbone": backbone.content_hash, "delta_type": "lora"}
    commit = writer.post("/api/deltas/alice/d/commit", body, format="json")
    assert finalize_now(commit) == "failed"

    status = writer.get(f"/api/commits/{commit.json()['commit_id']}").json()
    assert status["status"] == "failed" and status["reason_code"] == "sha256_mismatch"
    assert "hash to" in status["reason"]
    _assert_nothing_created()
    assert objectstore.object_size(staged) is None
    assert objectstore.object_size(object_key(declared[0]["sha256"])) is None


@override_settings(DELTACENTER_MULTIPART_THRESHOLD=5 * 1024 * 1024)
def test_a_staged_upload_that_is_not_safetensors_is_refused_at_commit(writer, backbone):
    from hub.core import objectstore
    from hub.deltas.uploads import staging_key

    content = b"\x80\x04\x95" + b"\x00" * (5 * 1024 * 1024)
    declared = declare({"adapter_model.safetensors": content})
    staged = staging_key(_user("alice"), declared[0]["sha256"])
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=staged, Body=content)
    body = {"files": declared, "backbone": backbone.content_hash, "delta_type": "lora"}
    _assert_error(writer.post("/api/deltas/alice/d/commit", body, format="json"), 400, "invalid_safetensors")
    _assert_nothing_created()
    assert objectstore.object_size(staged) is None


def test_a_commit_naming_an_object_never_uploaded(writer, backbone):
    body = {"files": declare({"notes.txt": b"never sent"}), "backbone": backbone.content_hash, "delta_type": "lora"}
    _assert_error(writer.post("/api/deltas/alice/d/commit", body, format="json"), 409, "object_missing")
    _assert_nothing_created()


def test_pushing_into_another_users_namespace(alice, bob, backbone):
    _assert_error(push(api_client_for(bob), "alice/d", lora_files(), backbone), 403, "forbidden_namespace")
    _assert_nothing_created()


def test_pushing_into_an_organisation_without_a_write_role(alice, bob, backbone):
    org = create_organization("lab", owner=alice)
    Membership.objects.create(organization=org, user=bob, role=Membership.Role.READ)
    _assert_error(push(api_client_for(bob), "lab/d", lora_files(), backbone), 403, "forbidden_namespace")
    assert push(api_client_for(alice), "lab/d", lora_files(), backbone).status_code == 201


def test_a_read_only_token_cannot_push(alice, backbone):
    _assert_error(
        push(api_client_for(alice, scopes=["read"]), "alice/d", lora_files(), backbone), 403, "insufficient_scope"
    )
    _assert_nothing_created()


def test_revoked_and_unknown_tokens_are_refused(alice, backbone):
    from rest_framework.test import APIClient

    token, secret = create_token(alice, "old", ["write"])
    revoke_token(token)
    for bearer in (secret, "dc_unknown"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer}")
        _assert_error(push(client, "alice/d", lora_files(), backbone), 401, "invalid_token")
    _assert_error(push(APIClient(), "alice/d", lora_files(), backbone), 401, "not_authenticated")
    _assert_nothing_created()


@override_settings(DELTACENTER_MAX_FILES=2)
def test_too_many_files(writer, backbone):
    files = {f"f{i}.json": b"{}" for i in range(3)}
    _assert_error(push(writer, "alice/d", files, backbone), 400, "too_many_files")


@override_settings(DELTACENTER_MAX_FILE_BYTES=10)
def test_too_large_files(writer, backbone):
    _assert_error(push(writer, "alice/d", {"notes.txt": b"x" * 11}, backbone), 413, "file_too_large")


def test_an_unregistered_backbone(writer, backbone):
    backbone.content_hash = "9" * 64
    _assert_error(push(writer, "alice/d", lora_files(), backbone), 404, "backbone_not_registered")
    assert Delta.objects.count() == 0


def test_metadata_of_the_wrong_type(writer, backbone):
    _assert_error(push(writer, "alice/d", lora_files(), backbone, tags="x" * 100), 400, "invalid_field")
    _assert_error(
        push(writer, "alice/d", lora_files(), backbone, claimed_metrics={"acc": "high"}), 400, "invalid_field"
    )
    _assert_error(push(writer, "alice/d", lora_files(), backbone, delta_type="magic"), 400, "invalid_field")
    assert Delta.objects.count() == 0 and DeltaVersion.objects.count() == 0


def test_invalid_json_config(writer, backbone):
    files = {"adapter_config.json": b"{oops", "adapter_model.safetensors": safetensors_bytes()}
    _assert_error(push(writer, "alice/d", files, backbone), 400, "invalid_json")
    assert Delta.objects.count() == 0
