"""The facet declaration: the triggers in the migrations are the ones it builds, and its SQL reads what it says."""

from django.apps import apps
from django.core.management.commands import makemigrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from hub.deltas.facets import FACETS, facet_columns, facet_counts


def test_the_migrations_hold_the_triggers_the_facets_build():
    # A facet added or changed needs `makemigrations`, which writes the triggers that count it. (The command's
    # own autodetector, which pgtrigger extends to triggers; without a database, as makemigrations --check.)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    detector = makemigrations.Command.autodetector(loader.project_state(), ProjectState.from_apps(apps))
    changes = detector.changes(graph=loader.graph)
    assert not changes, f"The models differ from their migrations; run makemigrations: {changes}"


def test_the_sample_count_reads_only_the_columns_the_facets_name():
    assert facet_columns() == sorted(
        ["backbone_id", "delta_type", "task", "train_datasets", "test_datasets", "tags", "license", "validation_state"]
    )
    sql = facet_counts("sample")
    assert all(f"SELECT '{facet.param}', value" in sql for facet in FACETS)
