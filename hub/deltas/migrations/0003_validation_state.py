from django.db import migrations, models

from hub.evaluation import metrics

FINAL = ("scored", "fits", "failed")


def forwards(apps, schema_editor):
    """Each delta takes the outcome of its newest validated version, and the score of its main suite."""
    Delta = apps.get_model("deltas", "Delta")
    ValidationJob = apps.get_model("evaluation", "ValidationJob")
    EvalResult = apps.get_model("evaluation", "EvalResult")
    for delta in Delta.objects.all().iterator():
        finished = ValidationJob.objects.filter(version__delta=delta, status__in=FINAL)
        job = finished.order_by("-version__number", "-finished_at", "-pk").first()
        if job is None:
            continue
        delta.validation_state = job.status
        results = EvalResult.objects.filter(version_id=job.version_id).select_related("suite")
        main = min(results, key=lambda r: (r.suite.task != delta.task, r.suite.name), default=None)
        if job.status == "scored" and main is not None:
            delta.verified_score = main.score
            delta.verified_metric = main.suite.metric
            delta.verified_rank = metrics.oriented(main.suite.metric, main.score)
        else:
            delta.verified_score, delta.verified_metric, delta.verified_rank = None, "", None
        delta.save(update_fields=["validation_state", "verified_score", "verified_metric", "verified_rank"])


def backwards(apps, schema_editor):
    Delta = apps.get_model("deltas", "Delta")
    Delta.objects.filter(validation_state__in=["scored", "fits"]).update(validated=True)


class Migration(migrations.Migration):
    dependencies = [
        ("deltas", "0002_case_insensitive_names_and_sha256_checks"),
        ("evaluation", "0003_suite_kinds_and_families"),
    ]

    operations = [
        migrations.AddField(
            model_name="delta",
            name="validation_state",
            field=models.CharField(
                choices=[
                    ("unvalidated", "Not validated yet"),
                    ("scored", "Scored"),
                    ("fits", "Fits"),
                    ("failed", "Failed"),
                ],
                db_index=True,
                default="unvalidated",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="delta",
            name="verified_metric",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="delta",
            name="verified_rank",
            field=models.FloatField(blank=True, help_text="The verified score turned so higher is better.", null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(model_name="delta", name="delta_score_idx"),
        migrations.RemoveField(model_name="delta", name="validated"),
        migrations.AddIndex(
            model_name="delta", index=models.Index(fields=["-verified_rank"], name="delta_score_rank_idx")
        ),
    ]
