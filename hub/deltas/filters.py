"""Filters for delta listings, shared by the API and the browser pages."""

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Lower

from hub.accounts.models import Namespace
from hub.deltas.models import Backbone, Delta
from hub.deltas.search import SearchText, search


class DeltaFilter(django_filters.FilterSet):
    backbone = django_filters.CharFilter(method="filter_backbone", label="Backbone hash or name")
    delta_type = django_filters.MultipleChoiceFilter(choices=Delta.DeltaType.choices, distinct=False)
    task = django_filters.CharFilter(field_name="task", lookup_expr="iexact")
    dataset = django_filters.CharFilter(method="filter_dataset", label="Train or test dataset")
    tag = django_filters.CharFilter(method="filter_tag")
    author = django_filters.CharFilter(method="filter_author", label="Namespace (user or organisation)")
    license = django_filters.CharFilter(field_name="license", lookup_expr="iexact")
    validation = django_filters.MultipleChoiceFilter(
        field_name="validation_state", choices=Delta.Validation.choices, distinct=False, label="Validation outcome"
    )
    q = django_filters.CharFilter(method="filter_search", label="Full-text search")

    class Meta:
        model = Delta
        fields = []

    def get_form_class(self):
        # The form's fields never change: build its class once, not on every request.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    # Backbones and authors are looked up first, in their own small tables, once per listing: the listing's
    # query then holds literal ids, whose frequency Postgres's statistics know, so a rare backbone is read
    # through its index instead of by walking the sort order until enough rows match.
    def filter_backbone(self, queryset, name, value):
        value = value.strip()
        # A name several backbones share names none of them: such a backbone is chosen by its hash.
        matches = Backbone.objects.filter(content_hash=value.lower()) | Backbone.objects.named(value).filter(
            name_is_shared=False
        )
        return queryset.filter(backbone__in=self._ids(name, matches))

    def filter_author(self, queryset, name, value):
        # LOWER(name) = LOWER(value): the namespace names' case-insensitive unique index answers it.
        namespaces = Namespace.objects.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(value)))
        return queryset.filter(namespace__in=self._ids(name, namespaces))

    def _ids(self, name, queryset):
        return self._once(name, lambda: list(queryset.values_list("pk", flat=True)))

    def _once(self, key, look_up):
        looked_up = self.__dict__.setdefault("_looked_up", {})
        if key not in looked_up:
            looked_up[key] = look_up()
        return looked_up[key]

    def search_text(self, value):
        """The search `value` with the backbones it names, looked up once for the listing, its page and counts."""
        value = value.strip()
        return self._once(("q", value), lambda: SearchText.of(value))

    def filter_dataset(self, queryset, name, value):
        return queryset.filter(Q(train_datasets__contains=[value]) | Q(test_datasets__contains=[value]))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])

    def filter_search(self, queryset, name, value):
        return search(queryset, self.search_text(value)) if value.strip() else queryset


# Every listing sorts newest, biggest or best first, then by id: (column, id) is a strict order a keyset
# cursor can resume from. The column is a Delta field, or "rank", the relevance of a full-text query.
SORTS = {
    "recent": "created_at",
    "updated": "updated_at",
    "downloads": "downloads_count",
    "likes": "likes_count",
    "score": "verified_rank",  # turned so higher is better; deltas without a score follow the scored ones
    "relevance": "rank",  # only with a full-text query
}
DEFAULT_SORT = "recent"


def sort_key(request_params):
    """The chosen sort; with a search and no sort chosen, the best matches come first."""
    searching = bool((request_params.get("q") or "").strip())
    value = request_params.get("sort") or ("relevance" if searching else DEFAULT_SORT)
    if value not in SORTS or (value == "relevance" and not searching):
        return DEFAULT_SORT
    return value
