import socket

from celery import shared_task
from django.db import connection

# Infrastructure errors are retried after 30 s, 60 s, 120 s... up to this many times.
VALIDATION_MAX_RETRIES = 5
VALIDATION_RETRY_BASE_SECONDS = 30


@shared_task(name="workers.ping")
def ping():
    """Prove a worker is alive and reaches the database: answers its host and the number of backbones."""
    from hub.deltas.models import Backbone

    connection.ensure_connection()
    return {"worker": socket.gethostname(), "backbones": Backbone.objects.count()}


@shared_task(name="workers.validate_version", bind=True, acks_late=True, max_retries=VALIDATION_MAX_RETRIES)
def validate_version(self, job_id):
    """Validate the delta version of job `job_id`; a job already finished, gone or running elsewhere is skipped."""
    from workers.validation.run import ERROR, run_job

    outcome = run_job(job_id, worker=self.request.hostname or socket.gethostname())
    if outcome == ERROR:
        raise self.retry(countdown=VALIDATION_RETRY_BASE_SECONDS * 2**self.request.retries)
    return outcome


@shared_task(name="workers.reap_stale_validations")
def reap_stale_validations():
    """Re-queue running validations whose worker stopped sending heartbeats, and resend long-queued ones."""
    from hub.evaluation.jobs import reap_stale_jobs, resend_long_queued_jobs

    return {"requeued": reap_stale_jobs(), "resent": resend_long_queued_jobs()}
