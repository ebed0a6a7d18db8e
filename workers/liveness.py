"""Each worker process beats in a thread of its own, so health sees it alive without asking the broker."""

import logging
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)
_stop = threading.Event()


def _beat_forever(hostname):
    from hub.evaluation.workers import beat

    try:
        while True:
            try:
                beat(hostname)
            except Exception:
                log.exception("Worker heartbeat failed; trying again")
                connection.close()
            if _stop.wait(settings.DELTACENTER_WORKER_BEAT_SECONDS):
                return
    finally:
        connection.close()


@worker_ready.connect
def start_beating(sender, **kwargs):
    _stop.clear()
    threading.Thread(target=_beat_forever, args=(sender.hostname,), daemon=True, name="worker-beat").start()


@worker_shutdown.connect
def stop_beating(sender, **kwargs):
    from hub.evaluation.workers import forget

    _stop.set()
    try:
        forget(sender.hostname)
    except Exception:
        log.exception("Could not remove this worker's heartbeat")
