"""Full-text search over a delta's name, tags, datasets and card."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, Value

from hub.deltas.models import Delta

CONFIG = "simple"


def refresh_search_vector(delta):
    words = " ".join([delta.namespace.name, delta.name, delta.task, *delta.tags])
    datasets = " ".join([*delta.train_datasets, *delta.test_datasets])
    vector = (
        SearchVector(Value(words), weight="A", config=CONFIG)
        + SearchVector(Value(datasets), weight="B", config=CONFIG)
        + SearchVector(Value(delta.card), weight="C", config=CONFIG)
    )
    Delta.objects.filter(pk=delta.pk).update(search_vector=vector)


def search(queryset, text):
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    # F(): a bare string would make Django re-parse the stored vector as text, losing its weights.
    return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
