"""An unexpected exception is logged with an id, and the client gets that id: JSON for API clients, never a
traceback page."""

import logging
import uuid

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse

log = logging.getLogger("hub.errors")
API_MARKERS = ("/api/", "/resolve/", ".git/info/lfs/")
CLIENT_ERRORS = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)


def is_api_request(request) -> bool:
    return request.path.startswith("/api/") or any(marker in request.path for marker in API_MARKERS[1:])


class ServerErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django answers these itself: 404, 403, 400
        error_id = uuid.uuid4().hex[:12]
        log.error("Error %s on %s %s", error_id, request.method, request.path, exc_info=exception)
        message = (
            f"Something went wrong on the hub's side (error {error_id}). It has been logged; try again in a moment,"
            " and quote this id if you report it."
        )
        if is_api_request(request):
            response = JsonResponse({"error": {"code": "server_error", "message": message, "id": error_id}}, status=500)
            response["X-Error-Message"] = message
            return response
        response = TemplateResponse(request, "500.html", {"error_id": error_id}, status=500)
        return response.render()
