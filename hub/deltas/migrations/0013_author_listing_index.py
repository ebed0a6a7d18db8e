from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking out writes: the table may hold millions of deltas.
    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
        ("deltas", "0012_search_names_in_byte_order"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="delta",
            index=models.Index(fields=["namespace", "created_at", "id"], name="delta_author_created_keyset"),
        ),
    ]
