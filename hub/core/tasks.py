"""Send a task to the workers by name, so domain apps enqueue work without importing the workers."""

import logging

from django.conf import settings

log = logging.getLogger(__name__)


def send(task_name: str, *args) -> bool:
    """Queue `task_name(*args)` on the shared queue; False (logged) when the broker cannot take it."""
    from hub.celery import app

    try:
        app.send_task(task_name, args=list(args), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    except Exception:  # a broker outage must not fail the request; the hourly sweep sends it again
        log.exception("Could not send %s%r", task_name, args)
        return False
    return True
