import django.contrib.postgres.fields
from django.db import migrations, models

from deltacenter.families import FAMILIES, SEQUENCE_CLASSIFICATION
from hub.evaluation import metrics


def forwards(apps, schema_editor):
    """The suites so far are classification suites; a passed job scored when it left results, else it fits."""
    EvalSuite = apps.get_model("evaluation", "EvalSuite")
    ValidationJob = apps.get_model("evaluation", "ValidationJob")
    EvalSuite.objects.filter(families=[]).update(families=[SEQUENCE_CLASSIFICATION])
    passed = ValidationJob.objects.filter(status="passed")
    passed.filter(results__isnull=False).update(status="scored")
    ValidationJob.objects.filter(status="passed").update(
        status="fits", reason_code="no_suite", reason="No evaluation suite for the delta's task."
    )


def backwards(apps, schema_editor):
    ValidationJob = apps.get_model("evaluation", "ValidationJob")
    ValidationJob.objects.filter(status__in=["scored", "fits"]).update(status="passed")


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_suite_dataset_sha256_check")]

    operations = [
        migrations.AddField(
            model_name="evalsuite",
            name="kind",
            field=models.CharField(
                choices=[
                    ("classification", "Classification by the delta's head"),
                    ("choice", "Likelihood choice among verbalised labels"),
                    ("perplexity", "Log-likelihood of held-out text"),
                    ("generation", "Generation against a reference"),
                    ("tagging", "Tagging words"),
                    ("retrieval", "Retrieval by embedding similarity"),
                ],
                default="classification",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="evalsuite",
            name="families",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=[(f, f) for f in FAMILIES], max_length=32),
                default=list,
                help_text="Task families whose deltas this suite measures, e.g. sequence-classification.",
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="evalsuite",
            name="options",
            field=models.JSONField(
                blank=True, default=dict, help_text="How the kind runs it: prompt template, choices..."
            ),
        ),
        migrations.AlterField(
            model_name="evalsuite",
            name="metric",
            field=models.CharField(choices=metrics.CHOICES, help_text="The main metric: the score.", max_length=16),
        ),
        migrations.AlterField(
            model_name="validationjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("scored", "Scored"),
                    ("fits", "Fits"),
                    ("failed", "Failed"),
                    ("error", "Error"),
                    ("backbone_unavailable", "Backbone unavailable"),
                ],
                db_index=True,
                default="queued",
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="validationjob",
            name="stage",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.RunPython(forwards, backwards),
    ]
