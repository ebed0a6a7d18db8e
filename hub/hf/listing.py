"""GET /api/models: the delta listing in the terms list_models speaks (search, author, filter, sort, limit)."""

import base64
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict

from hub.core.errors import Invalid
from hub.deltas.filters import DeltaFilter
from hub.deltas.models import Delta

SORT_FIELDS = {"downloads": "downloads_count", "likes": "likes_count", "createdAt": "created_at",
               "lastModified": "updated_at", "trendingScore": "downloads_count", "id": "id"}  # fmt: skip
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@dataclass
class ModelPage:
    rows: list
    next_query: str | None


def list_models(user, params: QueryDict) -> ModelPage:
    deltas = Delta.objects.visible_to(user).select_related("namespace", "backbone").defer("search_vector")
    deltas = DeltaFilter(_filter_params(params), queryset=deltas).qs
    for value in params.getlist("filter"):
        deltas = deltas.filter(_tag_filter(value))
    field = SORT_FIELDS.get(params.get("sort") or "createdAt")
    if field is None:
        raise Invalid("invalid_field", f"sort: use one of {', '.join(SORT_FIELDS)}.", field="sort")
    descending = params.get("direction", "-1") != "1"
    limit = _limit(params.get("limit"))
    ordering = (f"-{field}", "-id") if descending else (field, "id")
    after = _decode_cursor(params.get("cursor"))
    if after is not None:
        deltas = deltas.filter(_after(field, after, descending))
    rows = list(deltas.order_by(*ordering)[: limit + 1])
    if len(rows) <= limit:
        return ModelPage(rows, None)
    rows = rows[:limit]
    query = params.copy()
    query["cursor"] = _encode_cursor(rows[-1], field)
    return ModelPage(rows, query.urlencode())


def _filter_params(params):
    mapped = QueryDict(mutable=True)
    if params.get("search"):
        mapped["q"] = params["search"]
    if params.get("author"):
        mapped["author"] = params["author"]
    return mapped


def _tag_filter(value: str) -> Q:
    kind, _, name = value.partition(":")
    if kind == "dataset" and name:
        return Q(train_datasets__contains=[name]) | Q(test_datasets__contains=[name])
    if kind == "base_model" and name:
        name = name.removeprefix("adapter:")
        return Q(backbone__content_hash=name.lower()) | Q(backbone__name__iexact=name)
    if kind == "license" and name:
        return Q(license__iexact=name)
    return Q(tags__contains=[value]) | Q(delta_type=value.lower())


def _limit(value):
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 0 < int(value) <= MAX_LIMIT:
        raise Invalid("invalid_field", f"limit: a number from 1 to {MAX_LIMIT}.", field="limit")
    return int(value)


def _encode_cursor(delta, field):
    value = getattr(delta, field)
    value = value.isoformat() if hasattr(value, "isoformat") else value
    return base64.urlsafe_b64encode(json.dumps([value, delta.pk]).encode()).decode()


def _decode_cursor(cursor):
    if not cursor:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise Invalid("invalid_field", "cursor: pass the cursor of a Link header unchanged.", field="cursor") from None
    if not isinstance(pk, int) or isinstance(value, (dict, list)):
        raise Invalid("invalid_field", "cursor: pass the cursor of a Link header unchanged.", field="cursor")
    return value, pk


def _after(field, after, descending):
    value, pk = after
    try:
        value = Delta._meta.get_field(field).to_python(value)
    except ValidationError:
        raise Invalid("invalid_field", "cursor: pass the cursor of a Link header unchanged.", field="cursor") from None
    if descending:
        return Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": pk})
    return Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": pk})
