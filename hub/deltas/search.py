"""Search: full text over a delta's name, tags, datasets and card, the start of its name, and its backbone.

This module keeps each delta's search vector and reads what a search names; the listing's SQL matches and ranks
(hub.deltas.listing_query)."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchVector
from django.db.models import Value

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
