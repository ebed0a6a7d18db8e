"""The evaluator child is confined: no network, no credentials."""

import os
import socket
import time

import pytest

from workers.validation.evaluator import Evaluator
from workers.validation.sandbox import forbid_sockets, forget_credentials


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


def test_the_evaluator_cannot_connect_to_a_port_the_worker_reaches(listener):
    port = listener.getsockname()[1]
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    child = Evaluator()
    try:
        answer = probe(child, "127.0.0.1", port)
    finally:
        child.stop()
    assert answer["reached"] is False, answer
    assert "unreachable" in answer["reason"] or "network access" in answer["reason"]


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
