"""The evaluator child is confined: no network, no credentials."""

import os
import socket
import time

import pytest

from workers.validation import sandbox
from workers.validation.evaluator import Evaluator
from workers.validation.sandbox import BWRAP, MODES, forbid_sockets, forget_credentials


@pytest.fixture
def listener():
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def probe(target, host, port):
    events = []
    last = target.request({"kind": "probe_network", "host": host, "port": port}, events.append, time.monotonic() + 60)
    assert last == {"done": True}
    return events[0]


@pytest.mark.parametrize("bubblewrap", [True, False], ids=["strongest-available", "without-bubblewrap"])
def test_the_evaluator_cannot_connect_to_a_port_the_worker_reaches(listener, monkeypatch, bubblewrap):
    if not bubblewrap:
        monkeypatch.setattr(sandbox, "bubblewrap_works", lambda: False)
    port = listener.getsockname()[1]
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    child = Evaluator()
    try:
        answer = probe(child, "127.0.0.1", port)
    finally:
        child.stop()
    assert answer["reached"] is False, answer
    # bubblewrap's network namespace has a loopback of its own with nothing listening; a bare one has it down.
    assert any(word in answer["reason"] for word in ("refused", "unreachable", "network access")), answer


def test_without_a_namespace_the_guard_refuses_internet_sockets(monkeypatch, listener):
    monkeypatch.setattr(socket, "socket", socket.socket)  # restored after the test
    forbid_sockets()
    with pytest.raises(PermissionError):
        socket.create_connection(listener.getsockname(), timeout=2)
    left, right = socket.socketpair()
    left.close(), right.close()


def test_the_child_forgets_database_broker_and_bucket_credentials(monkeypatch):
    monkeypatch.setattr(os, "environ", dict(os.environ))  # restored after the test
    os.environ.update(DATABASE_URL="postgres://x", SECRET_KEY="x", S3_SECRET_ACCESS_KEY="s", S3_ACCESS_KEY_ID="k")
    os.environ["S3_BUCKET"] = "b"
    forget_credentials()
    assert not {"DATABASE_URL", "S3_SECRET_ACCESS_KEY", "S3_ACCESS_KEY_ID", "SECRET_KEY"} & set(os.environ)
    assert os.environ["S3_BUCKET"] == "b"


def test_a_worker_error_while_recording_an_event_restarts_the_child(listener):
    """The child goes on with a request whose recording failed: its next events must not pass for a later one's."""
    host, port = listener.getsockname()
    child = Evaluator()

    def failing(event):
        raise RuntimeError("the database went away")

    try:
        request = {"kind": "probe_network", "host": host, "port": port}
        with pytest.raises(RuntimeError):
            child.request(request, failing, time.monotonic() + 60)
        assert child.pid is None
        assert probe(child, host, port)["reached"] is False  # this request's own event, then its own "done"
    finally:
        child.stop()


def test_the_evaluator_runs_in_the_confinement_this_host_must_give(listener):
    """CI installs bubblewrap and sets DELTACENTER_EXPECTED_SANDBOX=bwrap: a weaker mode there is a failure."""
    expected = os.environ.get("DELTACENTER_EXPECTED_SANDBOX")
    child = Evaluator()
    try:
        probe(child, *listener.getsockname())
        mode = child.mode
    finally:
        child.stop()
    assert mode in MODES
    if expected:
        assert mode == expected, f"the evaluator ran confined by {mode!r}, not {expected!r}"


def test_the_evaluator_reads_the_workers_cache_and_nothing_else_of_the_worker(tmp_path, settings, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    settings.DELTACENTER_WORKER_CACHE = cache
    dataset = cache / "datasets" / "suite.csv"
    dataset.write_text("text,label\n")
    secret = tmp_path / "worker-secrets"
    secret.write_text("SECRET_KEY=x")
    secret.chmod(0o600)
    monkeypatch.setenv("DELTACENTER_PROBE_SECRET", "shh")
    worker_environment = f"/proc/{os.getpid()}/environ"
    child = Evaluator()
    try:
        events = []
        request = {"kind": "probe_read", "paths": [str(dataset), str(secret), worker_environment, "/proc/self/environ"]}
        assert child.request(request, events.append, time.monotonic() + 60) == {"done": True}
        readable = events[0]["readable"]
        with open(f"/proc/{child.pid}/environ", "rb") as handle:
            child_environment = handle.read()
    finally:
        child.stop()
    assert readable[str(dataset)] is True
    assert b"DELTACENTER_PROBE_SECRET" not in child_environment and b"DATABASE_URL" not in child_environment
    if child.mode == BWRAP:
        assert readable[str(secret)] is False
        assert readable[worker_environment] is False
