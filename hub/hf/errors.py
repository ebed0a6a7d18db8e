"""Errors as huggingface_hub reads them: an `X-Error-Code` it maps to an exception, `X-Error-Message`, and a JSON
body {"error": message}. A private repository an outsider asks for is RepoNotFound, like a missing one."""

from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from hub.core.errors import HTTP_STATUS, DomainError, exception_code
from hub.core.validation import invalid_from

# The hub's codes that huggingface_hub turns into its own exceptions.
HF_ERROR_CODES = {
    "delta_not_found": "RepoNotFound",
    "namespace_not_found": "RepoNotFound",
    "revision_not_found": "RevisionNotFound",
    "entry_not_found": "EntryNotFound",
}
# huggingface_hub reports a 401 carrying exactly this message as a bad token, not as a missing repository.
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


class HfErrorSerializer(serializers.Serializer):
    """The Hugging Face Hub's error body; `X-Error-Code` and `X-Error-Message` headers come with it."""

    error = serializers.CharField(help_text="What went wrong and how to fix it.")
    code = serializers.CharField(required=False, help_text="This hub's stable code, e.g. revision_not_found.")


def hf_error(status: int, message: str, code: str | None = None, hf_code: str | None = None) -> Response:
    body = {"error": message}
    if code:
        body["code"] = code
    response = Response(body, status=status)
    if hf_code:
        response["X-Error-Code"] = hf_code
    # Headers are latin-1 and one line: keep the first line, unencodable characters replaced.
    response["X-Error-Message"] = message.splitlines()[0].encode("latin-1", "replace").decode("latin-1")[:1000]
    return response


def domain_error(exc: DomainError) -> Response:
    return hf_error(HTTP_STATUS[exc.kind], exc.message, exc.code, HF_ERROR_CODES.get(exc.code))


def hf_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_error(exc)
    if isinstance(exc, exceptions.ValidationError):
        return domain_error(invalid_from(exc.detail))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.AuthenticationFailed):
        message = f"{INVALID_CREDENTIALS}: {exc.detail}"
        error = hf_error(401, INVALID_CREDENTIALS, "invalid_token")
        error.data["error"] = message
    else:
        error = hf_error(response.status_code, str(exc.detail), exception_code(exc))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            error[header] = response[header]
    return error
