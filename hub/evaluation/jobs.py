"""Validation jobs: created when a version is committed, moved through their states by the worker task."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deltacenter.safetensors_header import ITEM_SIZES
from hub.core.errors import NotFound
from hub.deltas.models import Backbone, Delta, DeltaVersion
from hub.evaluation import metrics
from hub.evaluation.models import EvalResult, ValidationJob

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


log = logging.getLogger(__name__)
Status = ValidationJob.Status
VALIDATE_TASK = "workers.validate_version"


def heartbeat_stale_after() -> timedelta:
    return timedelta(seconds=settings.DELTACENTER_VALIDATION_STALE_SECONDS)


def on_version_committed(sender: type, version: DeltaVersion, **kwargs: object) -> None:
    request_validation(version)


def on_backbone_weights_attached(sender: type, backbone: Backbone, **kwargs: object) -> None:
    requeue_waiting_for_backbone(backbone.pk)


def on_delta_backbone_bound(sender: type, delta: Delta, **kwargs: object) -> None:
    _requeue(ValidationJob.objects.filter(status=Status.BACKBONE_UNAVAILABLE, version__delta=delta))


def get_visible_job(user: User | AnonymousUser, job_id: int) -> ValidationJob:
    """A validation job, visible exactly when its delta is."""
    visible = Delta.objects.visible_to(user).values("pk")
    job = ValidationJob.objects.select_related("version").filter(pk=job_id, version__delta__in=visible).first()
    if job is None:
        raise NotFound("job_not_found", f"No validation job {job_id}, or you are not allowed to see it.")
    return job


UNRESOLVED_REASON = (
    "No registered backbone is known for this delta: its files name none that the hub holds, or a name several"
    " backbones share. Validation starts once its owner binds it to a backbone."
)


def request_validation(version: DeltaVersion) -> ValidationJob:
    """Queue a validation of `version`; the task is sent only once the surrounding transaction commits.

    A delta without a backbone cannot be validated yet: its job waits, like one whose backbone has no weights."""
    if version.delta.backbone_id is None:
        return ValidationJob.objects.create(
            version=version, status=Status.BACKBONE_UNAVAILABLE, reason_code="backbone_unresolved",
            reason=UNRESOLVED_REASON,
        )  # fmt: skip
    job = ValidationJob.objects.create(version=version)
    refresh_delta_validation(version.delta)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_pk: int) -> None:
    """Send the job to a worker that recently validated on the same backbone (it likely holds it warm),
    else to the shared queue of the backbone's memory class."""
    worker = warm_worker_for(job_pk)
    if worker:
        # Each worker consumes its own direct queue (CELERY_WORKER_DIRECT). Were it to die meanwhile, the
        # job stays queued and resend_long_queued_jobs hands it to the shared queue.
        _send(job_pk, exchange="C.dq2", routing_key=worker)
    else:
        enqueue_shared(job_pk)


def enqueue_shared(job_pk: int) -> None:
    backbone = Backbone.objects.filter(deltas__versions__validation_jobs=job_pk).first()
    enqueue_to(queue_for(backbone), job_pk)


def backbone_bytes(backbone: Backbone) -> int:
    """The size of the backbone's weights, from its parameter count and main dtype (4 bytes when unknown)."""
    return backbone.num_parameters * ITEM_SIZES.get(backbone.dtype, 4)


def queue_for(backbone: Backbone | None) -> str:
    """The shared queue of the smallest memory class whose workers hold the backbone, or the largest one.

    Without memory classes configured, every job goes to the default queue. A worker that cannot hold a
    backbone refuses it with a reason; it never dies trying.
    """
    classes = settings.DELTACENTER_VALIDATION_QUEUES
    if not classes or backbone is None:
        return settings.CELERY_TASK_DEFAULT_QUEUE
    size = backbone_bytes(backbone)
    return next((queue for queue, capacity in classes if size <= capacity), classes[-1][0])


def warm_worker_for(job_pk: int) -> str | None:
    """The worker that most recently finished a job on this job's backbone, within the warm window."""
    backbone_id = ValidationJob.objects.filter(pk=job_pk).values_list("version__delta__backbone_id", flat=True).first()
    since = timezone.now() - timedelta(seconds=settings.DELTACENTER_WARM_ROUTING_SECONDS)
    recent = ValidationJob.objects.filter(
        version__delta__backbone_id=backbone_id, status__in=ValidationJob.FINAL_STATES, finished_at__gte=since
    ).exclude(worker="")
    return recent.order_by("-finished_at").values_list("worker", flat=True).first()


def enqueue_to(queue: str, job_pk: int) -> None:
    _send(job_pk, queue=queue)


def _send(job_pk: int, **route: str) -> None:
    from hub.celery import app

    try:
        app.send_task(VALIDATE_TASK, args=[job_pk], **route)
    except Exception:  # a broker outage must not fail the push
        log.exception("Could not enqueue validation job %s; the reaper sends it again later", job_pk)


def requeue_waiting_for_backbone(backbone_pk: int) -> list[int]:
    """The backbone's weights arrived: run again every job that stopped for want of them."""
    return _requeue(
        ValidationJob.objects.filter(status=Status.BACKBONE_UNAVAILABLE, version__delta__backbone_id=backbone_pk)
    )


def _requeue(waiting: QuerySet[ValidationJob]) -> list[int]:
    pks = list(waiting.values_list("pk", flat=True))
    ValidationJob.objects.filter(pk__in=pks).update(
        status=Status.QUEUED, reason_code="", reason="", queued_at=timezone.now()
    )
    refresh_for_jobs(pks)
    for pk in pks:
        transaction.on_commit(lambda pk=pk: enqueue(pk))
    return pks


def reap_stale_jobs() -> list[int]:
    """Re-queue running jobs whose worker stopped sending heartbeats (killed, out of memory, host lost)."""
    cutoff = timezone.now() - heartbeat_stale_after()
    stale = ValidationJob.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff)
    pks = list(stale.values_list("pk", flat=True))
    # Compare-and-set on the status, so a worker that resumes beating in between keeps its job.
    requeued = [pk for pk in pks if _requeue_if_stale(pk, cutoff)]
    refresh_for_jobs(requeued)
    for pk in requeued:  # the shared queue: their worker may be the one that died
        transaction.on_commit(lambda pk=pk: enqueue_shared(pk))
    return requeued


def resend_long_queued_jobs() -> list[int]:
    """Send again the jobs queued for very long: their message may have been lost (broker down at commit). Queue
    again the jobs left in error that long: their worker's retries ran out, and an infrastructure error is tried
    until it clears, so no job is left waiting for good.

    A duplicate message is harmless: the task skips a job that is finished or running with a live heartbeat.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.DELTACENTER_VALIDATION_RESEND_SECONDS)
    waiting = ValidationJob.objects.filter(
        Q(status=Status.QUEUED, queued_at__lt=cutoff) | Q(status=Status.ERROR, finished_at__lt=cutoff)
    )
    pks = list(waiting.values_list("pk", flat=True))
    # The condition again: a job a worker claimed in between is left running.
    waiting.filter(pk__in=pks).update(status=Status.QUEUED, queued_at=timezone.now())
    for pk in pks:  # the shared queue: the worker it was routed to may be gone
        transaction.on_commit(lambda pk=pk: enqueue_shared(pk))
    return pks


def _requeue_if_stale(pk: int, cutoff: datetime) -> int:
    return ValidationJob.objects.filter(pk=pk, status=Status.RUNNING, heartbeat_at__lt=cutoff).update(
        status=Status.QUEUED,
        stage="",
        queued_at=timezone.now(),
        log=f"Re-queued: no heartbeat since {cutoff:%H:%M:%S}.",
    )


# State transitions used by the worker task.


@transaction.atomic
def start(job_pk: int, worker: str, device: str = "") -> ValidationJob | None:
    """Claim the job; None when it is gone, finished, or running with a live heartbeat elsewhere."""
    claimable = ValidationJob.objects.select_related("version__delta__backbone").select_for_update(of=("self",))
    job = claimable.filter(pk=job_pk).first()
    if job is None or job.status in ValidationJob.FINAL_STATES:
        return None
    if (
        job.status == Status.RUNNING
        and job.heartbeat_at
        and job.heartbeat_at > timezone.now() - heartbeat_stale_after()
    ):
        return None
    now = timezone.now()
    job.status, job.stage, job.reason_code, job.reason = Status.RUNNING, "starting", "", ""
    job.worker, job.device, job.attempts = worker, device, job.attempts + 1
    job.started_at = job.heartbeat_at = now
    job.finished_at = None
    job.save()
    refresh_delta_validation(job.version.delta)
    return job


def heartbeat(job_pk: int) -> int:
    return ValidationJob.objects.filter(pk=job_pk, status=Status.RUNNING).update(heartbeat_at=timezone.now())


def record_device(job_pk: int, device: str) -> None:
    ValidationJob.objects.filter(pk=job_pk).update(device=device)


def set_stage(job_pk: int, stage: str) -> None:
    ValidationJob.objects.filter(pk=job_pk, status=Status.RUNNING).update(stage=stage, heartbeat_at=timezone.now())


INFRASTRUCTURE_REASON = "An error on the hub's side stopped this validation; it is tried again automatically."


@transaction.atomic
def _finish(
    job_pk: int,
    status: str,
    timings: dict[str, float] | None,
    reason_code: str = "",
    reason: str = "",
    **fields: str,
) -> None:
    ValidationJob.objects.filter(pk=job_pk).update(
        status=status,
        reason_code=reason_code,
        reason=reason,
        timings=timings or {},
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        **fields,
    )
    refresh_for_jobs([job_pk])


def mark_scored(job_pk: int, timings: dict[str, float] | None = None) -> None:
    # A failed job keeps the stage it stopped at; a finished one went through them all.
    _finish(job_pk, Status.SCORED, timings, stage="done")


def mark_fits(job_pk: int, reason_code: str, reason: str, timings: dict[str, float] | None = None) -> None:
    """Attached fine, but nothing measured it: no suite for its family and task, or no head of its own."""
    _finish(job_pk, Status.FITS, timings, reason_code, reason, stage="done")


def mark_failed(
    job_pk: int, reason_code: str, reason: str, timings: dict[str, float] | None = None, log: str = ""
) -> None:
    _finish(job_pk, Status.FAILED, timings, reason_code, reason, log=log)


def mark_error(job_pk: int, log: str, timings: dict[str, float] | None = None) -> None:
    """An infrastructure error: the public reason is fixed, what happened goes to the staff-only log."""
    _finish(job_pk, Status.ERROR, timings, "infrastructure_error", INFRASTRUCTURE_REASON, log=log)


def mark_backbone_unavailable(
    job_pk: int, reason: str, timings: dict[str, float] | None = None, reason_code: str = "backbone_unavailable"
) -> None:
    _finish(job_pk, Status.BACKBONE_UNAVAILABLE, timings, reason_code, reason)


# What a delta shows while its newest version's job is in each unfinished status; the others show the outcome
# of the newest version validated. An infrastructure error is tried again (by the worker, then by
# resend_long_queued_jobs), so it is as good as queued; a job waiting for its backbone's weights leaves the last
# outcome standing (the job's own reason says what it waits for).
UNDER_WAY = {
    Status.QUEUED: Delta.Validation.QUEUED,
    Status.ERROR: Delta.Validation.QUEUED,
    Status.RUNNING: Delta.Validation.RUNNING,
}


def refresh_delta_validation(delta: Delta) -> int:
    """Denormalise onto the delta its validation state (hub.deltas.models.Delta.validation_state), and the score
    and baseline margin of the main suite of its newest validated version, when that was scored."""
    delta_jobs = ValidationJob.objects.filter(version__delta=delta)
    newest = ValidationJob.objects.newest_first_for_delta(delta).only("status").first()
    finished = delta_jobs.filter(status__in=ValidationJob.FINAL_STATES)
    job = finished.order_by("-version__number", "-finished_at", "-pk").first()
    state = job.status if job is not None else Delta.Validation.UNVALIDATED
    if newest is not None and newest.status in UNDER_WAY:
        state = UNDER_WAY[newest.status]
    result = main_result(job.version_id, delta.task) if job is not None and job.status == Status.SCORED else None
    return Delta.objects.filter(pk=delta.pk).update(
        validation_state=state,
        verified_score=result.score if result else None,
        verified_metric=result.suite.metric if result else "",
        verified_rank=metrics.oriented(result.suite.metric, result.score) if result else None,
        verified_margin=result.margin if result else None,
    )


def refresh_for_jobs(job_pks: Iterable[int]) -> None:
    """Refresh the deltas of these jobs (one each), after their status changed."""
    versions = DeltaVersion.objects.filter(validation_jobs__in=job_pks).values("delta_id")
    for delta in Delta.objects.filter(pk__in=versions).only("pk", "task"):
        refresh_delta_validation(delta)


def main_result(version_id: int, task: str) -> EvalResult | None:
    """The result that stands for the version: on a suite of its own declared task first, then by suite name."""
    results = EvalResult.objects.filter(version_id=version_id).select_related("suite")
    return min(results, key=lambda r: (r.suite.task != task, r.suite.name, r.suite.version), default=None)
