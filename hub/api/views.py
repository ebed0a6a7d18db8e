"""Thin REST views: parse the request, call a service, shape the answer."""

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import ApiError
from hub.core.permissions import TokenScopes
from hub.deltas import services
from hub.deltas.api.serializers import (
    BackboneSerializer,
    DeltaDetailSerializer,
    DeltaSummarySerializer,
    ValidationJobSerializer,
    VersionSerializer,
)
from hub.deltas.commit import commit_version, resolve_writable_namespace
from hub.deltas.filters import SORTS, DeltaFilter, apply_sort, sort_key
from hub.deltas.models import Backbone, Delta
from hub.deltas.uploads import complete_multipart, parse_declared_files, plan_uploads


class DeltaCursorPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100

    def get_ordering(self, request, queryset, view):
        return SORTS[sort_key(request.query_params)]


class DeltaListView(generics.ListAPIView):
    """List and search deltas; private ones appear only to those allowed to see them."""

    serializer_class = DeltaSummarySerializer
    pagination_class = DeltaCursorPagination

    def get_queryset(self):
        deltas = Delta.objects.visible_to(self.request.user).select_related("namespace", "backbone")
        # Listings never show the card, and the search vector is large: leave both in the database.
        deltas = deltas.defer("card", "search_vector", "dict_tags")
        deltas = DeltaFilter(self.request.query_params, queryset=deltas).qs
        return apply_sort(deltas, sort_key(self.request.query_params))


class DeltaDetailView(APIView):
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        context = {"latest_version": services.latest_version(delta)}
        return Response(DeltaDetailSerializer(delta, context=context).data)

    def delete(self, request, namespace, name):
        services.delete_delta(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListView(APIView):
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        versions = delta.versions.prefetch_related("files__object").select_related("author")
        return Response({"versions": VersionSerializer(versions, many=True).data})


class RevisionView(APIView):
    """One version's files and metadata; `main` is the newest."""

    def get(self, request, namespace, name, revision):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = services.resolve_version(delta, revision)
        return Response(
            {
                "id": delta.full_name,
                "delta_type": delta.delta_type,
                "backbone": BackboneSerializer(delta.backbone).data,
                **VersionSerializer(version).data,
            }
        )


class UploadPlanView(APIView):
    """Declare files (path, size, sha256); each answer says stored, staged, or where to PUT it."""

    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, namespace, name):
        resolve_writable_namespace(request.user, namespace)
        files = parse_declared_files(request.data.get("files"))
        return Response({"files": plan_uploads(request.user, files)})


def _complete_multipart(request):
    data = request.data
    parts = data.get("parts")
    if not isinstance(parts, list) or not parts:
        raise ApiError("invalid_parts", "parts must be a non-empty list of {part_number, etag}.")
    return Response(complete_multipart(request.user, data.get("sha256"), data.get("upload_id"), parts))


class UploadCompleteView(APIView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, namespace, name):
        resolve_writable_namespace(request.user, namespace)
        return _complete_multipart(request)


class CommitView(APIView):
    """Create a version from uploaded files. An identical re-push answers 200 with the existing version."""

    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, namespace, name):
        outcome = commit_version(request.user, namespace, name, request.data)
        version = outcome.version
        body = {
            "id": version.delta.full_name,
            "commit_id": version.commit_id,
            "number": version.number,
            "created": outcome.created,
            "url": f"{services.site_url()}/{version.delta.full_name}",
        }
        return Response(body, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK)


class LikeView(APIView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, namespace, name):
        delta = services.like(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response({"likes_count": delta.likes_count, "liked": True})

    def delete(self, request, namespace, name):
        delta = services.unlike(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response({"likes_count": delta.likes_count, "liked": False})


class BackboneListView(generics.ListCreateAPIView):
    serializer_class = BackboneSerializer

    def get_queryset(self):
        visible = Delta.objects.visible_to(self.request.user).values("pk")
        return Backbone.objects.annotate(delta_count=Count("deltas", filter=Q(deltas__in=visible))).order_by("name")

    @extend_schema(request=BackboneSerializer, responses={201: BackboneSerializer, 200: BackboneSerializer})
    def post(self, request):
        if not request.user.is_authenticated:
            raise ApiError("not_authenticated", "Log in or send a token to register a backbone.", 401)
        backbone, created = services.register_backbone(request.user, request.data)
        return Response(BackboneSerializer(backbone).data, status=201 if created else 200)


class BackboneDetailView(APIView):
    def get(self, request, content_hash):
        backbone = services.get_backbone(content_hash)
        deltas = (
            Delta.objects.visible_to(request.user).filter(backbone=backbone).select_related("namespace", "backbone")
        )
        return Response(
            {
                **BackboneSerializer(backbone).data,
                "deltas": DeltaSummarySerializer(deltas.order_by("task", "-downloads_count")[:500], many=True).data,
            }
        )


class BackboneUploadPlanView(APIView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, content_hash):
        services.get_backbone(content_hash)
        files = services.parse_backbone_files(request.data.get("files"))
        return Response({"files": plan_uploads(request.user, files)})


class BackboneUploadCompleteView(APIView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, content_hash):
        services.get_backbone(content_hash)
        return _complete_multipart(request)


class BackboneFilesView(APIView):
    """Attach uploaded weights to a backbone so workers can fetch it by hash."""

    permission_classes = [IsAuthenticated, TokenScopes]

    def post(self, request, content_hash):
        backbone = services.attach_backbone_files(request.user, services.get_backbone(content_hash), request.data)
        return Response(BackboneSerializer(backbone).data)


class ValidationJobView(APIView):
    def get(self, request, job_id):
        job = services.get_visible_job(request.user, job_id)
        return Response(ValidationJobSerializer(job).data)


class WhoAmIView(APIView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def get(self, request):
        return Response(services.whoami(request.user, request.auth))
