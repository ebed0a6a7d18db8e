"""The facets listings count deltas by, declared once.

The same declaration builds the triggers that keep `FacetCount` exact (hub.deltas.models), the bounded count of
a filtered listing and the labels pages and the API show (hub.deltas.counting). A new facet, or a column that
changes, is an entry here and a migration (`makemigrations` regenerates the triggers).
"""

import re
from dataclasses import dataclass

import pgtrigger

FACET_TABLE = "deltas_facetcount"
TOTAL = ""  # the facet whose one value ("") counts every delta


@dataclass(frozen=True)
class Facet:
    param: str  # the listing filter that picks one of its values
    title: str
    value: str  # SQL: the text value of delta row `d` (a text[] of them when `multiple`); "" and NULL don't count
    multiple: bool = False
    labels: tuple = ()  # (value, label) pairs to show instead of the values themselves

    @property
    def values(self):
        """SQL: a text[] of the values of delta row `d`."""
        return self.value if self.multiple else f"ARRAY[{self.value}]"


FACETS = (
    Facet("backbone", "Backbone", "d.backbone_id::text"),
    Facet("delta_type", "Delta type", "d.delta_type::text"),
    Facet("task", "Task", "d.task::text"),
    Facet("dataset", "Dataset", "(d.train_datasets || d.test_datasets)::text[]", multiple=True),
    Facet("tag", "Tags", "d.tags::text[]", multiple=True),
    Facet("license", "License", "d.license::text"),
    Facet(
        "validation",
        "Validation",
        "d.validation_state::text",
        labels=(
            ("scored", "Scored"),
            ("fits", "Fits"),
            ("failed", "Failed"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("unvalidated", "Not validated yet"),
        ),
    ),
)


def facet_columns():
    """The delta columns the facets read."""
    return sorted({column for facet in FACETS for column in re.findall(r"\bd\.(\w+)", facet.value)})


def facet_values(rows: str) -> str:
    """A FROM clause giving every (facet, value) of each delta of `rows` (a table or CTE) as `d`, `f.facet` and
    `v.value`, with the total's one value. A delta counts once per value, however often it lists it.
    (The triggers count with it; counting a few rows, `facet_counts` is quicker.)"""
    arrays = ", ".join(f"('{facet.param}', {facet.values})" for facet in FACETS)
    return (
        f"{rows} AS d CROSS JOIN LATERAL (VALUES ('{TOTAL}', ARRAY['']), {arrays}) AS f(facet, vals)"
        f" CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(f.vals) AS x WHERE x <> '' OR f.facet = '{TOTAL}')"
        " AS v(value)"
    )


def facet_counts(rows: str) -> str:
    """A query counting the deltas of `rows` (with their `id`) by every facet value, and in all: rows of
    (facet, value, n)."""
    counts = [_count_by(facet, rows) for facet in FACETS]
    return " UNION ALL ".join([*counts, f"SELECT '{TOTAL}', '', count(*) FROM {rows}"])


def _count_by(facet, rows):
    if not facet.multiple:
        values, counted = f"SELECT {facet.value} AS value FROM {rows} AS d", "count(*)"
    else:  # a delta listing a value twice counts once
        values = f"SELECT u.value, d.id FROM {rows} AS d CROSS JOIN unnest({facet.values}) AS u(value)"
        counted = "count(DISTINCT id)"
    return f"SELECT '{facet.param}', value, {counted} FROM ({values}) AS v WHERE value <> '' GROUP BY value"


# Public deltas are counted together (scope 0); private ones per namespace (scope = the namespace's id), so a
# viewer's counts are the public ones plus those of the few namespaces whose private deltas they may see.
SCOPE = "CASE WHEN d.private THEN d.namespace_id ELSE 0 END"


def _changes(table: str, sign: int) -> str:
    counted = f"SELECT {SCOPE} AS scope, f.facet, v.value, {sign} AS n FROM {facet_values(table)}"
    return f"{counted} WHERE d.deleted_at IS NULL"


def _apply(*changes: str) -> str:
    # Rows are upserted in key order, so two transactions touching the same counts lock them in the same order.
    return f"""
        INSERT INTO {FACET_TABLE} AS c (scope, facet, value, n)
        SELECT scope, facet, value, sum(n) FROM ({" UNION ALL ".join(changes)}) AS changes
        GROUP BY scope, facet, value HAVING sum(n) <> 0 ORDER BY scope, facet, value
        ON CONFLICT (scope, facet, value) DO UPDATE SET n = c.n + excluded.n;
        RETURN NULL;"""


def _statement_trigger(name, operation, func, **transition_tables):
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(**transition_tables) if transition_tables else None,
        func=func,
    )


def facet_count_triggers():
    """Statement-level triggers on the delta table: each statement (a push, a bulk insert of a million rows, a
    soft delete, a validation result) adds its net change to the counts once, in the writer's transaction."""
    added, removed = _changes("new_rows", 1), _changes("old_rows", -1)
    return [
        _statement_trigger("facet_counts_insert", pgtrigger.Insert, _apply(added), new="new_rows"),
        _statement_trigger(
            "facet_counts_update", pgtrigger.Update, _apply(added, removed), old="old_rows", new="new_rows"
        ),
        _statement_trigger("facet_counts_delete", pgtrigger.Delete, _apply(removed), old="old_rows"),
        _statement_trigger("facet_counts_truncate", pgtrigger.Truncate, f"DELETE FROM {FACET_TABLE}; RETURN NULL;"),
    ]


# What the counts are before any trigger ran: the migration that adds the table fills it with this.
RECOUNT_SQL = f"""
    DELETE FROM {FACET_TABLE};
    INSERT INTO {FACET_TABLE} (scope, facet, value, n)
    SELECT scope, facet, value, sum(n) FROM ({_changes("deltas_delta", 1)}) AS changes GROUP BY scope, facet, value;
"""
