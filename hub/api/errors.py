"""Every API error is JSON {"error": {"code", "message"[, "field", "details"]}}; domain errors keep their codes."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from hub.core.errors import HTTP_STATUS, DomainError, exception_code
from hub.core.validation import invalid_from


def error_body(code, message, field=None, details=None):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    return {"error": body}


def domain_error_response(exc: DomainError) -> Response:
    return Response(error_body(exc.code, exc.message, exc.field, exc.details), status=HTTP_STATUS[exc.kind])


def json_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, exceptions.ValidationError | DjangoValidationError):
        detail = exc.detail if isinstance(exc, exceptions.ValidationError) else exc.messages
        return domain_error_response(invalid_from(detail))
    if isinstance(exc, Http404):
        return Response(error_body("not_found", str(exc) or "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    # DRF's own codes (not_authenticated, permission_denied, parse_error, throttled...), but a token that is
    # unknown or revoked says so.
    code = "invalid_token" if isinstance(exc, exceptions.AuthenticationFailed) else exception_code(exc)
    response.data = error_body(code, " ".join(str(m) for m in _messages(exc.detail)))
    return response


def _messages(detail):
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [detail]
