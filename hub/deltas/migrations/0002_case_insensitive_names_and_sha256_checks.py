"""Delta names unique whatever their letter case, and every sha256 column checked by the database."""

import re

import django.core.validators
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_names_that_differ_only_in_case(apps, schema_editor):
    """The new constraint cannot hold over such pairs; a person must choose which name stays."""
    Delta = apps.get_model("deltas", "Delta")
    clashes = (
        Delta.objects.annotate(lower_name=Lower("name"))
        .values("namespace__name", "lower_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if not clashes:
        return
    names = []
    for clash in clashes:
        same = Delta.objects.filter(namespace__name=clash["namespace__name"], name__iexact=clash["lower_name"])
        names.append(" and ".join(f"{clash['namespace__name']}/{d.name} (id {d.pk})" for d in same))
    raise RuntimeError(
        "Delta names are now unique whatever their letter case, but these deltas differ only in case: "
        + "; ".join(names)
        + ". Rename or delete all but one of each group (for example in the admin), then run migrate again."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("deltas", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_names_that_differ_only_in_case, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="delta",
            name="unique_delta_name_in_namespace",
        ),
        migrations.AlterField(
            model_name="backbone",
            name="content_hash",
            field=models.CharField(
                max_length=64,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile("\\A[0-9a-f]{64}\\Z"), "Expected 64 lowercase hexadecimal characters (a sha256)."
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="backbone",
            name="structure_hash",
            field=models.CharField(
                db_index=True,
                max_length=64,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile("\\A[0-9a-f]{64}\\Z"), "Expected 64 lowercase hexadecimal characters (a sha256)."
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="deltaversion",
            name="manifest_sha256",
            field=models.CharField(
                help_text="sha256 of the sorted (path, sha256) list of its files.",
                max_length=64,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile("\\A[0-9a-f]{64}\\Z"), "Expected 64 lowercase hexadecimal characters (a sha256)."
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="storedobject",
            name="sha256",
            field=models.CharField(
                max_length=64,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile("\\A[0-9a-f]{64}\\Z"), "Expected 64 lowercase hexadecimal characters (a sha256)."
                    )
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="backbone",
            constraint=models.CheckConstraint(
                condition=models.Q(("content_hash__regex", "^[0-9a-f]{64}$")), name="backbone_content_hash_hex"
            ),
        ),
        migrations.AddConstraint(
            model_name="backbone",
            constraint=models.CheckConstraint(
                condition=models.Q(("structure_hash__regex", "^[0-9a-f]{64}$")), name="backbone_structure_hash_hex"
            ),
        ),
        migrations.AddConstraint(
            model_name="delta",
            constraint=models.UniqueConstraint(
                models.F("namespace"), django.db.models.functions.text.Lower("name"), name="unique_delta_name_ci"
            ),
        ),
        migrations.AddConstraint(
            model_name="deltaversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("manifest_sha256__regex", "^[0-9a-f]{64}$")), name="version_manifest_sha256_hex"
            ),
        ),
        migrations.AddConstraint(
            model_name="storedobject",
            constraint=models.CheckConstraint(
                condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="stored_object_sha256_hex"
            ),
        ),
    ]
