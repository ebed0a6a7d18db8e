"""The filters of delta listings, shared by the API and the browser pages: the parameters, and what each keeps."""

import django_filters
from django.core.exceptions import ValidationError
from django.db import connection

from hub.accounts.models import Namespace
from hub.deltas.listing_query import any_of, holds, matches, same_text
from hub.deltas.models import Backbone, Delta


class DeltaFilter(django_filters.FilterSet):
    """The listing's parameters: their validation and their description in the OpenAPI schema. What each keeps
    is its entry in CONDITIONS, in SQL (hub.deltas.listing_query)."""

    backbone = django_filters.CharFilter(label="Backbone hash or name")
    delta_type = django_filters.MultipleChoiceFilter(choices=Delta.DeltaType.choices)
    task = django_filters.CharFilter(label="Task (any case)")
    dataset = django_filters.CharFilter(label="Train or test dataset")
    tag = django_filters.CharFilter()
    author = django_filters.CharFilter(label="Namespace (user or organisation)")
    license = django_filters.CharFilter(label="License (any case)")
    validation = django_filters.MultipleChoiceFilter(choices=Delta.Validation.choices, label="Validation outcome")
    q = django_filters.CharFilter(label="Full-text search")

    class Meta:
        model = Delta
        fields = []

    @classmethod
    def clean(cls, params):
        """(the valid values of `params` by name, the errors of the others by name). A form would do this, but
        it deep-copies its fields on every request; the fields themselves keep no state, so they are built once
        and shared."""
        if "_form_fields" not in cls.__dict__:
            cls._form_fields = cls(queryset=Delta.objects.none()).get_form_class().base_fields
        values, errors = {}, {}
        for name, form_field in cls._form_fields.items():
            try:
                values[name] = form_field.clean(form_field.widget.value_from_datadict(params, {}, name))
            except ValidationError as error:
                errors[name] = error.messages
        return values, errors


# Backbones and authors are looked up first, in their own small tables, once per listing: the listing's
# statement then holds literal ids, whose frequency Postgres's statistics know, so a rare backbone is read
# through its index instead of by walking the sort order until enough rows match.
def backbone_ids(value):
    value = value.strip()
    # A name several backbones share names none of them: such a backbone is chosen by its hash.
    matching = Backbone.objects.filter(content_hash=value.lower()) | Backbone.objects.named(value).filter(
        name_is_shared=False
    )
    return list(matching.values_list("pk", flat=True))


def namespace_ids(value):
    # LOWER(name) = LOWER(value): the namespace names' case-insensitive unique index answers it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Namespace._meta.db_table} WHERE LOWER(name) = LOWER(%s)", [value])
        return [pk for (pk,) in cursor.fetchall()]


# What each filter keeps: parameter -> function of (the listing's Filters, the value) giving (SQL, params).
CONDITIONS = {
    "backbone": lambda filters, value: any_of("backbone_id", filters.once("backbone", backbone_ids, value), "bigint"),
    "delta_type": lambda filters, values: any_of("delta_type", values),
    "task": lambda filters, value: same_text("task", value),
    "dataset": lambda filters, value: holds(("train_datasets", "test_datasets"), value),
    "tag": lambda filters, value: holds(("tags",), value),
    "author": lambda filters, value: any_of("namespace_id", filters.once("author", namespace_ids, value), "bigint"),
    "license": lambda filters, value: same_text("license", value),
    "validation": lambda filters, values: any_of("validation_state", values),
    "q": lambda filters, value: matches(filters.search_text()),
}

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
