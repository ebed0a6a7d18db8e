"""The browse page's selector: filter, sort, paginate and count facet values over what the viewer may see."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator

from hub.deltas.filters import DeltaFilter, apply_sort, sort_key
from hub.deltas.models import Delta
from hub.web.facets import count_facets

PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 24
FACET_LIMIT = 12
FACETS = (
    ("backbone", "Backbone"),
    ("delta_type", "Delta type"),
    ("task", "Task"),
    ("dataset", "Dataset"),
    ("tag", "Tags"),
    ("license", "License"),
)
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
    count: int
    active: bool = False


@dataclass
class Facet:
    param: str
    title: str
    values: list = field(default_factory=list)


@dataclass
class BrowseResult:
    page: object
    facets: list
    sort: str
    filter_form: object
    scored_count: int


def browse(user, params):
    visible = Delta.objects.visible_to(user)
    filterset = DeltaFilter(params, queryset=visible)
    sort = sort_key(params)
    # Sorting by score also drops unscored deltas, so counts are taken after sorting to match the list.
    listed = apply_sort(filterset.qs, sort)
    counts = count_facets(listed, FACET_LIMIT)
    paginator = Paginator(listed.select_related("namespace", "backbone"), page_size(params))
    paginator.count = counts.total  # already counted with the facets: saves a second scan
    return BrowseResult(
        page=paginator.get_page(params.get("page")),
        facets=[_facet(param, title, counts.by_facet.get(param, []), params) for param, title in FACETS],
        sort=sort,
        filter_form=filterset.form,
        scored_count=counts.scored,
    )


def page_size(params):
    try:
        size = int(params.get("per_page", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _facet(param, title, counts, params):
    chosen = set(params.getlist(param))
    values = [FacetValue(value, label, count, value in chosen) for value, label, count in counts]
    return Facet(param, title, values)
