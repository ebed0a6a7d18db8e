"""Indexes for every listing filter and keyset sort, and facet counts kept by triggers (hub.deltas.facets)."""

# ruff: noqa: E501 (the triggers' SQL, as pgtrigger compiled it)
import django.contrib.postgres.indexes
import django.db.models.functions.text
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

# The counts of the deltas already there, as hub.deltas.facets.RECOUNT_SQL computed them when this was written.
RECOUNT_SQL = "\n    DELETE FROM deltas_facetcount;\n    INSERT INTO deltas_facetcount (scope, facet, value, n)\n    SELECT scope, facet, value, sum(n) FROM (SELECT CASE WHEN d.private THEN d.namespace_id ELSE 0 END AS scope, f.facet, v.value, 1 AS n FROM deltas_delta AS d CROSS JOIN LATERAL (VALUES ('', ARRAY['']), ('backbone', ARRAY[d.backbone_id::text]), ('delta_type', ARRAY[d.delta_type::text]), ('task', ARRAY[d.task::text]), ('dataset', (d.train_datasets || d.test_datasets)::text[]), ('tag', d.tags::text[]), ('license', ARRAY[d.license::text]), ('validation', ARRAY[d.validation_state::text])) AS f(facet, vals) CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '') AS v(value) WHERE d.deleted_at IS NULL) AS changes GROUP BY scope, facet, value;\n"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("deltas", "0006_backbone_names_shared"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "scope", "facet", "value", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("scope", models.BigIntegerField()),
                ("facet", models.CharField(max_length=32)),
                ("value", models.TextField()),
                ("n", models.BigIntegerField()),
            ],
        ),
        migrations.RemoveIndex(
            model_name="delta",
            name="delta_downloads_idx",
        ),
        migrations.RemoveIndex(
            model_name="delta",
            name="delta_likes_idx",
        ),
        migrations.RemoveIndex(
            model_name="delta",
            name="delta_created_idx",
        ),
        migrations.RemoveIndex(
            model_name="delta",
            name="delta_score_rank_idx",
        ),
        migrations.AlterField(
            model_name="delta",
            name="task",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(fields=["downloads_count", "id"], name="delta_downloads_keyset"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(fields=["likes_count", "id"], name="delta_likes_keyset"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(fields=["created_at", "id"], name="delta_created_keyset"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(fields=["updated_at", "id"], name="delta_updated_keyset"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(
                condition=models.Q(("verified_rank__isnull", False)),
                fields=["verified_rank", "id"],
                name="delta_score_keyset",
            ),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(fields=["delta_type"], name="delta_type_idx"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(django.db.models.functions.text.Upper("task"), name="delta_task_upper_idx"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(django.db.models.functions.text.Upper("license"), name="delta_license_upper_idx"),
        ),
        migrations.AddIndex(
            model_name="delta",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Lower("name"), name="text_pattern_ops"
                ),
                name="delta_name_prefix_idx",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="delta",
            trigger=pgtrigger.compiler.Trigger(
                name="facet_counts_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n        INSERT INTO deltas_facetcount AS c (scope, facet, value, n)\n        SELECT scope, facet, value, sum(n) FROM (SELECT CASE WHEN d.private THEN d.namespace_id ELSE 0 END AS scope, f.facet, v.value, 1 AS n FROM new_rows AS d CROSS JOIN LATERAL (VALUES ('', ARRAY['']), ('backbone', ARRAY[d.backbone_id::text]), ('delta_type', ARRAY[d.delta_type::text]), ('task', ARRAY[d.task::text]), ('dataset', (d.train_datasets || d.test_datasets)::text[]), ('tag', d.tags::text[]), ('license', ARRAY[d.license::text]), ('validation', ARRAY[d.validation_state::text])) AS f(facet, vals) CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '') AS v(value) WHERE d.deleted_at IS NULL) AS changes\n        GROUP BY scope, facet, value HAVING sum(n) <> 0 ORDER BY scope, facet, value\n        ON CONFLICT (scope, facet, value) DO UPDATE SET n = c.n + excluded.n;\n        RETURN NULL;",
                    hash="b6540d5890c8b113d948945cca42bc2e4554c252",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_facet_counts_insert_13975",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="deltas_delta",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="delta",
            trigger=pgtrigger.compiler.Trigger(
                name="facet_counts_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n        INSERT INTO deltas_facetcount AS c (scope, facet, value, n)\n        SELECT scope, facet, value, sum(n) FROM (SELECT CASE WHEN d.private THEN d.namespace_id ELSE 0 END AS scope, f.facet, v.value, 1 AS n FROM new_rows AS d CROSS JOIN LATERAL (VALUES ('', ARRAY['']), ('backbone', ARRAY[d.backbone_id::text]), ('delta_type', ARRAY[d.delta_type::text]), ('task', ARRAY[d.task::text]), ('dataset', (d.train_datasets || d.test_datasets)::text[]), ('tag', d.tags::text[]), ('license', ARRAY[d.license::text]), ('validation', ARRAY[d.validation_state::text])) AS f(facet, vals) CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '') AS v(value) WHERE d.deleted_at IS NULL UNION ALL SELECT CASE WHEN d.private THEN d.namespace_id ELSE 0 END AS scope, f.facet, v.value, -1 AS n FROM old_rows AS d CROSS JOIN LATERAL (VALUES ('', ARRAY['']), ('backbone', ARRAY[d.backbone_id::text]), ('delta_type', ARRAY[d.delta_type::text]), ('task', ARRAY[d.task::text]), ('dataset', (d.train_datasets || d.test_datasets)::text[]), ('tag', d.tags::text[]), ('license', ARRAY[d.license::text]), ('validation', ARRAY[d.validation_state::text])) AS f(facet, vals) CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '') AS v(value) WHERE d.deleted_at IS NULL) AS changes\n        GROUP BY scope, facet, value HAVING sum(n) <> 0 ORDER BY scope, facet, value\n        ON CONFLICT (scope, facet, value) DO UPDATE SET n = c.n + excluded.n;\n        RETURN NULL;",
                    hash="54258810d6859724f606a789fa02df1f10ec15ec",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_facet_counts_update_27576",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="deltas_delta",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="delta",
            trigger=pgtrigger.compiler.Trigger(
                name="facet_counts_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n        INSERT INTO deltas_facetcount AS c (scope, facet, value, n)\n        SELECT scope, facet, value, sum(n) FROM (SELECT CASE WHEN d.private THEN d.namespace_id ELSE 0 END AS scope, f.facet, v.value, -1 AS n FROM old_rows AS d CROSS JOIN LATERAL (VALUES ('', ARRAY['']), ('backbone', ARRAY[d.backbone_id::text]), ('delta_type', ARRAY[d.delta_type::text]), ('task', ARRAY[d.task::text]), ('dataset', (d.train_datasets || d.test_datasets)::text[]), ('tag', d.tags::text[]), ('license', ARRAY[d.license::text]), ('validation', ARRAY[d.validation_state::text])) AS f(facet, vals) CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '') AS v(value) WHERE d.deleted_at IS NULL) AS changes\n        GROUP BY scope, facet, value HAVING sum(n) <> 0 ORDER BY scope, facet, value\n        ON CONFLICT (scope, facet, value) DO UPDATE SET n = c.n + excluded.n;\n        RETURN NULL;",
                    hash="48466ac16f2c11bac70eee0557491dd4bf12cbc7",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_facet_counts_delete_90ebb",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="deltas_delta",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="delta",
            trigger=pgtrigger.compiler.Trigger(
                name="facet_counts_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM deltas_facetcount; RETURN NULL;",
                    hash="aa80edeeb4791ba4757603912b947a06fd594d7b",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_facet_counts_truncate_ebd92",
                    table="deltas_delta",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(RECOUNT_SQL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="facetcount",
            index=models.Index(
                models.F("scope"),
                models.F("facet"),
                models.OrderBy(models.F("n"), descending=True),
                models.F("value"),
                name="facet_count_top",
            ),
        ),
    ]
