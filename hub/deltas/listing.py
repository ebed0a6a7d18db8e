"""The one path every delta listing takes: the browse page, the REST list and its facet counts, the command line.

`list_deltas(user, filters, sort, cursor)` keeps to what the viewer may see, applies the filters, and returns
one keyset page with the cursors of the pages before and after it (and, on request, the facet counts). Its
cost does not grow with the table, the page's depth, or the number of facet values.
"""

from dataclasses import dataclass, field, replace

from hub.accounts.namespaces import readable_namespace_ids
from hub.core.validation import invalid_from
from hub.deltas.counting import FacetCounts, kept_counts, sampled_counts
from hub.deltas.filters import CONDITIONS, DEFAULT_SORT, SORTS, DeltaFilter
from hub.deltas.keyset import NULLABLE_KEYS, Cursor, decode_cursor
from hub.deltas.listing_query import Source, Where, page, readable, relevance, relevance_pool, search_parts
from hub.deltas.search import SearchText

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Relevance ranks this many of the newest matches of a search's words, and as many of the names that start with
# it, first by name (hub.deltas.listing_query.relevance_pool); the other sorts list every match.
RELEVANCE_POOL = 500


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

    def where(self):
        return readable(self.namespace_ids, self.sees_everything)


@dataclass(frozen=True)
class Filters:
    """A listing's filters, parsed by parse_filters: only valid values are kept. What it looks up to apply them
    (the backbones a search names, say) is looked up once, for the page and its counts alike."""

    values: dict
    looked_up: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def text(self):
        return (self.values.get("q") or "").strip()

    @property
    def active(self):
        return any(value not in (None, "", []) for value in self.values.values())

    def once(self, key, look_up, value):
        """look_up(value), called once for the listing."""
        if key not in self.looked_up:
            self.looked_up[key] = look_up(value)
        return self.looked_up[key]

    def search_text(self):
        return self.once("q", SearchText.of, self.text)

    def where(self, readable_where, text=True):
        """`readable_where` and the filters' conditions; without the full-text search `q` when not `text`."""
        where = readable_where
        for name, value in self.values.items():
            if value not in (None, "", []) and (text or name != "q"):
                where = where.and_(*CONDITIONS[name](self, value))
        return where


NO_FILTERS = Filters({})


def parse_filters(params, strict=False):
    """The filters in `params` (a QueryDict or a dict). A bad value raises Invalid naming it when `strict`,
    else it is left out, as a page does with a hand-edited address."""
    if not any(name in params for name in DeltaFilter.base_filters):
        return NO_FILTERS  # most listings: no form to build
    values, errors = DeltaFilter.clean(params)
    if errors and strict:
        raise invalid_from(errors)
    return Filters(values)


@dataclass(frozen=True)
class Listing:
    rows: list  # of hub.deltas.listing_query.ListedDelta
    sort: str
    next_cursor: str | None = None
    previous_cursor: str | None = None
    counts: FacetCounts | None = None


def list_deltas(user, filters, sort, cursor=None, limit=DEFAULT_LIMIT, with_counts=False):
    """One page of the deltas `user` may see that match `filters` (from parse_filters), in order `sort` (a key
    of SORTS), after the encoded `cursor` (None: the first page). Raises Invalid for a cursor it did not give."""
    viewer, sort = Viewer.of(user), _usable(sort, filters)
    position = decode_cursor(cursor, sort, SORTS[sort]) if cursor else None
    listing = _page(_source(viewer, filters, sort), sort, position, limit)
    return replace(listing, counts=count_facets(viewer, filters)) if with_counts else listing


def count_facets(user, filters):
    """The facet counts of the listing: exact from the kept counts when nothing is filtered, else counted over
    the matches up to a bound (hub.deltas.counting). Every sort lists the same deltas, so it counts alike."""
    viewer = Viewer.of(user)
    if not filters.active:
        return kept_counts(viewer.namespace_ids, viewer.sees_everything)
    where = filters.where(viewer.where(), text=False)
    return sampled_counts(search_parts(where, filters.search_text()) if filters.text else [where])


def _usable(sort, filters):
    return DEFAULT_SORT if sort == "relevance" and not filters.text else sort


def _source(viewer, filters, sort):
    if sort != "relevance":
        return Source(filters.where(viewer.where()), (f"d.{SORTS[sort]}", []))
    search_text = filters.search_text()
    pool = relevance_pool(filters.where(viewer.where(), text=False), search_text, RELEVANCE_POOL)
    return Source(Where(), relevance(search_text), ranked_ids=pool)


def _page(source, sort, position, limit):
    fetched = _fetch(source, SORTS[sort], position, limit + 1)
    more, rows = len(fetched) > limit, fetched[:limit]
    if position is None or not position.backward:
        after = _cursor(sort, rows[-1]) if more else None
        before = _cursor(sort, rows[0], backward=True) if position is not None and rows else None
        return Listing(rows, sort, after, before)
    rows.reverse()
    if not more and len(rows) < limit:
        # Back at the start with rows gone since: show the first page whole.
        return _page(source, sort, None, limit)
    after = _cursor(sort, rows[-1]) if rows else None
    return Listing(rows, sort, after, _cursor(sort, rows[0], backward=True) if more else None)


def _fetch(source, column, position, count):
    """`count` rows from `position` on, going back (nearest first) when it is a backward cursor."""
    backward = position is not None and position.backward
    if column in NULLABLE_KEYS:
        return _fetch_nulls_last(source, column, position, backward, count)
    return page(source, _key(position), backward, count)


def _key(position):
    return None if position is None else (position.value, position.pk)


def _fetch_nulls_last(source, column, position, backward, count):
    """The rows with a value, best first, then those without one, newest id first: a range scan on each part's
    partial index, the second only where the first ran out. A cursor in the part without values holds None."""
    in_nulls = position is not None and position.value is None
    if not backward:
        rows = [] if in_nulls else page(source, _key(position), False, count, valued_only=True)
        return rows + _unvalued(source, column, position if in_nulls else None, False, count - len(rows))
    if not in_nulls:
        return page(source, _key(position), True, count, valued_only=True)
    rows = _unvalued(source, column, position, True, count)
    return rows + page(source, None, True, count - len(rows), valued_only=True)


def _unvalued(source, column, position, backward, count):
    """The rows of `source` without a value in `column`, by id, past `position` (None: from the newest)."""
    where = source.where.and_(f"d.{column} IS NULL")
    if position is not None:
        where = where.and_(f"d.id {'>' if backward else '<'} %s", [position.pk])
    rows = page(replace(source, where=where, key=("d.id", [])), None, backward, count)
    return [row._replace(sort_key=None) for row in rows]


def _cursor(sort, row, backward=False):
    return Cursor(sort, row.sort_key, row.id, backward).encode()
