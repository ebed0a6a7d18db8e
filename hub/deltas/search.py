"""Search: full text over a delta's name, tags, datasets and card, the start of its name, and its backbone."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Collate, Lower
from django.db.models.lookups import StartsWith

from hub.accounts.names import MAX_NAME_LENGTH
from hub.deltas.backbone_search import backbone_ids_for_search
from hub.deltas.models import Delta

CONFIG = "simple"
# What could begin a delta name (hub.accounts.names): such a search also matches names by their start.
_NAME_PREFIX = re.compile(r"[a-z0-9][a-z0-9._-]*")


def refresh_search_vector(delta):
    words = " ".join([delta.namespace.name, delta.name, delta.task, *delta.tags])
    datasets = " ".join([*delta.train_datasets, *delta.test_datasets])
    vector = (
        SearchVector(Value(words), weight="A", config=CONFIG)
        + SearchVector(Value(datasets), weight="B", config=CONFIG)
        + SearchVector(Value(delta.card), weight="C", config=CONFIG)
    )
    Delta.objects.filter(pk=delta.pk).update(search_vector=vector)


def _query(text):
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def name_prefix(text):
    """`text` lowercased when it could be the start of a delta name, else None."""
    text = text.strip().lower()
    return text if len(text) <= MAX_NAME_LENGTH and _NAME_PREFIX.fullmatch(text) else None


@dataclass(frozen=True)
class SearchText:
    """A search as typed, with what it names worked out once: the start of a name it could be (or None), and the
    backbones it names (its name, an alias, or its content hash whole or by its start)."""

    text: str
    prefix: str | None
    backbones: tuple

    @classmethod
    def of(cls, text):
        return cls(text, name_prefix(text), tuple(backbone_ids_for_search(text)))


def name_key():
    """LOWER(name) in byte order: the delta_name_key_idx index holds it, both to find the names that start with a
    text (LIKE 'prefix%' is a range of it) and to list them in order."""
    return Collate(Lower("name"), "C")


def _starts_name(prefix):
    return StartsWith(name_key(), prefix)


def _words_or_backbone(search_text):
    condition = Q(search_vector=_query(search_text.text))
    return condition | Q(backbone_id__in=search_text.backbones) if search_text.backbones else condition


def search(queryset, search_text):
    """Deltas whose words match the SearchText (web search syntax), or whose name starts with it, or whose
    backbone it names."""
    condition = _words_or_backbone(search_text)
    if search_text.prefix:
        condition |= Q(_starts_name(search_text.prefix))
    return queryset.filter(condition)


def relevance_pool(queryset, search_text, size):
    """The ids of the deltas of `queryset` that relevance ranks for the SearchText (those `search` finds), `size`
    of each kind at most: the newest whose words or backbone match, and the first by name among those whose name
    starts with the text. A common word matches much of a large catalogue and ranking reads every candidate's
    search vector, so only these are ranked. Each part is read in the order of an index, up to `size` rows."""
    words = queryset.filter(_words_or_backbone(search_text)).order_by("-created_at", "-id").values("pk")[:size]
    if search_text.prefix is None:
        return words
    names = queryset.filter(_starts_name(search_text.prefix)).order_by(name_key()).values("pk")[:size]
    return words.union(names, all=True)


def relevance(search_text):
    """How well a delta matches the SearchText: the weighted full-text rank, plus a half when it is on a backbone
    the text names, plus one when its name starts with the text.

    A double precision value, so a cursor can carry it exactly (ts_rank itself is a real).
    """
    # F(): a bare string would make Django re-parse the stored vector as text, losing its weights.
    rank = Cast(SearchRank(F("search_vector"), _query(search_text.text)), FloatField())
    if search_text.backbones:
        rank = rank + Case(When(backbone_id__in=search_text.backbones, then=Value(0.5)), default=Value(0.0))
    if search_text.prefix is None:
        return rank
    return rank + Case(When(_starts_name(search_text.prefix), then=Value(1.0)), default=Value(0.0))
