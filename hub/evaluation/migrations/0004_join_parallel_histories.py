"""Joins two histories that grew side by side; it changes nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_suite_kinds_and_families"),
        ("evaluation", "0003_worker_heartbeats"),
    ]

    operations = []
