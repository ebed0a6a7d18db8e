"""Uploads at scale: staged uploads, commits being finalized, and what the storage sweep needs to know."""

import re

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("deltas", "0007_listing_indexes_and_facet_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Finalization",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "commit_id",
                    models.CharField(help_text="The id the version gets once complete.", max_length=40, unique=True),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("push", "A version pushed with its metadata"),
                            ("changes", "Files added and deleted, as git-based hubs commit"),
                            ("backbone", "A backbone's files"),
                        ],
                        max_length=10,
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=96)),
                ("request", models.JSONField(help_text="What was committed: metadata and files, or the file changes.")),
                (
                    "status",
                    models.CharField(
                        choices=[("finalizing", "Finalizing"), ("complete", "Complete"), ("failed", "Failed")],
                        default="finalizing",
                        max_length=10,
                    ),
                ),
                ("error_kind", models.CharField(blank=True, max_length=20)),
                ("reason_code", models.CharField(blank=True, max_length=64)),
                ("reason", models.TextField(blank=True)),
                (
                    "bytes_total",
                    models.BigIntegerField(default=0, validators=[django.core.validators.MinValueValidator(0)]),
                ),
                (
                    "bytes_done",
                    models.BigIntegerField(default=0, validators=[django.core.validators.MinValueValidator(0)]),
                ),
                (
                    "created",
                    models.BooleanField(default=False, help_text="False when the result equalled the newest version."),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "heartbeat_at",
                    models.DateTimeField(
                        blank=True, help_text="Last sign of life of the task finalizing it.", null=True
                    ),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Upload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "sha256",
                    models.CharField(
                        max_length=64,
                        validators=[
                            django.core.validators.RegexValidator(
                                re.compile("\\A[0-9a-f]{64}\\Z"),
                                "Expected 64 lowercase hexadecimal characters (a sha256).",
                            )
                        ],
                    ),
                ),
                ("size", models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0)])),
                ("key", models.CharField(help_text="The staging key the bytes go to.", max_length=255, unique=True)),
                (
                    "upload_id",
                    models.CharField(blank=True, help_text="The open S3 multipart upload, if any.", max_length=1024),
                ),
                (
                    "part_bytes",
                    models.BigIntegerField(default=0, validators=[django.core.validators.MinValueValidator(0)]),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("touched_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name="storedobject",
            name="deleting_at",
            field=models.DateTimeField(blank=True, help_text="Set once the sweep has begun deleting it.", null=True),
        ),
        migrations.AddField(
            model_name="storedobject",
            name="last_used_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When an upload plan or a commit last used it; the sweep waits a grace window.",
            ),
        ),
        migrations.AddIndex(
            model_name="storedobject",
            index=models.Index(fields=["last_used_at"], name="stored_object_last_used_idx"),
        ),
        migrations.AddField(
            model_name="finalization",
            name="backbone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="deltas.backbone",
            ),
        ),
        migrations.AddField(
            model_name="finalization",
            name="namespace",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.namespace",
            ),
        ),
        migrations.AddField(
            model_name="finalization",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="finalization",
            name="version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="deltas.deltaversion",
            ),
        ),
        migrations.AddField(
            model_name="upload",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddIndex(
            model_name="finalization",
            index=models.Index(fields=["status", "created_at"], name="finalization_status_idx"),
        ),
        migrations.AddConstraint(
            model_name="finalization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("finished_at__isnull", True), ("status", "finalizing")),
                    models.Q(("finished_at__isnull", False), ("status__in", ["complete", "failed"])),
                    _connector="OR",
                ),
                name="finalization_finished_exactly_when_final",
            ),
        ),
        migrations.AddConstraint(
            model_name="finalization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "failed"), _negated=True),
                    models.Q(("reason_code", ""), _negated=True),
                    _connector="OR",
                ),
                name="finalization_failure_has_a_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="finalization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind__in", ["push", "changes"]), ("status", "complete"), _negated=True),
                    ("version__isnull", False),
                    _connector="OR",
                ),
                name="finalization_of_a_delta_completes_with_its_version",
            ),
        ),
        migrations.AddConstraint(
            model_name="finalization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("backbone__isnull", False), ("kind", "backbone")),
                    models.Q(("namespace__isnull", False), models.Q(("name", ""), _negated=True)),
                    _connector="OR",
                ),
                name="finalization_names_what_it_commits_to",
            ),
        ),
        migrations.AddConstraint(
            model_name="upload",
            constraint=models.UniqueConstraint(fields=("user", "sha256"), name="one_upload_per_user_and_content"),
        ),
        migrations.AddConstraint(
            model_name="upload",
            constraint=models.CheckConstraint(
                condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="upload_sha256_hex"
            ),
        ),
    ]
