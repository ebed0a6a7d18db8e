"""Tensor names of versions and module paths of backbones, kept from the headers read at upload."""

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deltas", "0004_unresolved_backbones_and_daily_downloads"),
    ]

    operations = [
        migrations.AddField(
            model_name="backbone",
            name="module_paths",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=512),
                blank=True,
                help_text="Its modules, from its weights' headers.",
                null=True,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="deltaversion",
            name="tensor_names",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=512),
                blank=True,
                help_text="Its weights' tensors, from their headers.",
                null=True,
                size=None,
            ),
        ),
    ]
