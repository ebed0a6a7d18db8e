"""Facet counts of a listing, without scanning the table on any request.

With no filter, the counts are read from `FacetCount`, which triggers keep exact: the public counts plus the
private ones of the namespaces the viewer may read. A filtered listing counts its first COUNT_LIMIT matches;
beyond that every count is shown as a lower bound ("500+"), never higher than the truth.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from hub.deltas.facets import FACET_TABLE, FACETS, RECOUNT_SQL, TOTAL, facet_columns, facet_counts
from hub.deltas.listing_query import sample
from hub.deltas.models import Backbone, Delta

COUNT_LIMIT = 500  # a filtered listing counts exactly up to this many matches (a few ms on a small machine)
FACET_VALUES = 12  # the most frequent values shown per facet


@dataclass(frozen=True)
class Count:
    n: int
    exact: bool  # False: there are at least n, and likely more

    def __str__(self):
        return f"{self.n:,}" if self.exact else f"{self.n:,}+"


@dataclass(frozen=True)
class FacetValue:
    value: str  # what the facet's filter parameter takes
    label: str
    count: Count


@dataclass(frozen=True)
class FacetCounts:
    total: Count
    facets: dict  # facet param -> [FacetValue], most frequent first, in the order of FACETS

    def count_of(self, param, value):
        """The count of one facet value, or None when it is not among the values counted."""
        return next((v.count for v in self.facets.get(param, []) if v.value == value), None)


# The top values of each facet among public deltas (an index scan each), merged with every value of the
# viewer's private deltas: a value outside both cannot outrank the public top ones once the private counts
# are added, so the merged top values are exact.
KEPT_COUNTS_SQL = f"""
WITH private AS (
    SELECT facet, value, sum(n)::bigint AS n FROM {FACET_TABLE}
    WHERE scope <> 0 AND (%(everything)s OR scope = ANY(%(scopes)s)) AND n > 0 GROUP BY facet, value
), candidates AS (
    SELECT facet, value FROM private
    UNION
    SELECT f.facet, top.value FROM unnest(%(facets)s::text[]) AS f(facet) CROSS JOIN LATERAL (
        SELECT c.value FROM {FACET_TABLE} AS c WHERE c.scope = 0 AND c.facet = f.facet AND c.n > 0
        ORDER BY c.n DESC, c.value LIMIT %(limit)s
    ) AS top
)
SELECT k.facet, k.value, coalesce(p.n, 0) + coalesce(v.n, 0)
FROM candidates AS k
LEFT JOIN {FACET_TABLE} AS p ON p.scope = 0 AND p.facet = k.facet AND p.value = k.value
LEFT JOIN private AS v ON v.facet = k.facet AND v.value = k.value
"""

SAMPLED_COUNTS_SQL = f"WITH sample AS MATERIALIZED ({{rows}}) {facet_counts('sample')}"


def kept_counts(namespace_ids, sees_everything):
    """Counts of every visible delta: the public ones plus the private ones of `namespace_ids` (or all)."""
    params = {
        "everything": sees_everything,
        "scopes": list(namespace_ids),
        "facets": [TOTAL, *(f.param for f in FACETS)],
        "limit": FACET_VALUES,
    }
    with connection.cursor() as cursor:
        cursor.execute(KEPT_COUNTS_SQL, params)
        return _labelled(cursor.fetchall(), exact=True)


def sampled_counts(alternatives):
    """Counts of the deltas that any of `alternatives` (hub.deltas.listing_query.Where) keeps, exact when there
    are at most COUNT_LIMIT of them."""
    rows_sql, params = sample(alternatives, facet_columns(), COUNT_LIMIT + 1)
    with connection.cursor() as cursor:
        cursor.execute(SAMPLED_COUNTS_SQL.format(rows=rows_sql), params)
        rows = cursor.fetchall()
    total = next((n for facet, _, n in rows if facet == TOTAL), 0)
    return _labelled(rows, exact=total <= COUNT_LIMIT)


def _labelled(rows, exact):
    by_facet = defaultdict(list)
    for facet, value, n in rows:
        by_facet[facet].append((value, n if exact else min(n, COUNT_LIMIT)))
    [(_, total)] = by_facet.pop(TOTAL, [("", 0)])
    top = {
        param: sorted(values, key=lambda item: (-item[1], item[0]))[:FACET_VALUES] for param, values in by_facet.items()
    }
    labels = _labels(top)
    facets = {}
    for facet in FACETS:
        named = ((labels[facet.param](value), n) for value, n in top.get(facet.param, []))
        facets[facet.param] = [FacetValue(*shown, Count(n, exact)) for shown, n in named if shown is not None]
    return FacetCounts(Count(total, exact), facets)


def _shown_as(names):
    return lambda value: (value, names.get(value, value))


def _labels(top):
    """facet -> function of a counted value: (filter value, label), or None for a value no longer there."""
    types = dict(Delta.DeltaType.choices)
    labels = {facet.param: _shown_as(dict(facet.labels)) for facet in FACETS}
    labels["delta_type"] = _shown_as(types)
    ids = [int(value) for value, _ in top.get("backbone", [])]
    # Backbones are counted by id, filtered by content hash and shown by name.
    found = Backbone.objects.filter(pk__in=ids).values_list("pk", "content_hash", "name") if ids else []
    backbones = {str(pk): (content_hash, name) for pk, content_hash, name in found}
    labels["backbone"] = backbones.get
    return labels


@transaction.atomic
def recount():
    """Count every delta again. The triggers keep the counts exact; this is for after writes made with them
    switched off (a restore with session_replication_role = replica, say). Writers wait while it runs."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Delta._meta.db_table} IN SHARE MODE")
        cursor.execute(RECOUNT_SQL)
