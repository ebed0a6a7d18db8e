from celery import shared_task

# Finalizing reads and copies every staged byte once: allow for tens of gigabytes on slow storage.
FINALIZE_SOFT_TIME_LIMIT = 4 * 3600


@shared_task(name="workers.sweep_storage")
def sweep_storage():
    """The hourly storage sweep: unfinished uploads, and objects nothing references, after the grace window."""
    from hub.deltas.cleanup import sweep_storage as sweep

    return sweep()


@shared_task(
    name="workers.finalize_commit",
    bind=True,
    acks_late=True,
    max_retries=5,
    soft_time_limit=FINALIZE_SOFT_TIME_LIMIT,
    time_limit=FINALIZE_SOFT_TIME_LIMIT + 120,
)
def finalize_commit(self, finalization_pk):
    """Hash and move a commit's staged uploads, then create its version; infrastructure faults are retried."""
    from celery.exceptions import SoftTimeLimitExceeded

    from hub.core.errors import Conflict
    from hub.deltas.finalize import mark_failed
    from hub.deltas.finalizer import run
    from hub.deltas.models import Finalization

    try:
        return run(finalization_pk)
    except SoftTimeLimitExceeded:
        finalization = Finalization.objects.get(pk=finalization_pk)
        mark_failed(finalization, Conflict("time_limit", "Finalizing this commit took too long; push again."))
        return "failed"
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            finalization = Finalization.objects.get(pk=finalization_pk)
            unavailable = "The file store was unavailable while this commit was finalized; push again."
            mark_failed(finalization, Conflict("storage_unavailable", unavailable))
            raise
        raise self.retry(countdown=10 * 2**self.request.retries) from exc
