"""OpenAPI schema: the Bearer token scheme and the error body every operation may answer with."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from hub.api.serializers import ErrorSerializer

# Which errors an operation may answer with, by what it does.
READ_ERRORS = ("400", "401", "404", "429")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "429")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (dc_...) from your tokens page; read scope to read, write scope to push.",
        }


class HubAutoSchema(AutoSchema):
    """Adds the JSON error body to every operation's responses."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = READ_ERRORS if self.method in ("GET", "HEAD") else WRITE_ERRORS
        # Views of another protocol answer errors in its shape (the Hugging Face views do).
        error = getattr(self.view, "error_serializer", ErrorSerializer)
        for code in codes:
            responses.setdefault(code, self._get_response_for_code(error, code, direction=direction))
        return responses
