"""The evaluator child: stopped when it dies or overruns, restarted for the next job."""

import os
import signal
import threading
import time
from types import SimpleNamespace

import pytest
from billiard.pool import SIG_SOFT_TIMEOUT, soft_timeout_sighandler

from hub.evaluation import jobs
from hub.evaluation.models import ValidationJob
from tests.validation_helpers import push_lora
from workers.validation import evaluator as evaluator_module
from workers.validation import pipeline
from workers.validation.errors import ValidationFailed
from workers.validation.evaluator import EvaluatorDied, evaluator
from workers.validation.run import FAILED, SCORED, TIME_LIMIT, run_job


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
def test_a_job_over_the_time_limit_fails_and_the_next_job_passes(suite, backbone_hash, monkeypatch, settings):
    monkeypatch.setattr(jobs, "enqueue_to", lambda queue, job_pk: None)  # this process is the worker here
    push_lora("alice/slow", backbone_hash)
    slow = ValidationJob.objects.get(version__delta__name="slow")
    limit = settings.DELTACENTER_EVAL_TIMEOUT_SECONDS
    settings.DELTACENTER_EVAL_TIMEOUT_SECONDS = 0.05  # too short to even start torch
    assert run_job(slow.pk, worker="test") == FAILED
    slow.refresh_from_db()
    assert (slow.status, slow.reason_code) == (ValidationJob.Status.FAILED, "evaluation_timeout"), slow.reason
    assert evaluator().pid is None

    settings.DELTACENTER_EVAL_TIMEOUT_SECONDS = limit
    following = jobs.request_validation(slow.version)
    assert run_job(following.pk, worker="test") == SCORED
    following.refresh_from_db()
    assert following.results.count() == 1 and "load_backbone" in following.timings
    evaluator().stop()


def _soft_time_limit_once_the_evaluator_runs(timeout=60):
    """Send this process Celery's soft-time-limit signal as soon as the evaluator child has started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child = evaluator_module._evaluator
        if child is not None and child.pid is not None:
            os.kill(os.getpid(), SIG_SOFT_TIMEOUT)
            return
        time.sleep(0.01)


@pytest.mark.django_db(transaction=True)
def test_the_soft_time_limit_fails_the_job_for_good_and_stops_the_evaluator(suite, backbone_hash, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue_to", lambda queue, job_pk: None)  # this process is the worker here
    push_lora("alice/overrun", backbone_hash)
    job = ValidationJob.objects.get(version__delta__name="overrun")
    evaluator().stop()
    # A Celery pool process raises SoftTimeLimitExceeded from this handler when the soft limit passes.
    previous = signal.signal(SIG_SOFT_TIMEOUT, soft_timeout_sighandler)
    timer = threading.Thread(target=_soft_time_limit_once_the_evaluator_runs, daemon=True)
    timer.start()
    try:
        outcome = run_job(job.pk, worker="test")
    finally:
        timer.join()
        signal.signal(SIG_SOFT_TIMEOUT, previous)

    job.refresh_from_db()
    assert outcome == FAILED, job.reason
    assert (job.status, job.reason_code) == (ValidationJob.Status.FAILED, TIME_LIMIT)
    assert "time limit" in job.reason
    assert evaluator().pid is None  # its unread events must not reach the next request

    following = jobs.request_validation(job.version)
    assert run_job(following.pk, worker="test") == SCORED
    evaluator().stop()
