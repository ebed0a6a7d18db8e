"""One attempt at a job: claim it, beat while working, and land it in the state its outcome calls for."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection

from hub.evaluation import jobs
from workers.validation.errors import BackboneUnavailable, ValidationFailed
from workers.validation.pipeline import Stages, validate

if TYPE_CHECKING:
    from hub.evaluation.models import ValidationJob

log = logging.getLogger(__name__)
SKIPPED, SCORED, FITS, FAILED, WAITING, ERROR = "skipped", "scored", "fits", "failed", "backbone_unavailable", "error"
TIME_LIMIT = "time_limit"


def device_name() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Heartbeat:
    """Beats in a thread of its own, so a long forward pass does not look like a dead worker."""

    def __init__(self, job_pk: int, interval: float) -> None:
        self.job_pk, self.interval = job_pk, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job_pk}")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                jobs.heartbeat(self.job_pk)
        except Exception:
            log.exception("Heartbeat of job %s stopped", self.job_pk)
        finally:
            connection.close()  # this thread's own connection


def run_job(job_pk: int, worker: str) -> str:
    device = device_name()
    job = jobs.start(job_pk, worker, device)  # the evaluator names the exact device once it runs
    if job is None:
        return SKIPPED
    stages = Stages(job.pk)
    with Heartbeat(job.pk, settings.DELTACENTER_VALIDATION_HEARTBEAT_SECONDS):
        return _attempt(job, device, stages)


def _attempt(job: ValidationJob, device: str, stages: Stages) -> str:
    try:
        verdict = validate(job, device, stages)
    except ValidationFailed as exc:
        jobs.mark_failed(job.pk, exc.code, exc.message, stages.timings, log=exc.detail)
        return FAILED
    except BackboneUnavailable as exc:
        jobs.mark_backbone_unavailable(job.pk, str(exc), stages.timings, exc.code)
        return WAITING
    except SoftTimeLimitExceeded:
        # Another attempt would overrun the same way: the job ends here instead of being retried.
        message = (
            f"The validation did not finish within the task's time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s)"
            f" and was stopped during {stages.current or 'start-up'}."
        )
        jobs.mark_failed(job.pk, TIME_LIMIT, message, stages.timings)
        return FAILED
    except Exception as exc:
        log.exception("Validation job %s hit an infrastructure error", job.pk)
        jobs.mark_error(job.pk, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", stages.timings)
        return ERROR
    if verdict.scored:
        jobs.mark_scored(job.pk, stages.timings)
        return SCORED
    jobs.mark_fits(job.pk, verdict.code, verdict.message, stages.timings)
    return FITS
