"""GET /api/health/live: the process answers. GET /api/health: the database, broker, object store and workers.

Load balancers and anonymous clients may ask these as often as they like, so the middleware answers them first
thing, before sessions, authentication and URL routing; the views below are what the OpenAPI schema documents
(and what answers when the middleware is not installed).
"""

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from hub.api.serializers import HealthSerializer, LivenessSerializer
from hub.core.health import cached_report, check_broker, check_database, check_object_store
from hub.evaluation.workers import check_workers

CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "object_store": check_object_store,
    "workers": check_workers,
}
LIVE = {"status": "ok"}
LIVE_PATH, READY_PATH = "/api/health/live", "/api/health"


def readiness() -> tuple[dict, int]:
    """The cached report, and 200 when every component is up, else 503."""
    components = cached_report(CHECKS)["components"]
    healthy = all(component["ok"] for component in components.values())
    return {"status": "ok" if healthy else "down", "components": components}, 200 if healthy else 503


class HealthProbeMiddleware:
    """Answers GET on the two probe paths from the process and the cache alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.path_info == LIVE_PATH:
            return JsonResponse(LIVE)
        if request.method == "GET" and request.path_info == READY_PATH:
            body, status = readiness()
            return JsonResponse(body, status=status)
        return self.get_response(request)


@extend_schema(responses=LivenessSerializer, summary="The web process is up (it touches nothing else)")
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def live(request):
    return Response(LIVE)


@extend_schema(
    responses={200: HealthSerializer, 503: HealthSerializer},
    summary="Readiness: database, broker, object store and workers, probed at most every few seconds",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    body, status = readiness()
    return Response(body, status=status)
