"""What an outsider with an account tries: bad inputs, floods, guessing. Each gets a 4xx naming the field, or 429."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from hub.deltas.models import Delta, StoredObject
from tests.conftest import api_client_for
from tests.uploads import declare, lora_files, push, put_planned, safetensors_bytes

pytestmark = pytest.mark.django_db

NESTED = "[" * 5000 + "]" * 5000


def _post_raw(client, url, raw):
    return client.post(url, data=raw, content_type="application/json")


def _error(response, status, field_part=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    if field_part is not None:
        assert field_part in error["message"], error
    return error


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ('{"files": [], "backbone": NaN}', "NaN"),
        ('{"files": [{"path": "a.json", "size": 1e999, "sha256": "x"}]}', "finite"),
        (
            '{"files": [{"path": "a.json", "size": 99999999999999999999, "sha256": "' + "a" * 64 + '"}]}',
            "files[0].size",
        ),
        ('{"files": [{"path": "a\\u0000.json", "size": 1, "sha256": "x"}]}', "files[0].path"),
        ('{"files": [{"path": "\\ud800.json", "size": 1, "sha256": "x"}]}', "files[0].path"),
        (NESTED, "deeper"),
        ("[1, 2, 3]", None),
        ("not json at all", "JSON"),
    ],
)
def test_a_malformed_body_is_a_400_that_says_where(alice, raw, where):
    response = _post_raw(api_client_for(alice), "/api/deltas/alice/d/upload", raw)
    _error(response, 400, where)


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"task": "x" * 101}, "task"),
        ({"tags": ["\x00"]}, "tags"),
        ({"claimed_metrics": {"accuracy": "high"}}, "claimed_metrics"),
        ({"dict_tags": {"k": {"nested": 1}}}, "dict_tags"),
        ({"license": ["mit"]}, "license"),
        ({"private": "maybe"}, "private"),
    ],
)
def test_metadata_that_does_not_fit_its_column_names_the_field(alice, backbone, metadata, field):
    error = _error(push(api_client_for(alice), "alice/d", lora_files(), backbone, **metadata), 400, field)
    assert error["field"].startswith(field)
    assert not Delta.objects.exists()


@pytest.mark.parametrize(
    "config",
    [b'{"peft_type": "LORA", "r": NaN}', b'{"r": 1e999}', b"[" * 5000 + b"]" * 5000, b'{"a": "\\ud800"}'],
)
def test_a_config_file_the_hub_cannot_store_is_refused_and_removed(alice, backbone, config):
    files = {**lora_files(), "adapter_config.json": config}
    error = _error(push(api_client_for(alice), "alice/d", files, backbone), 400)
    assert error["code"] == "invalid_json"
    assert not Delta.objects.exists()
    digest = declare({"c": config})[0]["sha256"]
    assert not StoredObject.objects.filter(sha256=digest).exists()


@pytest.mark.parametrize(
    "header",
    [
        {"w": {"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}},
        {".".join(["m"] * 40): {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
        {"a\x07b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
    ],
)
def test_safetensors_headers_beyond_the_limits_are_refused_at_commit(alice, backbone, header):
    size = max(entry["data_offsets"][1] for entry in header.values())
    files = {**lora_files(), "adapter_model.safetensors": safetensors_bytes(header=header, data=b"\0" * size)}
    error = _error(push(api_client_for(alice), "alice/d", files, backbone), 400)
    assert error["code"] in ("invalid_safetensors", "invalid_tensor_name")


@pytest.mark.parametrize("name", ["trailing.", "x.git", "CON", "nul.txt"])
def test_names_windows_or_git_cannot_hold_are_refused(alice, backbone, name):
    _error(push(api_client_for(alice), f"alice/{name}", lora_files(), backbone), 400)


@pytest.mark.parametrize("path", ["CON.json", "sub/aux.json", "com1.md", "dir./a.json"])
def test_paths_windows_cannot_save_are_refused(alice, backbone, path):
    files = {**lora_files(), path: b"{}"}
    _error(push(api_client_for(alice), "alice/d", files, backbone), 400)


def test_an_unexpected_error_is_a_json_500_with_an_id_and_no_traceback(alice, monkeypatch):
    from hub.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("the secret internals")

    monkeypatch.setattr(views, "plan_uploads", broken)
    client = api_client_for(alice)
    client.raise_request_exception = False
    response = client.post("/api/deltas/alice/d/upload", {"files": declare(lora_files())}, format="json")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error" and len(error["id"]) == 12 and error["id"] in error["message"]
    assert "secret internals" not in response.content.decode()


def test_guessing_tokens_is_refused_with_429_and_retry_after(settings):
    settings.DELTACENTER_TOKEN_FAILURES = 5
    client = APIClient(REMOTE_ADDR="10.9.8.7")
    statuses = [client.get("/api/deltas", HTTP_AUTHORIZATION=f"Bearer dc_guess{i}").status_code for i in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    response = client.get("/api/deltas", HTTP_AUTHORIZATION="Bearer dc_guess")
    assert int(response["Retry-After"]) > 0
    assert APIClient(REMOTE_ADDR="10.9.8.8").get("/api/deltas", HTTP_AUTHORIZATION="Bearer dc_x").status_code == 401


def test_commits_beyond_the_rate_are_refused_with_429(alice, backbone, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "commits", "2/hour")
    client = api_client_for(alice)
    codes = [push(client, "alice/d", lora_files((float(i), 0.0)), backbone).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert client.get("/api/deltas/alice/d").status_code == 200, "reading is never limited"


def test_a_login_is_locked_after_too_many_wrong_passwords(client, django_user_model, settings):
    # An account and address of this test's own: a lockout outlives the test in the login store.
    django_user_model.objects.create_user(username="locked-out", password="correct horse battery")
    address = {"REMOTE_ADDR": "10.66.6.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "locked-out", "password": "wrong"}, **address)
    locked = client.post("/login/", {"username": "locked-out", "password": "correct horse battery"}, **address)
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_signups_from_one_address_are_limited(client):
    codes = [
        client.post("/signup/", {"username": f"u{i}", "password1": "x", "password2": "y"}).status_code
        for i in range(12)
    ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture(autouse=True)
def _forget_counters():
    """Rate-limit counters live in Redis under this run's prefix; each test starts from none."""
    yield
    for key in ("token-failures:10.9.8.7", "token-failures:127.0.0.1"):
        cache.delete(key)


def test_plan_and_commit_do_not_trust_a_declared_json_size(alice, backbone):
    client = api_client_for(alice)
    files = lora_files()
    declared = declare(files)
    plan = client.post("/api/deltas/alice/d/upload", {"files": declared}, format="json").json()["files"]
    put_planned(plan, files)
    declared[0]["size"] += 1
    body = {"files": declared, "backbone": backbone.content_hash, "delta_type": "lora"}
    response = client.post("/api/deltas/alice/d/commit", json.loads(json.dumps(body)), format="json")
    assert response.status_code in (400, 409)
