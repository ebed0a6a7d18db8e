"""The Celery app the hub and the workers share."""


def test_the_worker_knows_the_periodic_tasks():
    from django.conf import settings

    from hub.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
