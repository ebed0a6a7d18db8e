"""The evaluator child: stopped when it dies or overruns, restarted for the next job."""

from types import SimpleNamespace

import pytest

from hub.evaluation import jobs
from hub.evaluation.models import ValidationJob
from tests.validation_helpers import push_lora
from workers.validation import pipeline
from workers.validation.errors import ValidationFailed
from workers.validation.evaluator import EvaluatorDied, evaluator
from workers.validation.run import FAILED, PASSED, run_job


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
        pipeline._evaluate_in_child(SimpleNamespace(version=None), "cpu", pipeline.Stages(0), {}, {}, 0)
    assert caught.value.code == "evaluation_crashed" and stage in caught.value.message


@pytest.mark.django_db
def test_a_child_that_dies_loading_the_backbone_is_an_infrastructure_error(monkeypatch):
    monkeypatch.setattr(pipeline, "evaluator", lambda device: DyingEvaluator("load_backbone"))
    with pytest.raises(EvaluatorDied):
        pipeline._evaluate_in_child(SimpleNamespace(version=None), "cpu", pipeline.Stages(0), {}, {}, 0)


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
    assert run_job(following.pk, worker="test") == PASSED
    following.refresh_from_db()
    assert following.results.count() == 1 and "load_backbone" in following.timings
    evaluator().stop()
