"""Deltas whose backbone is not known yet, and downloads counted once per client and day."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("deltas", "0003_validation_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeltaDownload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                (
                    "client",
                    models.CharField(
                        help_text="A user id, or a keyed hash of an anonymous client's address.", max_length=64
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="delta",
            name="backbone_binding",
            field=models.CharField(
                choices=[("hash", "Bound by content hash"), ("name", "Matched by name"), ("unresolved", "Unresolved")],
                default="hash",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="delta",
            name="base_model_name",
            field=models.CharField(
                blank=True,
                help_text="The base model the delta's own files name (adapter config, card).",
                max_length=200,
            ),
        ),
        migrations.AlterField(
            model_name="delta",
            name="backbone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deltas",
                to="deltas.backbone",
            ),
        ),
        migrations.AddConstraint(
            model_name="delta",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("backbone__isnull", True), ("backbone_binding", "unresolved")),
                    models.Q(("backbone__isnull", False), ("backbone_binding__in", ["hash", "name"])),
                    _connector="OR",
                ),
                name="delta_bound_exactly_when_it_has_a_backbone",
            ),
        ),
        migrations.AddField(
            model_name="deltadownload",
            name="delta",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="downloads", to="deltas.delta"
            ),
        ),
        migrations.AddConstraint(
            model_name="deltadownload",
            constraint=models.UniqueConstraint(fields=("delta", "day", "client"), name="one_download_per_client_day"),
        ),
    ]
