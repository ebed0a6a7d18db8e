"""The bodies the delta endpoints accept, as serializers: they check shape and types and build domain values.

The OpenAPI schema is generated from these classes, so they are the API's contract. Rules that need the
database or settings (size limits, who may write where) stay in the service functions.
"""

import json
import math

from django.conf import settings
from rest_framework import serializers

from hub.core.validation import as_field_error
from hub.deltas.backbone_search import MAX_QUERY_LENGTH, MAX_RESULTS
from hub.deltas.filters import SORTS
from hub.deltas.listing import DEFAULT_LIMIT, MAX_LIMIT
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import SHA256_PATTERN, Delta
from hub.deltas.paths import validate_path
from hub.deltas.peft_code import DELTA_TYPES, MAX_PATTERNS, DeltaChoice
from hub.deltas.uploads import DeclaredFile

MAX_CARD_CHARS = 200_000
MAX_LIST_ITEMS = 50
MAX_JSON_FIELD_BYTES = 64 * 1024
BIGINT_MAX = 2**63 - 1


class Sha256Field(serializers.CharField):
    default_error_messages = {"invalid": "must be a sha256: 64 lowercase hexadecimal characters."}

    def __init__(self, **kwargs):
        super().__init__(max_length=64, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not SHA256_PATTERN.fullmatch(value):
            self.fail("invalid")
        return value


class TextListField(serializers.ListField):
    """A list of short strings (a single string counts as a list of one), stored sorted and deduplicated."""

    def __init__(self, item_length, **kwargs):
        child = serializers.CharField(max_length=item_length, allow_blank=False)
        super().__init__(child=child, max_length=MAX_LIST_ITEMS, required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value([data] if isinstance(data, str) else data)))


class JsonObjectField(serializers.DictField):
    """A JSON object of bounded size; `value_check` rejects values it does not accept."""

    def __init__(self, value_check=None, **kwargs):
        self.value_check = value_check
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(json.dumps(value, allow_nan=False, default=str)) > MAX_JSON_FIELD_BYTES:
            raise serializers.ValidationError(f"must be smaller than {MAX_JSON_FIELD_BYTES} bytes as JSON.")
        for key, item in value.items():
            if self.value_check is not None and not self.value_check(item):
                raise serializers.ValidationError(f"{key!r}: {self.value_check.__doc__}")
        return value


def _finite_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_metric_value(value):
    """must be a finite number, or an object of metric names to finite numbers (one suite's metrics)."""
    if isinstance(value, dict):
        return bool(value) and all(isinstance(k, str) and _finite_number(v) for k, v in value.items())
    return _finite_number(value)


def is_scalar(value):
    """must be a string, a finite number or a boolean."""
    return isinstance(value, str | bool) or _finite_number(value)


class DeclaredFileSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=255, trim_whitespace=False, help_text="Relative POSIX path.")
    size = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX, help_text="Bytes.")
    sha256 = Sha256Field(help_text="Hex sha256 of the file's bytes.")

    def validate_path(self, value):
        return as_field_error(validate_path, value)

    def validate(self, attrs):
        return DeclaredFile(**attrs)


class DeclaredFilesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=DeclaredFileSerializer(), min_length=1, **kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        if len(files) > settings.DELTACENTER_MAX_FILES:
            raise serializers.ValidationError(
                f"{len(files)} files; the limit is {settings.DELTACENTER_MAX_FILES}.", code="too_many_files"
            )
        paths = [f.path for f in files]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            raise serializers.ValidationError(f"{duplicates[0]!r} appears more than once.", code="duplicate_path")
        return files


class UploadPlanRequest(serializers.Serializer):
    files = DeclaredFilesField(help_text="Every file of the version: path, size and sha256.")

    def validate(self, attrs):
        return attrs["files"]


class UploadPartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField(min_value=1, max_value=10_000)
    etag = serializers.CharField(max_length=200)


class MultipartCompleteRequest(serializers.Serializer):
    sha256 = Sha256Field()
    upload_id = serializers.CharField(max_length=1024)
    parts = serializers.ListField(child=UploadPartSerializer(), min_length=1, max_length=10_000)


class SignPartsRequest(serializers.Serializer):
    """Presigned URLs for some parts of an open multipart upload, asked for as the client is about to send them."""

    sha256 = Sha256Field()
    upload_id = serializers.CharField(max_length=1024)
    part_numbers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10_000), min_length=1, max_length=1000
    )


class CommitRequest(serializers.Serializer):
    """A new version: its files (already uploaded) and the delta's descriptive metadata."""

    backbone = Sha256Field(help_text="Content hash of the backbone the delta was trained on.")
    files = DeclaredFilesField()
    delta_type = serializers.ChoiceField(Delta.DeltaType.choices, required=False, allow_null=True)
    task = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True)
    train_datasets = TextListField(200)
    test_datasets = TextListField(200)
    tags = TextListField(64)
    dict_tags = JsonObjectField(is_scalar)
    license = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    private = serializers.BooleanField(allow_null=True, default=None)
    card = serializers.CharField(max_length=MAX_CARD_CHARS, required=False, allow_null=True, allow_blank=True)
    commit_message = serializers.CharField(max_length=10_000, required=False, allow_null=True, allow_blank=True)
    claimed_metrics = JsonObjectField(
        is_metric_value, help_text='{"accuracy": 0.91} or per suite {"imdb-sentiment": {"accuracy": 0.91}}.'
    )
    training_args = JsonObjectField()

    def validate(self, attrs):
        files = attrs.pop("files")
        attrs["commit_message"] = attrs.get("commit_message") or ""
        attrs["claimed_metrics"] = attrs.get("claimed_metrics") or {}
        attrs["training_args"] = attrs.get("training_args") or {}
        return DeltaMetadata(**attrs), files


class BackboneRequest(serializers.Serializer):
    """Register a backbone by its hashes (see deltacenter.backbone_hash)."""

    content_hash = Sha256Field()
    structure_hash = Sha256Field()
    name = serializers.CharField(max_length=200, help_text="Display name, e.g. bert-base-uncased.")
    aliases = TextListField(200)
    architecture = serializers.CharField(max_length=100, required=False, allow_blank=True)
    model_type = serializers.CharField(max_length=50, required=False, allow_blank=True)
    config = JsonObjectField()
    num_parameters = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX, required=False)
    dtype = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate(self, attrs):
        return {key: value for key, value in attrs.items() if value is not None}


class BindBackboneRequest(serializers.Serializer):
    """Name the backbone of a delta that is unresolved or was matched by name."""

    content_hash = Sha256Field(help_text="Content hash of a registered backbone.")


class DeltaSettingsRequest(serializers.Serializer):
    """What an owner changes of a delta without a new version; a field left out stays as it is."""

    tags = TextListField(64, help_text="The delta's tags, replacing the ones it has.")
    private = serializers.BooleanField(
        allow_null=True, default=None, help_text="true: only its namespace's members can see it."
    )

    def validate(self, attrs):
        if attrs.get("tags") is None and attrs.get("private") is None:
            raise serializers.ValidationError("Give tags, private or both.", code="missing_field")
        return attrs


class BackboneFilesRequest(UploadPlanRequest):
    """The backbone's checkpoint files (config, safetensors weights, tokenizer), already uploaded."""


class ListingSortRequest(serializers.Serializer):
    """The order of a delta listing. Its filters are DeltaFilter's."""

    sort = serializers.ChoiceField(
        choices=list(SORTS),
        required=False,
        help_text="Newest first (recent) unless chosen; with q, best match (relevance) first. By score, the"
        " deltas without a verified score follow the scored ones.",
    )


class ListingRequest(ListingSortRequest):
    """Where a page of a delta listing starts, its length and order. Its filters are DeltaFilter's."""

    cursor = serializers.CharField(
        required=False, max_length=1024, help_text="The `next` or `previous` cursor of the page before."
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class BackboneSearchRequest(serializers.Serializer):
    """A backbone search: by the start of a name, an architecture or a content hash, or an exact alias."""

    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        allow_blank=True,
        default="",
        help_text="A name, architecture or content hash (or its start).",
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_RESULTS, default=20)


class DeltaCodeRequest(serializers.Serializer):
    """What delta to write code for: its kind, the modules it changes (patterns: dotted paths whose segments may
    be a range of layer numbers such as `0–11`, or `*`), and its size."""

    delta_type = serializers.ChoiceField(choices=list(DELTA_TYPES))
    target = serializers.ListField(
        child=serializers.CharField(max_length=512, allow_blank=True),
        max_length=MAX_PATTERNS,
        default=list,
        help_text="Modules the delta changes, with everything below them; an empty pattern is the whole model.",
    )
    frozen = serializers.ListField(
        child=serializers.CharField(max_length=512, allow_blank=True),
        max_length=MAX_PATTERNS,
        default=list,
        help_text="Modules left alone even below a target; the longest pattern decides.",
    )
    r = serializers.IntegerField(min_value=1, max_value=4096, default=8, help_text="LoRA rank.")
    alpha = serializers.IntegerField(min_value=1, max_value=65536, default=16, help_text="LoRA alpha.")
    num_virtual_tokens = serializers.IntegerField(min_value=1, max_value=1024, default=20, help_text="Prefix length.")


def delta_choice(data: dict) -> DeltaChoice:
    """The DeltaChoice a validated DeltaCodeRequest stands for."""
    return DeltaChoice(
        delta_type=data["delta_type"],
        targets=tuple(data["target"]),
        frozen=tuple(data["frozen"]),
        r=data["r"],
        alpha=data["alpha"],
        num_virtual_tokens=data["num_virtual_tokens"],
    )
