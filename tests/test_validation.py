"""Validation end to end: pushes through the real client, a real Celery worker, real S3 and Postgres."""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import torch
from django.utils import timezone

from deltacenter import push_to_hub
from hub.core import objectstore
from hub.deltas.models import Delta, DeltaVersion, object_key
from hub.evaluation import jobs
from hub.evaluation.catalogue import REGISTRY, draw_split
from hub.evaluation.models import EvalResult, LeaderboardEntry, ValidationJob
from hub.evaluation.suites import install
from tests.models import tiny_bert, tiny_bitfit_tuned, tiny_lora
from tests.validation_helpers import SUITE_SIZE, push_lora, wait_for_job
from workers.tasks import reap_stale_validations

pytestmark = pytest.mark.django_db(transaction=True)
Status = ValidationJob.Status


def test_load_suites_stores_each_test_split_by_its_digest():
    import hashlib

    from django.core.management import call_command

    from hub.evaluation.catalogue import dataset_bytes, draw_split
    from hub.evaluation.models import EvalSuite

    call_command("load_suites", size=10)
    suites = {s.name: s for s in EvalSuite.objects.all()}
    assert set(suites) == set(REGISTRY)
    for suite in suites.values():
        stored = b"".join(objectstore.iter_object(object_key(suite.dataset_sha256)))
        assert hashlib.sha256(stored).hexdigest() == suite.dataset_sha256 == suite.dataset.sha256
        assert suite.split == {"seed": REGISTRY[suite.name].seed, "size": 10} and suite.is_active
        assert suite.families and suite.kind == REGISTRY[suite.name].kind
    rows = draw_split(REGISTRY["rotten-tomatoes-sentiment"], 10)
    assert hashlib.sha256(dataset_bytes(rows)).hexdigest() == suites["rotten-tomatoes-sentiment"].dataset_sha256
    assert sorted(label for _, label in rows) == [0] * 5 + [1] * 5
    topics = draw_split(REGISTRY["bbc-news-topics"], 10)
    assert sorted(label for _, label in topics) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert suites["bbc-news-topics"].label_names == ["business", "entertainment", "politics", "sports", "tech"]


def test_a_good_lora_passes_with_metrics(celery_worker, suite, backbone_hash):
    push_lora("alice/good-lora", backbone_hash, metrics={"accuracy": 0.99})
    job = wait_for_job("alice/good-lora")
    assert job.status == Status.SCORED, job.reason
    result = EvalResult.objects.get(version=job.version, suite=suite)
    assert result.num_examples == SUITE_SIZE and 0 <= result.score <= 1
    assert set(result.metrics) == {"accuracy", "macro_f1", "matthews"}
    assert result.software["torch"] == torch.__version__ and result.device == "cpu"
    assert result.claimed_score == 0.99 and result.differs_from_claim
    # The majority class of the suite's examples (a balanced split: half), computed from the suite's own data;
    # the backbone alone has no trained head, so it is no baseline for a classifier.
    labels = [label for _, label in draw_split(REGISTRY["rotten-tomatoes-sentiment"], SUITE_SIZE)]
    assert result.trivial_score == max(labels.count(0), labels.count(1)) / SUITE_SIZE == 0.5
    assert result.backbone_score is None and result.baseline_score == 0.5
    assert result.margin == pytest.approx(result.score - 0.5)
    assert LeaderboardEntry.objects.get(result=result).status == LeaderboardEntry.Review.PENDING
    delta = Delta.objects.get(name="good-lora")
    assert (delta.validation_state, delta.verified_score, delta.verified_metric) == ("scored", result.score, "accuracy")
    assert delta.verified_margin == result.margin
    assert DeltaVersion.objects.get(pk=job.version.pk).trainable_parameters > 0
    assert {"fetch", "static_checks", "load_backbone"} <= set(job.timings)
    assert job.stage == "done"


def test_a_job_goes_to_the_worker_that_holds_its_backbone_warm(celery_worker, suite, backbone_hash):
    from django.conf import settings

    from hub.celery import app
    from hub.evaluation.jobs import warm_worker_for

    push_lora("alice/warm-first", backbone_hash)
    assert wait_for_job("alice/warm-first").worker == celery_worker
    shared = settings.CELERY_TASK_DEFAULT_QUEUE
    # With the shared queue switched off, only the worker's own queue can deliver the next job.
    app.control.cancel_consumer(shared, destination=[celery_worker], reply=True)
    try:
        push_lora("alice/warm-second", backbone_hash)
        second = wait_for_job("alice/warm-second")
        assert second.status == Status.SCORED and second.worker == celery_worker
        assert warm_worker_for(second.pk) == celery_worker
    finally:
        app.control.add_consumer(shared, destination=[celery_worker], reply=True)


def test_a_topic_delta_is_scored_on_the_five_class_news_suite(celery_worker, backbone_hash):
    news = install(REGISTRY["bbc-news-topics"], size=SUITE_SIZE)[0]
    push_lora(
        "alice/news-topics", backbone_hash, model=tiny_lora(tiny_bert_with(num_labels=5)), task="topic-classification"
    )
    job = wait_for_job("alice/news-topics")
    assert job.status == Status.SCORED, job.reason
    result = EvalResult.objects.get(version=job.version, suite=news)
    assert result.num_examples == SUITE_SIZE and result.score == result.metrics["macro_f1"]


def test_the_same_delta_scores_the_same_twice(celery_worker, suite, backbone_hash):
    push_lora("alice/first", backbone_hash)
    push_lora("alice/second", backbone_hash)
    first, second = wait_for_job("alice/first"), wait_for_job("alice/second")
    scores = [EvalResult.objects.get(version=j.version).metrics for j in (first, second)]
    assert scores[0] == scores[1]


def test_a_bitfit_delta_with_its_head_is_scored(celery_worker, suite, backbone_hash, tmp_path):
    from deltacenter.formats import bias_names, save_bitfit

    tuned = tiny_bitfit_tuned()
    directory = save_bitfit(tuned, tmp_path / "bitfit")
    assert (directory / "head.safetensors").is_file()
    push_to_hub(directory, "alice/bitfit", backbone=backbone_hash, task="sentiment")
    job = wait_for_job("alice/bitfit")
    assert job.status == Status.SCORED, job.reason
    assert EvalResult.objects.filter(version=job.version, suite=suite).exists()
    biases = sum(p.numel() for n, p in tuned.bert.named_parameters() if n in bias_names(tuned))
    head = sum(p.numel() for p in tuned.classifier.parameters())
    assert DeltaVersion.objects.get(pk=job.version.pk).trainable_parameters == biases + head


def test_a_classifier_delta_without_its_head_fits_but_is_not_scored(celery_worker, suite, backbone_hash, tmp_path):
    from deltacenter.formats import save_bitfit

    directory = save_bitfit(tiny_bitfit_tuned(), tmp_path / "bitfit")
    (directory / "head.safetensors").unlink()  # as BitFit deltas were saved before heads travelled with them
    push_to_hub(directory, "alice/headless", backbone=backbone_hash, task="sentiment")
    job = wait_for_job("alice/headless")
    assert (job.status, job.reason_code) == (Status.FITS, "no_task_head"), job.reason
    assert "classifier" in job.reason and not job.results.exists()
    assert Delta.objects.get(name="headless").validation_state == "fits"


def test_a_delta_with_no_suite_for_its_task_fits_and_says_so(celery_worker, backbone_hash):
    push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/no-suite", backbone=backbone_hash, task="translation")
    job = wait_for_job("alice/no-suite")
    assert (job.status, job.reason_code) == (Status.FITS, "no_suite") and not job.results.exists()
    assert "sequence-classification" in job.reason and "translation" in job.reason
    delta = Delta.objects.get(name="no-suite")
    assert (delta.validation_state, delta.verified_score) == ("fits", None)


def test_a_delta_for_another_architecture_does_not_fit(celery_worker, suite, backbone_hash):
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2Model

    gpt2 = GPT2Model(GPT2Config(vocab_size=99, n_embd=32, n_layer=2, n_head=2, n_positions=64))
    lora = get_peft_model(gpt2, LoraConfig(r=2, target_modules=["c_attn"], task_type="SEQ_CLS"))
    push_lora("alice/gpt2-lora", backbone_hash, model=lora)
    job = wait_for_job("alice/gpt2-lora")
    assert (job.status, job.reason_code) == (Status.FAILED, "delta_does_not_fit")


def test_a_delta_with_wrong_shapes_is_refused(celery_worker, suite, backbone_hash):
    wider = tiny_lora(tiny_bert_with(hidden_size=48, num_attention_heads=2))
    push_lora("alice/wide-lora", backbone_hash, model=wider)
    job = wait_for_job("alice/wide-lora")
    assert (job.status, job.reason_code) == (Status.FAILED, "shape_mismatch")
    assert "lora" in job.reason


def test_a_nan_tensor_is_refused_before_anything_runs(celery_worker, suite, backbone_hash):
    model = tiny_lora(tiny_bert(seed=0))
    with torch.no_grad():
        next(p for n, p in model.named_parameters() if "lora_B" in n)[0, 0] = float("nan")
    push_lora("alice/nan-lora", backbone_hash, model=model)
    job = wait_for_job("alice/nan-lora")
    assert (job.status, job.reason_code) == (Status.FAILED, "non_finite_weights")
    assert "load_backbone" not in job.timings


def test_bytes_altered_in_the_bucket_are_caught(celery_worker, suite, backbone_hash):
    push_lora("alice/altered", backbone_hash)
    version = wait_for_job("alice/altered").version
    stored = version.files.get(path="adapter_model.safetensors").object
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=object_key(stored.sha256), Body=b"x" * stored.size)
    jobs.request_validation(version)
    job = wait_for_job("alice/altered", states=(Status.FAILED,))
    assert job.reason_code == "checksum_mismatch"


def test_an_object_missing_from_the_bucket_is_an_infrastructure_error(celery_worker, suite, backbone_hash):
    push_lora("alice/lost", backbone_hash)
    version = wait_for_job("alice/lost").version
    objectstore.delete_object(object_key(version.files.get(path="adapter_config.json").object.sha256))
    jobs.request_validation(version)
    job = wait_for_job("alice/lost", states=(Status.ERROR,))
    assert job.reason_code == "infrastructure_error" and "NoSuchKey" in job.log
    assert "NoSuchKey" not in job.reason  # what failed on the hub's side is for its staff, not the public page


def test_backbone_weights_that_do_not_match_the_hash_are_refused(celery_worker, suite, hub_env):
    from deltacenter.hub import DeltaCenter
    from deltacenter.push import ensure_backbone

    claimed, impostor = tiny_bert(seed=secrets.randbelow(10**6) + 100), tiny_bert(seed=5)
    # tiny_lora adapts `claimed` in place; it is not used again.
    content_hash = ensure_backbone(DeltaCenter(), model=claimed, name="claimed")
    _push_backbone_files(content_hash, impostor)
    push_lora("alice/on-impostor", content_hash, model=tiny_lora(claimed))
    job = wait_for_job("alice/on-impostor")
    assert (job.status, job.reason_code) == (Status.FAILED, "backbone_hash_mismatch")
    from django.conf import settings

    cached = settings.DELTACENTER_WORKER_CACHE / "backbones" / content_hash
    assert not cached.exists()  # the impostor's files are forgotten


def test_a_job_waits_for_the_backbone_and_resumes_when_its_weights_arrive(celery_worker, suite, hub_env):
    from deltacenter.hub import DeltaCenter
    from deltacenter.push import ensure_backbone

    seed = secrets.randbelow(10**6) + 100
    backbone = tiny_bert(seed=seed)
    content_hash = ensure_backbone(DeltaCenter(), model=backbone, name="late")
    push_lora("alice/early", content_hash, model=tiny_lora(tiny_bert(seed=seed)))
    assert wait_for_job("alice/early").status == Status.BACKBONE_UNAVAILABLE
    _push_backbone_files(content_hash, backbone)
    job = wait_for_job("alice/early", states=(Status.SCORED, Status.FAILED))
    assert job.status == Status.SCORED, job.reason


def test_a_stale_running_job_is_requeued_and_finishes(celery_worker, suite, backbone_hash):
    push_lora("alice/stalled", backbone_hash)
    job = wait_for_job("alice/stalled")
    ValidationJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert reap_stale_validations.delay().get(timeout=30) == {"requeued": [job.pk], "resent": []}
    finished = wait_for_job("alice/stalled", states=(Status.SCORED,))
    assert finished.attempts == 2


def test_revalidate_queues_the_newest_version_again(celery_worker, suite, backbone_hash):
    from django.core.management import call_command

    push_lora("alice/again", backbone_hash)
    first = wait_for_job("alice/again")
    call_command("revalidate", "alice/again")
    second = wait_for_job("alice/again", states=(Status.SCORED,))
    assert second.pk != first.pk and second.version_id == first.version_id


def test_a_job_queued_for_too_long_is_sent_again(celery_worker, suite, backbone_hash):
    push_lora("alice/lost-message", backbone_hash)
    version = wait_for_job("alice/lost-message").version
    job = ValidationJob.objects.create(version=version, queued_at=timezone.now() - timedelta(hours=2))
    assert jobs.resend_long_queued_jobs() == [job.pk]
    assert wait_for_job("alice/lost-message", states=(Status.SCORED,)).pk == job.pk


def test_a_job_left_in_error_after_its_retries_is_queued_again_and_finishes(celery_worker, suite, backbone_hash):
    push_lora("alice/gave-up", backbone_hash)
    job = wait_for_job("alice/gave-up", states=(Status.SCORED,))
    ValidationJob.objects.filter(pk=job.pk).update(status=Status.ERROR, finished_at=timezone.now() - timedelta(hours=2))
    jobs.refresh_for_jobs([job.pk])
    assert Delta.objects.get(name="gave-up").validation_state == Delta.Validation.QUEUED
    assert jobs.resend_long_queued_jobs() == [job.pk]
    assert wait_for_job("alice/gave-up", states=(Status.SCORED,)).attempts == 2
    assert Delta.objects.get(name="gave-up").validation_state == Delta.Validation.SCORED


def test_a_job_whose_worker_is_killed_finishes_after_the_reaper_requeues_it(
    celery_worker, suite, backbone_hash, settings, tmp_path
):
    push_lora("alice/orphan", backbone_hash)
    version = wait_for_job("alice/orphan").version
    job = ValidationJob.objects.create(version=version)
    with doomed_worker(tmp_path) as (queue, process):
        jobs.enqueue_to(queue, job.pk)
        _wait_until(lambda: ValidationJob.objects.get(pk=job.pk).status == Status.RUNNING, timeout=60)
        os.killpg(process.pid, signal.SIGKILL)  # mid-job: torch is still being imported by the first job
    settings.DELTACENTER_VALIDATION_STALE_SECONDS = 1
    time.sleep(1.5)
    assert jobs.reap_stale_jobs() == [job.pk]
    finished = wait_for_job("alice/orphan", states=(Status.SCORED, Status.FAILED))
    assert (finished.pk, finished.status, finished.attempts) == (job.pk, Status.SCORED, 2)


@contextmanager
def doomed_worker(tmp_path):
    """A worker of its own, on a queue of its own, that the test may kill."""
    from hub.celery import app
    from tests.conftest import _test_database_url

    queue, hostname = f"doomed-{secrets.token_hex(3)}", f"doomed-{secrets.token_hex(3)}@localhost"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "worker",
        "--pool",
        "solo",
        "--hostname",
        hostname,
        "--queues",
        queue,
        "--without-mingle",
        "--without-gossip",
    ]
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    with open(tmp_path / "doomed.log", "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5), timeout=90)
        yield queue, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def tiny_bert_with(**overrides):
    from transformers import BertConfig, BertForSequenceClassification

    from tests.models import TINY_BERT

    torch.manual_seed(0)
    return BertForSequenceClassification(BertConfig(**{**TINY_BERT, **overrides})).eval()


def _push_backbone_files(content_hash, model):
    from deltacenter.backbone_hash import backbone_module
    from deltacenter.files import describe_files
    from deltacenter.hub import DeltaCenter

    with tempfile.TemporaryDirectory() as tmp:
        backbone_module(model).save_pretrained(tmp, safe_serialization=True)
        DeltaCenter().push_backbone_files(content_hash, describe_files(tmp))
