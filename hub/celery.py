"""The Celery application shared by the hub (which enqueues) and the workers (which run tasks)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("deltacenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])
app.autodiscover_tasks(["workers"], related_name="maintenance")
app.autodiscover_tasks(["workers"], related_name="liveness")
