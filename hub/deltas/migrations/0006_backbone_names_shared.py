"""Backbones that share a name are shown with their hash; names are looked up in any letter case."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deltas", "0005_stored_tensor_and_module_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="backbone",
            name="name_is_shared",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="backbone",
            index=models.Index(django.db.models.functions.text.Lower("name"), name="backbone_name_ci_idx"),
        ),
        migrations.RunSQL(
            "UPDATE deltas_backbone SET name_is_shared = true WHERE lower(name) IN"
            " (SELECT lower(name) FROM deltas_backbone GROUP BY lower(name) HAVING count(*) > 1)",
            migrations.RunSQL.noop,
        ),
    ]
