"""Facet counts for the browse page: every facet, the total and the scored count in one query.

The filtered deltas are read once into a CTE; grouping sets count the scalar facets and the total, and
unnest() counts the array facets (tags, datasets). So a page costs the same few queries at any page size.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from hub.deltas.models import Backbone, Delta

COLUMNS = (
    "id",
    "backbone_id",
    "delta_type",
    "task",
    "license",
    "validation_state",
    "tags",
    "train_datasets",
    "test_datasets",
)
SCALARS = ("backbone_id", "delta_type", "task", "license")


def _case(result):
    whens = " ".join(f"WHEN GROUPING({c}) = 0 THEN {result(c)}" for c in SCALARS)
    return f"CASE {whens} ELSE '' END"


FACET_SQL = f"""
WITH d AS MATERIALIZED ({{rows}})
SELECT {_case(lambda c: f"'{c}'")} AS facet, {_case(lambda c: f"{c}::text")} AS value,
       COUNT(*) AS n, COUNT(*) FILTER (WHERE validation_state = 'scored') AS scored
FROM d GROUP BY GROUPING SETS ({", ".join(f"({c})" for c in SCALARS)}, ())
UNION ALL
SELECT 'tag', tag, COUNT(DISTINCT d.id), 0 FROM d CROSS JOIN LATERAL unnest(d.tags) AS tag GROUP BY tag
UNION ALL
SELECT 'dataset', dataset, COUNT(DISTINCT d.id), 0
FROM d CROSS JOIN LATERAL unnest(d.train_datasets || d.test_datasets) AS dataset GROUP BY dataset
"""


@dataclass
class FacetCounts:
    total: int = 0
    scored: int = 0
    by_facet: dict = field(default_factory=lambda: defaultdict(list))  # facet -> [(value, label, count)]


def count_facets(queryset, limit):
    """The `limit` most frequent values of each facet over `queryset`, with the total and scored counts."""
    rows_sql, params = queryset.order_by().values(*COLUMNS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(FACET_SQL.replace("{rows}", rows_sql), params)
        rows = cursor.fetchall()
    counts = FacetCounts()
    grouped = defaultdict(list)
    for facet, value, n, scored in rows:
        if facet == "":
            counts.total, counts.scored = n, scored
        elif value not in ("", None):  # None: deltas without a value, such as an unresolved backbone
            grouped[facet].append((value, n))
    for facet, values in grouped.items():
        values.sort(key=lambda item: (-item[1], item[0]))
        counts.by_facet[facet] = [(value, value, n) for value, n in values[:limit]]
    _label(counts.by_facet)
    return counts


def _label(by_facet):
    """Backbones are counted by id and shown by name, filtered by hash; delta types by their display name."""
    types = dict(Delta.DeltaType.choices)
    by_facet["delta_type"] = [(v, types.get(v, v), n) for v, _, n in by_facet.get("delta_type", [])]
    ids = [int(v) for v, _, n in by_facet.get("backbone_id", [])]
    if not ids:
        by_facet["backbone"] = []
        return
    names = {
        str(b.pk): b for b in Backbone.objects.filter(pk__in=ids).only("pk", "content_hash", "name", "name_is_shared")
    }
    by_facet["backbone"] = [
        (names[v].content_hash, names[v].label, n) for v, _, n in by_facet.pop("backbone_id") if v in names
    ]
