import socket

from celery import shared_task
from django.db import connection


@shared_task(name="workers.ping")
def ping():
    """Prove a worker is alive and reaches the database: answers its host and the number of backbones."""
    from hub.deltas.models import Backbone

    connection.ensure_connection()
    return {"worker": socket.gethostname(), "backbones": Backbone.objects.count()}
