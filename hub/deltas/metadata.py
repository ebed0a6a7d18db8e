"""The descriptive part of a push: delta type, task, datasets, tags, card, metrics."""

import json
from dataclasses import dataclass, field

from hub.core.errors import ApiError
from hub.deltas.models import Delta, is_sha256

MAX_CARD_CHARS = 200_000
MAX_LIST_ITEMS = 50
MAX_JSON_FIELD_BYTES = 64 * 1024
# Fields stored on the repository; None means "not given, keep what is there".
REPO_FIELDS = (
    "delta_type",
    "task",
    "train_datasets",
    "test_datasets",
    "tags",
    "dict_tags",
    "license",
    "private",
    "card",
)


def _fail(name, message):
    raise ApiError("invalid_field", f"{name}: {message}")


def _text(payload, name, limit):
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        _fail(name, f"must be text of at most {limit} characters.")
    return value.strip()


def _text_list(payload, name, item_limit):
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        _fail(name, f"must be a list of at most {MAX_LIST_ITEMS} strings.")
    if not all(isinstance(item, str) and 0 < len(item.strip()) <= item_limit for item in value):
        _fail(name, f"every item must be a non-empty string of at most {item_limit} characters.")
    return sorted({item.strip() for item in value})


def _json_object(payload, name, check_value=None):
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or len(json.dumps(value)) > MAX_JSON_FIELD_BYTES:
        _fail(name, f"must be a JSON object smaller than {MAX_JSON_FIELD_BYTES} bytes.")
    if check_value is not None:
        for key, item in value.items():
            check_value(name, key, item)
    return value


def _number_value(name, key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(name, f"{key!r} must be a number.")


def _scalar_value(name, key, value):
    if not isinstance(value, (str, int, float, bool)):
        _fail(name, f"{key!r} must be a string, number or boolean.")


@dataclass
class DeltaMetadata:
    backbone: str
    delta_type: str = None
    task: str = None
    train_datasets: list = None
    test_datasets: list = None
    tags: list = None
    dict_tags: dict = None
    license: str = None
    private: bool = None
    card: str = None
    commit_message: str = ""
    claimed_metrics: dict = field(default_factory=dict)
    training_args: dict = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload):
        if not isinstance(payload, dict):
            raise ApiError("invalid_request", "The request body must be a JSON object.")
        backbone = payload.get("backbone")
        if not is_sha256(backbone):
            _fail("backbone", "must be the backbone's content hash (64 lowercase hexadecimal characters).")
        delta_type = payload.get("delta_type")
        if delta_type is not None and delta_type not in Delta.DeltaType.values:
            _fail("delta_type", f"must be one of {', '.join(Delta.DeltaType.values)}.")
        private = payload.get("private")
        if private is not None and not isinstance(private, bool):
            _fail("private", "must be true or false.")
        return cls(
            backbone=backbone,
            delta_type=delta_type,
            task=_text(payload, "task", 100),
            train_datasets=_text_list(payload, "train_datasets", 200),
            test_datasets=_text_list(payload, "test_datasets", 200),
            tags=_text_list(payload, "tags", 64),
            dict_tags=_json_object(payload, "dict_tags", _scalar_value),
            license=_text(payload, "license", 64),
            private=private,
            card=_text(payload, "card", MAX_CARD_CHARS),
            commit_message=_text(payload, "commit_message", 10_000) or "",
            claimed_metrics=_json_object(payload, "claimed_metrics", _number_value) or {},
            training_args=_json_object(payload, "training_args") or {},
        )

    def _given(self):
        return {name: getattr(self, name) for name in REPO_FIELDS if getattr(self, name) is not None}

    def changes(self, delta):
        """Would applying this metadata change `delta`?"""
        return any(getattr(delta, name) != value for name, value in self._given().items())

    def apply_to(self, delta):
        for name, value in self._given().items():
            setattr(delta, name, value)
