"""Which validation workers are alive: each one writes its heartbeat; a worker silent for a while is gone."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from hub.evaluation.models import WorkerHeartbeat


def beat(hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})


def forget(hostname: str) -> None:
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def live_workers() -> list[str]:
    since = timezone.now() - timedelta(seconds=3 * settings.DELTACENTER_WORKER_BEAT_SECONDS)
    return sorted(WorkerHeartbeat.objects.filter(seen_at__gte=since).values_list("hostname", flat=True))


def check_workers():
    names = live_workers()
    return (True, names) if names else (False, "no worker has sent a heartbeat lately")
