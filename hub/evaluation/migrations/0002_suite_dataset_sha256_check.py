"""The database checks that a suite's dataset digest is a sha256."""

import re

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deltas", "0002_case_insensitive_names_and_sha256_checks"),
        ("evaluation", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evalsuite",
            name="dataset_sha256",
            field=models.CharField(
                max_length=64,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile("\\A[0-9a-f]{64}\\Z"), "Expected 64 lowercase hexadecimal characters (a sha256)."
                    )
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="evalsuite",
            constraint=models.CheckConstraint(
                condition=models.Q(("dataset_sha256__regex", "^[0-9a-f]{64}$")), name="suite_dataset_sha256_hex"
            ),
        ),
    ]
