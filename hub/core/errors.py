"""The errors services raise: a stable code, a message a person can act on, and a kind.

Services know nothing of HTTP. The API maps the kind to a status (hub.api.errors), the pages to a form error or
a 404 page, the tasks to a final state.
"""

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"


# The HTTP status each kind of error is answered with, by every HTTP layer (REST API, Hugging Face protocol).
HTTP_STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.RATE_LIMITED: 429,
}


class DomainError(Exception):
    """A user error: `code` is stable for programs, `message` is for people, `field` names the input at fault."""

    kind = ErrorKind.INVALID

    def __init__(self, code: str, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details


class Invalid(DomainError):
    kind = ErrorKind.INVALID


class Unauthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class TooLarge(DomainError):
    kind = ErrorKind.TOO_LARGE


class RateLimited(DomainError):
    kind = ErrorKind.RATE_LIMITED


def exception_code(exc) -> str:
    """The code a DRF exception was raised with (a permission's own, such as insufficient_scope), else its kind's."""
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code
