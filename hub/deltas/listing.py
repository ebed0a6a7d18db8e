"""The one path every delta listing takes: the browse page, the REST list and its facet counts, the command line.

`list_deltas(user, filters, sort, cursor)` keeps to what the viewer may see, applies the filters, and returns
one keyset page with the cursors of the pages before and after it (and, on request, the facet counts). Its
cost does not grow with the table, the page's depth, or the number of facet values.
"""

from dataclasses import dataclass, replace

from django.db.models import F, FloatField, Value

from hub.accounts.namespaces import readable_namespace_ids
from hub.core.validation import invalid_from
from hub.deltas.counting import FacetCounts, kept_counts, sampled_counts
from hub.deltas.filters import DEFAULT_SORT, SORTS, DeltaFilter
from hub.deltas.keyset import NULLABLE_KEYS, Cursor, RowComparison, decode_cursor
from hub.deltas.models import Delta
from hub.deltas.search import relevance, relevance_pool

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Relevance ranks this many of the newest matches of a search's words, and as many of the names that start with
# it, first by name (hub.deltas.search.relevance_pool); the other sorts list every match.
RELEVANCE_POOL = 500
# What a listing shows of each delta: not its card, search vector or dictionary tags (large, and shown only on
# its own page), and of its namespace and backbone only their names.
LISTED_FIELDS = [
    *(f.name for f in Delta._meta.concrete_fields if f.name not in ("card", "search_vector", "dict_tags")),
    "namespace__name",
    "backbone__content_hash",
    "backbone__name",
    "backbone__name_is_shared",
]


@dataclass(frozen=True)
class Viewer:
    """Whose listing it is: the namespaces whose private deltas they may see (read once per request)."""

    namespace_ids: tuple = ()
    sees_everything: bool = False

    @classmethod
    def of(cls, user):
        if isinstance(user, Viewer):
            return user
        if user.is_authenticated and user.is_superuser:
            return cls(sees_everything=True)
        return cls(tuple(readable_namespace_ids(user)))

    def deltas(self):
        return Delta.objects.live() if self.sees_everything else Delta.objects.readable_in(self.namespace_ids)


@dataclass(frozen=True)
class Filters:
    """A listing's filters, parsed by hub.deltas.filters.DeltaFilter: only valid values are kept."""

    values: dict
    filterset: DeltaFilter | None = None

    @property
    def text(self):
        return (self.values.get("q") or "").strip()

    @property
    def active(self):
        return any(value not in (None, "", []) for value in self.values.values())

    def apply(self, queryset, text=True):
        """`queryset` filtered; without the full-text search `q` when not `text`."""
        if self.filterset is None:
            return queryset
        for name, value in self.filterset.form.cleaned_data.items():
            if text or name != "q":
                queryset = self.filterset.filters[name].filter(queryset, value)
        return queryset


NO_FILTERS = Filters({})


def parse_filters(params, strict=False):
    """The filters in `params` (a QueryDict or a dict). A bad value raises Invalid naming it when `strict`,
    else it is left out, as a page does with a hand-edited address."""
    if not any(name in params for name in DeltaFilter.base_filters):
        return NO_FILTERS  # most listings: no form to build
    filterset = DeltaFilter(params, queryset=Delta.objects.none())
    if not filterset.is_valid() and strict:
        raise invalid_from({name: [str(m) for m in messages] for name, messages in filterset.errors.items()})
    return Filters(filterset.form.cleaned_data, filterset)


@dataclass(frozen=True)
class Listing:
    rows: list
    sort: str
    next_cursor: str | None = None
    previous_cursor: str | None = None
    counts: FacetCounts | None = None


def list_deltas(user, filters, sort, cursor=None, limit=DEFAULT_LIMIT, with_counts=False):
    """One page of the deltas `user` may see that match `filters` (from parse_filters), in order `sort` (a key
    of SORTS), after the encoded `cursor` (None: the first page). Raises Invalid for a cursor it did not give."""
    viewer, sort = Viewer.of(user), _usable(sort, filters)
    position = decode_cursor(cursor, sort, SORTS[sort]) if cursor else None
    listing = _page(viewer, filters, sort, position, limit)
    return replace(listing, counts=count_facets(viewer, filters)) if with_counts else listing


def count_facets(user, filters):
    """The facet counts of the listing: exact from the kept counts when nothing is filtered, else counted over
    the matches up to a bound (hub.deltas.counting). Every sort lists the same deltas, so it counts alike."""
    viewer = Viewer.of(user)
    if not filters.active:
        return kept_counts(viewer.namespace_ids, viewer.sees_everything)
    return sampled_counts(_matching(viewer, filters))


def _usable(sort, filters):
    return DEFAULT_SORT if sort == "relevance" and not filters.text else sort


def _matching(viewer, filters):
    return filters.apply(viewer.deltas())


def _candidates(viewer, filters, sort):
    if sort != "relevance":
        return _matching(viewer, filters)
    search_text = filters.filterset.search_text(filters.text)
    pool = relevance_pool(filters.apply(viewer.deltas(), text=False), search_text, RELEVANCE_POOL)
    return Delta.objects.filter(pk__in=pool).annotate(rank=relevance(search_text))


def _page(viewer, filters, sort, position, limit):
    column = SORTS[sort]
    fetched = _fetch(_candidates(viewer, filters, sort), column, position, limit + 1)
    more, rows = len(fetched) > limit, fetched[:limit]
    if position is None or not position.backward:
        after = _cursor(sort, column, rows[-1]) if more else None
        before = _cursor(sort, column, rows[0], backward=True) if position is not None and rows else None
        return Listing(rows, sort, after, before)
    rows.reverse()
    if not more and len(rows) < limit:
        # Back at the start with rows gone since: show the first page whole.
        return _page(viewer, filters, sort, None, limit)
    after = _cursor(sort, column, rows[-1]) if rows else None
    return Listing(rows, sort, after, _cursor(sort, column, rows[0], backward=True) if more else None)


def _fetch(candidates, column, position, count):
    """`count` rows from `position` on, going back (nearest first) when it is a backward cursor."""
    listed = candidates.select_related("namespace", "backbone").only(*LISTED_FIELDS)
    backward = position is not None and position.backward
    if column in NULLABLE_KEYS:
        return _fetch_nulls_last(listed, column, position, backward, count)
    return list(_segment(listed, column, _key(position), backward, count))


def _key(position):
    return None if position is None else (position.value, position.pk)


def _segment(candidates, column, key, backward, count):
    """Rows in (column, pk) order, best first (or, `backward`, worst first), strictly past `key` if one is given."""
    if key is not None:
        output = FloatField() if column == "rank" else Delta._meta.get_field(column)
        values = [Value(key[0], output_field=output), Value(key[1])]
        candidates = candidates.filter(RowComparison([F(column), F("pk")], ">" if backward else "<", values))
    order = (column, "pk") if backward else (f"-{column}", "-pk")
    return candidates.order_by(*order)[: max(count, 0)]


def _fetch_nulls_last(candidates, column, position, backward, count):
    """The rows with a value, best first, then those without one, newest id first: a range scan on each part's
    partial index, the second only where the first ran out. A cursor in the part without values holds None."""
    valued = candidates.filter(**{f"{column}__isnull": False})
    unvalued = candidates.filter(**{f"{column}__isnull": True})
    in_nulls = position is not None and position.value is None
    if not backward:
        rows = [] if in_nulls else list(_segment(valued, column, _key(position), False, count))
        past = unvalued.filter(pk__lt=position.pk) if in_nulls else unvalued
        return rows + list(past.order_by("-pk")[: max(count - len(rows), 0)])
    if not in_nulls:
        return list(_segment(valued, column, _key(position), True, count))
    rows = list(unvalued.filter(pk__gt=position.pk).order_by("pk")[:count])
    return rows + list(_segment(valued, column, None, True, count - len(rows)))


def _cursor(sort, column, row, backward=False):
    return Cursor(sort, getattr(row, column), row.pk, backward).encode()
