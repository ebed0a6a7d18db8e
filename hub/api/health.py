from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from hub.api.serializers import HealthSerializer
from hub.core.health import run_checks


@extend_schema(
    responses={200: HealthSerializer, 503: HealthSerializer},
    summary="State of the database, broker, object store and workers",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def health(request):
    components = run_checks()
    healthy = all(component["ok"] for component in components.values())
    return Response({"status": "ok" if healthy else "down", "components": components}, status=200 if healthy else 503)
