"""Finding backbones: by the start of a name (or of its part after the last "/"), an architecture or a content
hash, or by an exact alias. Every condition is answered by an index of its own (hub.deltas.models), and a search
returns a bounded number of rows, so typing in a picker stays cheap however many backbones there are."""

import re
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact, StartsWith

from hub.deltas.models import Backbone, Delta, name_basename

MAX_RESULTS = 50
MAX_QUERY_LENGTH = 200
# A content hash is typed whole or by its start; four characters are the least a person would type.
HASH_PREFIX = re.compile(r"[0-9a-f]{4,64}")


def search_backbones(user, text: str, limit: int = 20) -> list[Backbone]:
    """Backbones `user` may see that match `text`, an exact name first, each with its `delta_count` (the deltas
    on it `user` may see) and its registrant."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    if not text:
        return []
    lowered = text.lower()
    found = (
        Backbone.objects.visible_to(user)
        .filter(_matches(text))
        .order_by(_exact_first(lowered), Lower("name"), "-created_at", "-id")
    )
    return list(with_details(found, user)[: max(1, min(limit, MAX_RESULTS))])


def _matches(text: str) -> Q:
    lowered = text.lower()
    condition = (
        Q(StartsWith(Lower("name"), lowered))
        | Q(StartsWith(name_basename(), lowered))
        | Q(StartsWith(Lower("architecture"), lowered))
        | Q(aliases__contains=[text])
    )
    if HASH_PREFIX.fullmatch(lowered):
        condition |= Q(content_hash__startswith=lowered)
    return condition


def _exact_first(lowered: str) -> Case:
    return Case(When(Q(content_hash=lowered) | Q(_same_name(lowered)), then=Value(0)), default=Value(1))


def _same_name(lowered: str) -> Exact:
    # LOWER(name) = 'x': the backbone_name_ci_idx index answers it (name__iexact would compare UPPER()s).
    return Exact(Lower("name"), lowered)


def with_details(backbones: QuerySet, user) -> QuerySet:
    """`backbones` with what tells same-named ones apart: who registered each, and how many deltas it has; without
    their module paths and tensor shapes (large, read only by the pages that draw or generate from them)."""
    visible = Delta.objects.visible_to(user).filter(backbone=OuterRef("pk")).order_by().values("backbone")
    count = visible.annotate(total=Count("*")).values("total")
    return (
        backbones.defer(*Backbone.LAYOUT_FIELDS)
        .select_related("registered_by")
        .annotate(delta_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)))
    )


@dataclass(frozen=True)
class BackbonePage:
    backbones: list[Backbone]
    older: int | None  # the id the next page starts below, if there is one


def list_backbones(user, before: int | None = None, limit: int = MAX_RESULTS) -> BackbonePage:
    """The backbones `user` may see, newest registration first, a page at a time: the page after `before` (an id
    a previous page gave) is found through the primary key's index, however deep it is."""
    found = Backbone.objects.visible_to(user).order_by("-id")
    if before is not None:
        found = found.filter(id__lt=before)
    rows = list(with_details(found, user)[: limit + 1])
    return BackbonePage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def backbone_ids_for_search(text: str) -> list[int]:
    """Backbones a delta search for `text` also finds deltas on: its exact name or alias (any letter case for the
    name), or its content hash, whole or a start of at least seven characters (as short as a git commit's)."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    lowered = text.lower()
    if not text:
        return []
    found = Backbone.objects.named(text)
    if len(lowered) >= 7 and HASH_PREFIX.fullmatch(lowered):
        found |= Backbone.objects.filter(content_hash__startswith=lowered)
    return list(found.values_list("pk", flat=True)[:100])
