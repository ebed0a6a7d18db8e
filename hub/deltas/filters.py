"""Filters for delta listings, shared by the API and the browser pages."""

import django_filters
from django.db.models import Q

from hub.deltas.models import Delta
from hub.deltas.search import search


class DeltaFilter(django_filters.FilterSet):
    backbone = django_filters.CharFilter(method="filter_backbone", label="Backbone hash or name")
    delta_type = django_filters.MultipleChoiceFilter(choices=Delta.DeltaType.choices, distinct=False)
    task = django_filters.CharFilter(field_name="task", lookup_expr="iexact")
    dataset = django_filters.CharFilter(method="filter_dataset", label="Train or test dataset")
    tag = django_filters.CharFilter(method="filter_tag")
    author = django_filters.CharFilter(field_name="namespace__name", lookup_expr="iexact")
    license = django_filters.CharFilter(field_name="license", lookup_expr="iexact")
    validation = django_filters.MultipleChoiceFilter(
        field_name="validation_state", choices=Delta.Validation.choices, distinct=False, label="Validation outcome"
    )
    q = django_filters.CharFilter(method="filter_search", label="Full-text search")

    class Meta:
        model = Delta
        fields = []

    def filter_backbone(self, queryset, name, value):
        value = value.strip()
        # A name several backbones share names none of them: such a backbone is chosen by its hash.
        return queryset.filter(
            Q(backbone__content_hash=value.lower())
            | Q(backbone__name__iexact=value, backbone__name_is_shared=False)
            | Q(backbone__aliases__contains=[value], backbone__name_is_shared=False)
        )

    def filter_dataset(self, queryset, name, value):
        return queryset.filter(Q(train_datasets__contains=[value]) | Q(test_datasets__contains=[value]))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])

    def filter_search(self, queryset, name, value):
        return search(queryset, value) if value.strip() else queryset


SORTS = {
    "recent": ("-created_at", "-id"),
    "updated": ("-updated_at", "-id"),
    "downloads": ("-downloads_count", "-id"),
    "likes": ("-likes_count", "-id"),
    "score": ("-verified_rank", "-id"),
    "relevance": ("-rank", "-id"),  # only with a full-text query, which annotates the rank
}
DEFAULT_SORT = "recent"


def sort_key(request_params):
    """The chosen sort; with a search and no sort chosen, the best matches come first."""
    searching = bool((request_params.get("q") or "").strip())
    value = request_params.get("sort") or ("relevance" if searching else DEFAULT_SORT)
    if value not in SORTS or (value == "relevance" and not searching):
        return DEFAULT_SORT
    return value


def apply_sort(queryset, key):
    if key == "score":
        # Only scored deltas have a verified score to rank by, turned so that higher is better whatever the metric.
        queryset = queryset.filter(verified_rank__isnull=False)
    return queryset.order_by(*SORTS[key])
