"""GET /api/health/live: the process answers. GET /api/health: the database, broker, object store and workers."""

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


@extend_schema(responses=LivenessSerializer, summary="The web process is up (it touches nothing else)")
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def live(request):
    return Response({"status": "ok"})


@extend_schema(
    responses={200: HealthSerializer, 503: HealthSerializer},
    summary="Readiness: database, broker, object store and workers, probed at most every few seconds",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    components = cached_report(CHECKS)["components"]
    healthy = all(component["ok"] for component in components.values())
    return Response({"status": "ok" if healthy else "down", "components": components}, status=200 if healthy else 503)
