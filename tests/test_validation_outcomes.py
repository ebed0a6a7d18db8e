"""How validation outcomes land on the delta, and where jobs are sent, without a worker."""

import pytest

from hub.deltas.models import Backbone, Delta
from hub.evaluation import jobs
from hub.evaluation.models import ValidationJob
from tests.factories import make_delta, make_entry, make_suite, make_version

pytestmark = pytest.mark.django_db


def _finished(version, status):
    return ValidationJob.objects.create(version=version, status=status, stage="done")


def test_a_scored_delta_takes_the_score_of_the_suite_of_its_own_task(alice, backbone):
    delta = make_delta(alice.namespace, "lm-lora", backbone, task="language-modeling")
    version = make_version(delta)
    make_entry(version, make_suite("a-choice", metric="accuracy", task="sentiment"), 0.7, claimed=None)
    make_entry(version, make_suite("b-perplexity", metric="bits_per_byte", task="language-modeling"), 1.3, claimed=None)
    jobs.mark_scored(_finished(version, "running").pk)
    delta.refresh_from_db()
    assert (delta.validation_state, delta.verified_metric, delta.verified_score) == ("scored", "bits_per_byte", 1.3)
    assert delta.verified_rank == -1.3  # lower is better, so it sorts as the larger -1.3


def test_the_newest_validated_version_decides_the_state(alice, backbone):
    delta = make_delta(alice.namespace, "d", backbone, task="sentiment")
    first, second = make_version(delta, 1), make_version(delta, 2)
    make_entry(first, make_suite(), 0.8, claimed=None)
    jobs.mark_scored(_finished(first, "running").pk)
    assert Delta.objects.get(pk=delta.pk).validation_state == "scored"
    jobs.mark_fits(_finished(second, "running").pk, "no_task_head", "No head.")
    delta.refresh_from_db()
    assert (delta.validation_state, delta.verified_score, delta.verified_rank) == ("fits", None, None)
    ValidationJob.objects.create(version=second, status="queued")  # a revalidation under way shows as queued
    jobs.refresh_delta_validation(delta)
    assert Delta.objects.get(pk=delta.pk).validation_state == "queued"
    jobs.mark_failed(_finished(second, "running").pk, "delta_does_not_fit", "No.")
    assert Delta.objects.get(pk=delta.pk).validation_state == "failed"


def test_jobs_go_to_the_queue_of_the_smallest_memory_class_holding_their_backbone(settings):
    mib = 1024**2
    settings.DELTACENTER_VALIDATION_QUEUES = [("small", 100 * mib), ("large", 1000 * mib)]
    in_bf16 = Backbone(num_parameters=40 * mib, dtype="BF16")  # 80 MiB
    in_f32 = Backbone(num_parameters=40 * mib, dtype="F32")  # 160 MiB
    huge = Backbone(num_parameters=400 * mib, dtype="F32")  # 1600 MiB: larger than any class
    assert [jobs.queue_for(b) for b in (in_bf16, in_f32, huge)] == ["small", "large", "large"]
    settings.DELTACENTER_VALIDATION_QUEUES = []
    assert jobs.queue_for(huge) == settings.CELERY_TASK_DEFAULT_QUEUE
