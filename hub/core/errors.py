"""Every API error is JSON {"error": {"code", "message"}} with a message a person can act on."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApiError(exceptions.APIException):
    """A user error with a stable code, raised from service functions and views alike."""

    def __init__(self, code, message, status_code=status.HTTP_400_BAD_REQUEST, details=None):
        super().__init__(message)
        self.code = code
        self.status_code = status_code
        self.message = message
        self.details = details


def error_body(code, message, details=None):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _flatten(detail):
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def _default_code(exc):
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated"
    if isinstance(exc, exceptions.AuthenticationFailed):
        return "invalid_token"
    if isinstance(exc, exceptions.ValidationError):
        return "invalid_request"
    return getattr(exc, "default_code", "error")


def json_exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", str(exc) or "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(_default_code(exc), _flatten(exc.detail))
    return response
