"""Request bodies are validated by declared serializers; this turns their verdict into one DomainError."""

from rest_framework import serializers

from hub.core.errors import Invalid

# Codes DRF's own fields use; they become the hub's generic codes. Any other code was set by our validators.
GENERIC_CODES = {"required": "missing_field", "null": "missing_field"}
DRF_CODES = {
    "blank", "invalid", "invalid_choice", "max_length", "min_length", "max_value", "min_value",
    "max_string_length", "not_a_list", "not_a_dict", "empty", "date", "datetime", "make_aware", "overflow",
    "surrogate_characters_not_allowed", "null_characters_not_allowed", "does_not_exist", "incorrect_type",
    "unique", "max_digits", "max_decimal_places", "max_whole_digits", "invalid_image", "no_name", "not_a_string",
}  # fmt: skip


def error_entries(detail, path=""):
    """[(field path, message, code)] of a serializer's errors, depth first, e.g. ("files[2].sha256", ...)."""
    if isinstance(detail, dict):
        entries = []
        for key, value in detail.items():
            if isinstance(key, int):  # a list field's errors are keyed by the item's index
                entries += error_entries(value, f"{path}[{key}]")
                continue
            name = "" if key == "non_field_errors" else key
            entries += error_entries(value, f"{path}.{name}" if path and name else path or name)
        return entries
    if isinstance(detail, list):
        if all(isinstance(item, serializers.ErrorDetail | str) for item in detail):
            return [(path, str(item), getattr(item, "code", "invalid")) for item in detail]
        entries = []
        for index, item in enumerate(detail):
            entries += error_entries(item, f"{path}[{index}]")
        return entries
    return [(path, str(detail), getattr(detail, "code", "invalid"))]


def hub_code(code):
    if code in GENERIC_CODES:
        return GENERIC_CODES[code]
    return "invalid_field" if code in DRF_CODES else code


def invalid_from(detail):
    """One Invalid error naming the first field at fault; every problem is listed in its details."""
    entries = error_entries(detail) or [("", "The request is not valid.", "invalid")]
    field, message, code = entries[0]
    text = f"{field}: {message}" if field else message
    details = {"errors": [{"field": f, "message": m} for f, m, _ in entries]} if len(entries) > 1 else None
    return Invalid(
        "invalid_request" if not field and code in DRF_CODES else hub_code(code),
        text,
        field=field or None,
        details=details,
    )


def parse(serializer_class, data, **context):
    """The validated value of `data` by `serializer_class`, or Invalid naming the field at fault."""
    serializer = serializer_class(data=data, context=context)
    if not serializer.is_valid():
        raise invalid_from(serializer.errors)
    return serializer.validated_data


def as_field_error(check, value):
    """Run a domain check inside a serializer: its DomainError becomes the field's ValidationError."""
    from hub.core.errors import DomainError

    try:
        return check(value)
    except DomainError as exc:
        raise serializers.ValidationError(exc.message, code=exc.code) from None
