"""Workers write heartbeats that the health check reads."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_suite_kinds_and_families"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hostname", models.CharField(max_length=200, unique=True)),
                ("seen_at", models.DateTimeField()),
            ],
        ),
    ]
