"""GET /api/models: the delta listing (hub.deltas.listing, as the page and /api/deltas use it) in the terms
huggingface_hub's list_models speaks: search, author, filter, sort, limit, and Link pagination."""

from dataclasses import dataclass

from django.http import QueryDict

from hub.core.errors import Invalid
from hub.deltas.listing import MAX_LIMIT, list_deltas, parse_filters
from hub.deltas.listing_query import as_delta

SORTS = {"downloads": "downloads", "likes": "likes", "createdAt": "recent", "created_at": "recent",
         "lastModified": "updated", "last_modified": "updated", "trendingScore": "downloads"}  # fmt: skip
# list_models' `filter` values, "kind:value" or a bare tag, as the listing's filters.
FILTER_KINDS = {"dataset": "dataset", "base_model": "backbone", "license": "license"}


@dataclass
class ModelPage:
    rows: list
    next_query: str | None


def list_models(user, params: QueryDict) -> ModelPage:
    sort = SORTS.get(params.get("sort") or "createdAt")
    if sort is None:
        raise Invalid("invalid_field", f"sort: use one of {', '.join(SORTS)}.", field="sort")
    if params.get("direction", "-1") not in ("-1", ""):
        raise Invalid("invalid_field", "direction: listings run newest, largest or best first (-1).", field="direction")
    filters = parse_filters(_listing_params(params), strict=True)
    limit = _limit(params.get("limit"))
    listing = list_deltas(user, filters, "relevance" if params.get("search") and not params.get("sort") else sort,
                          params.get("cursor") or None, limit)  # fmt: skip
    deltas = [as_delta(row) for row in listing.rows]
    if listing.next_cursor is None:
        return ModelPage(deltas, None)
    query = params.copy()
    query["cursor"] = listing.next_cursor
    return ModelPage(deltas, query.urlencode())


def _listing_params(params):
    mapped = {"q": params.get("search") or "", "author": params.get("author") or ""}
    for value in params.getlist("filter"):
        kind, _, name = value.partition(":")
        if kind in FILTER_KINDS and name:
            mapped[FILTER_KINDS[kind]] = name.removeprefix("adapter:") if kind == "base_model" else name
        elif value.lower() in ("lora", "adapter", "prefix", "prompt", "bitfit", "ia3", "compacter", "other"):
            mapped.setdefault("delta_type", []).append(value.lower())
        else:
            mapped["tag"] = value
    return {key: value for key, value in mapped.items() if value}


def _limit(value):
    """The page size: huggingface_hub follows the Link header for more, so a page holds at most MAX_LIMIT."""
    if value is None:
        return MAX_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise Invalid("invalid_field", "limit: a positive number.", field="limit")
    return min(int(value), MAX_LIMIT)
