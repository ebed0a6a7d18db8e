"""The browse page: the shared delta listing (hub.deltas.listing) with the page's sizes, facets and links."""

from dataclasses import dataclass, field

from hub.core.errors import Invalid
from hub.deltas.counting import Count
from hub.deltas.facets import FACETS
from hub.deltas.filters import sort_key
from hub.deltas.listing import RELEVANCE_POOL, list_deltas, parse_filters

PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 24
# Facets the page shows as one on/off switch rather than a list of values: facet -> the value switched on.
SWITCHES = {"validation": "scored"}
SORT_CHOICES = (
    ("relevance", "Best match"),
    ("recent", "Newest"),
    ("downloads", "Most downloaded"),
    ("likes", "Most liked"),
    ("score", "Verified score"),
)


@dataclass
class FacetValue:
    value: str
    label: str
    count: Count
    active: bool = False
    url: str = ""


@dataclass
class Facet:
    param: str
    title: str
    values: list = field(default_factory=list)


@dataclass
class BrowseResult:
    listing: object  # hub.deltas.listing.Listing
    facets: list
    sort: str
    per_page: int
    total: Count
    scored_count: Count

    @property
    def ranks_a_subset(self):
        """Relevance ranks a pool of RELEVANCE_POOL matches of each kind; are there more matches than that?"""
        return self.sort == "relevance" and (not self.total.exact or self.total.n > RELEVANCE_POOL)


def browse(user, params):
    filters = parse_filters(params)
    sort = sort_key(params)
    per_page = page_size(params)
    try:
        listing = list_deltas(user, filters, sort, params.get("cursor") or None, per_page, with_counts=True)
    except Invalid:  # a cursor of another sort, or a hand-edited one: start again at the first page
        listing = list_deltas(user, filters, sort, None, per_page, with_counts=True)
    counts = listing.counts
    facets = [_facet(f.param, f.title, counts.facets[f.param], params) for f in FACETS if f.param not in SWITCHES]
    scored = counts.count_of("validation", SWITCHES["validation"]) or Count(0, counts.total.exact)
    return BrowseResult(listing, facets, sort, per_page, counts.total, scored)


def page_size(params):
    try:
        size = int(params.get("per_page", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _facet(param, title, counted, params):
    chosen = set(params.getlist(param))
    return Facet(param, title, [FacetValue(v.value, v.label, v.count, v.value in chosen) for v in counted])
