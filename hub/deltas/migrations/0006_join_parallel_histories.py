"""Joins two histories that grew side by side; it changes nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deltas", "0002_validation_state"),
        ("deltas", "0005_backbone_names_shared"),
    ]

    operations = []
