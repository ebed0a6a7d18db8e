"""Rules for user, organisation and delta names, shared by every entry point."""

import re

from django.core.exceptions import ValidationError

MAX_NAME_LENGTH = 96
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED_NAMESPACES = frozenset(
    {
        "admin",
        "api",
        "static",
        "media",
        "accounts",
        "login",
        "logout",
        "signup",
        "settings",
        "backbones",
        "leaderboards",
        "review",
        "search",
        "new",
        "docs",
        "health",
        "tokens",
        "orgs",
        "users",
        # Words of the Hugging Face Hub's URLs, which its clients send to this hub too.
        "models",
        "datasets",
        "spaces",
        "buckets",
        "organizations",
        "resolve",
        "collections",
    }
)


def validate_name(value, what="name"):
    """Raise ValidationError unless `value` is a safe single path segment."""
    if not value:
        raise ValidationError(f"The {what} must not be empty.", code="invalid_name")
    if len(value) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"The {what} is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}.", code="invalid_name"
        )
    if ".." in value or value.strip(".") == "":
        raise ValidationError(f"The {what} must not contain '..' or be only dots.", code="invalid_name")
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise ValidationError(
            f"The {what} {value!r} may use only letters, digits, '.', '_' and '-', and must start with a"
            " letter or digit.",
            code="invalid_name",
        )
    if value.endswith(".") or value.lower().endswith((".git", ".lock")):
        raise ValidationError(f"The {what} must not end with '.', '.git' or '.lock'.", code="invalid_name")
    if is_device_name(value):
        raise ValidationError(f"{value!r} is a device name on Windows; choose another {what}.", code="invalid_name")


# Names Windows reserves for devices, whatever the extension: a download named so cannot be saved there.
_DEVICE_NAME = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)


def is_device_name(segment: str) -> bool:
    return _DEVICE_NAME.fullmatch(segment) is not None


def validate_namespace_name(value):
    validate_name(value, "namespace")
    if value.lower() in RESERVED_NAMESPACES:
        raise ValidationError(f"{value!r} is reserved and cannot be used as a namespace.", code="reserved_name")
