"""The evaluator child: confined away from the network, stopped when it overruns, restarted for the next job."""

import os
import socket
import time
from types import SimpleNamespace

import pytest

from hub.evaluation import jobs
from hub.evaluation.models import ValidationJob
from tests.validation_helpers import push_lora
from workers.validation import pipeline
from workers.validation.errors import ValidationFailed
from workers.validation.evaluator import Evaluator, EvaluatorDied, evaluator
from workers.validation.run import FAILED, SCORED, run_job
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


class DyingEvaluator:
    def __init__(self, stage):
        self.stage = stage

    def request(self, message, on_event, deadline):
        on_event({"stage": self.stage})
        raise EvaluatorDied(-9)


@pytest.mark.django_db
@pytest.mark.parametrize("stage", ["attach", "evaluate:rotten-tomatoes-sentiment"])
def test_a_child_that_dies_running_the_delta_fails_the_job(monkeypatch, stage):
    monkeypatch.setattr(pipeline, "evaluator", lambda device: DyingEvaluator(stage))
    with pytest.raises(ValidationFailed) as caught:
        pipeline._evaluate_in_child(
            SimpleNamespace(version=None), "cpu", pipeline.Stages(0), {}, {}, 0, pipeline.Tally()
        )
    assert caught.value.code == "evaluation_crashed" and stage in caught.value.message


@pytest.mark.django_db
def test_a_child_that_dies_loading_the_backbone_is_an_infrastructure_error(monkeypatch):
    monkeypatch.setattr(pipeline, "evaluator", lambda device: DyingEvaluator("load_backbone"))
    with pytest.raises(EvaluatorDied):
        pipeline._evaluate_in_child(
            SimpleNamespace(version=None), "cpu", pipeline.Stages(0), {}, {}, 0, pipeline.Tally()
        )


@pytest.mark.django_db(transaction=True)
def test_a_job_over_the_time_limit_fails_and_the_next_job_passes(suite, backbone_hash, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue_to", lambda queue, job_pk: None)  # this process is the worker here
    push_lora("alice/slow", backbone_hash)
    slow = ValidationJob.objects.get(version__delta__name="slow")
    limit = pipeline.evaluation_timeout_seconds
    monkeypatch.setattr(pipeline, "evaluation_timeout_seconds", lambda: 0.05)  # too short to even start torch
    assert run_job(slow.pk, worker="test") == FAILED
    slow.refresh_from_db()
    assert (slow.status, slow.reason_code) == (ValidationJob.Status.FAILED, "evaluation_timeout"), slow.reason
    assert evaluator().pid is None

    monkeypatch.setattr(pipeline, "evaluation_timeout_seconds", limit)
    following = jobs.request_validation(slow.version)
    assert run_job(following.pk, worker="test") == SCORED
    following.refresh_from_db()
    assert following.results.count() == 1 and "load_backbone" in following.timings
    evaluator().stop()
