"""Migrations that guard data: they refuse, with a message a person can act on, to run over what breaks them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("deltas", "0001_initial"), ("evaluation", "0001_initial")]
CASE_INSENSITIVE = [("deltas", "0002_case_insensitive_names_and_sha256_checks")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_case_insensitive_names_migration_refuses_names_that_differ_only_in_case():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate(BEFORE)
    try:
        user = apps.get_model("auth", "User").objects.create(username="alice")
        namespace = apps.get_model("accounts", "Namespace").objects.create(name="alice", user_id=user.pk)
        backbone = apps.get_model("deltas", "Backbone").objects.create(
            content_hash="1" * 64, structure_hash="2" * 64, name="tiny"
        )
        Delta = apps.get_model("deltas", "Delta")
        for name in ("Tiny-Lora", "tiny-lora"):
            Delta.objects.create(namespace=namespace, name=name, delta_type="lora", backbone=backbone)
        with pytest.raises(RuntimeError) as refused:
            _migrate(CASE_INSENSITIVE)
        assert "alice/Tiny-Lora" in str(refused.value) and "alice/tiny-lora" in str(refused.value)
        assert "Rename or delete" in str(refused.value)

        Delta.objects.filter(name="tiny-lora").delete()
        _migrate(CASE_INSENSITIVE)
    finally:
        _migrate(latest)
