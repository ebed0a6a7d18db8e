"""Thin REST views: parse the request with its declared serializer, call a service, shape the answer."""

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from hub.accounts.permissions import TokenScopes
from hub.api.serializers import (
    BackboneDetailSerializer,
    BackboneSearchResultSerializer,
    BackboneSearchSerializer,
    BackboneSerializer,
    CommitResultSerializer,
    CommitStatusSerializer,
    DeltaChangeListSerializer,
    DeltaCodeSerializer,
    DeltaDetailSerializer,
    DeltaPageSerializer,
    DeltaStatusSerializer,
    FacetCountsSerializer,
    LikeResultSerializer,
    ListedDeltaSerializer,
    MultipartCompleteSerializer,
    RevisionSerializer,
    SignedPartsSerializer,
    UploadPlanSerializer,
    ValidationJobSerializer,
    VersionListSerializer,
    WhoAmISerializer,
)
from hub.core.errors import NotFound
from hub.core.validation import parse
from hub.deltas import binding, finalize, multipart, owner_edits, quotas, services
from hub.deltas.backbone_search import search_backbones, with_details
from hub.deltas.commit import CommitOutcome, commit_version, resolve_writable_namespace
from hub.deltas.facets import FACETS
from hub.deltas.filters import DeltaFilter, sort_key
from hub.deltas.inputs import (
    BackboneFilesRequest,
    BackboneRequest,
    BackboneSearchRequest,
    BindBackboneRequest,
    CommitRequest,
    DeltaCodeRequest,
    DeltaSettingsRequest,
    ListingRequest,
    ListingSortRequest,
    MultipartCompleteRequest,
    SignPartsRequest,
    UploadPlanRequest,
    delta_choice,
)
from hub.deltas.listing import count_facets, list_deltas, parse_filters
from hub.deltas.models import Backbone, Delta, Finalization
from hub.deltas.shapes import code_summary, delta_code
from hub.deltas.uploads import plan_uploads
from hub.evaluation import jobs
from hub.evaluation.verdict import delta_status

WRITERS = [IsAuthenticated, TokenScopes]
# Actions that need no input still document their (empty) JSON body.
EMPTY_BODY = {"application/json": OpenApiTypes.OBJECT}


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def unknown_endpoint(request):
    raise NotFound("unknown_endpoint", f"There is no API endpoint {request.path}; see /api/docs.")


class ListingView(generics.ListAPIView):
    """A delta listing: DeltaFilter's filters (documented in the schema from it), the viewer's visibility."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = DeltaFilter
    pagination_class = None

    def get_queryset(self):
        return Delta.objects.none()  # hub.deltas.listing selects; this only names the model for the schema

    def listing_request(self, request_class=ListingRequest):
        page = parse(request_class, self.request.query_params)
        filters = parse_filters(self.request.query_params, strict=True)
        return page, filters, sort_key({"q": filters.text, "sort": page.get("sort")})


class DeltaListView(ListingView):
    """List and search deltas; private ones appear only to those allowed to see them."""

    @extend_schema(
        parameters=[ListingRequest], responses=DeltaPageSerializer,
        summary="List and search deltas, newest first or as sorted, a page at a time (follow `next`)",
    )  # fmt: skip
    def get(self, request):
        page, filters, sort = self.listing_request()
        listing = list_deltas(request.user, filters, sort, page.get("cursor"), page["limit"])
        body = {
            "next": _page_url(request, listing.next_cursor),
            "previous": _page_url(request, listing.previous_cursor),
            "results": ListedDeltaSerializer(listing.rows, many=True).data,
        }
        return Response(body)


class DeltaFacetsView(ListingView):
    @extend_schema(
        parameters=[ListingSortRequest], responses=FacetCountsSerializer,
        summary="How many deltas a listing has, by facet value: the counts the browse page shows",
    )  # fmt: skip
    def get(self, request):
        _, filters, _ = self.listing_request(ListingSortRequest)
        counts = count_facets(request.user, filters)
        facets = [{"param": f.param, "title": f.title, "values": counts.facets[f.param]} for f in FACETS]
        return Response(FacetCountsSerializer({"total": counts.total, "facets": facets}).data)


def _page_url(request, cursor):
    return None if cursor is None else replace_query_param(request.build_absolute_uri(), "cursor", cursor)


class DeltaDetailView(APIView):
    @extend_schema(responses=DeltaDetailSerializer, summary="A delta with its newest version and validation")
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        context = {"latest_version": services.latest_version(delta)}
        return Response(DeltaDetailSerializer(delta, context=context).data)

    @extend_schema(
        request=DeltaSettingsRequest, responses=DeltaDetailSerializer,
        summary="Change a delta's tags or visibility (owners and site admins); no new version",
    )  # fmt: skip
    def patch(self, request, namespace, name):
        body = parse(DeltaSettingsRequest, request.data)
        delta = services.get_visible_delta(request.user, namespace, name)
        if body.get("tags") is not None:
            delta = owner_edits.set_tags(request.user, delta, body["tags"])
        if body.get("private") is not None:
            delta = owner_edits.set_visibility(request.user, delta, body["private"])
        context = {"latest_version": services.latest_version(delta)}
        return Response(DeltaDetailSerializer(delta, context=context).data)

    @extend_schema(request=None, responses={204: None}, summary="Delete a delta (owners and site admins)")
    def delete(self, request, namespace, name):
        owner_edits.delete_delta(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListView(APIView):
    @extend_schema(responses=VersionListSerializer, summary="Every version of a delta, newest first")
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        versions = delta.versions.prefetch_related("files__object").select_related("author")
        return Response(VersionListSerializer({"versions": versions}).data)


class DeltaChangesView(APIView):
    @extend_schema(
        responses=DeltaChangeListSerializer,
        summary="What its owners changed by hand, newest first (the 50 newest; owners and site admins)",
    )
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        owner_edits.check_writable(request.user, delta)
        return Response(DeltaChangeListSerializer({"changes": owner_edits.history(delta)}).data)


class RevisionView(APIView):
    @extend_schema(responses=RevisionSerializer, summary="One version's files and metadata; `main` is the newest")
    def get(self, request, namespace, name, revision):
        delta = services.get_visible_delta(request.user, namespace, name)
        return Response(RevisionSerializer(services.resolve_version(delta, revision)).data)


class UploadPlanView(APIView):
    throttle_scope = "uploads"
    permission_classes = WRITERS

    @extend_schema(
        request=UploadPlanRequest, responses=UploadPlanSerializer,
        summary="Declare files; each answer says stored, staged, or where to PUT it",
    )  # fmt: skip
    def post(self, request, namespace, name):
        writable = resolve_writable_namespace(request.user, namespace)
        files = parse(UploadPlanRequest, request.data)
        return Response({"files": plan_uploads(request.user, files, writable)})


def _complete_multipart(request):
    body = parse(MultipartCompleteRequest, request.data)
    return Response(multipart.complete(request.user, body["sha256"], body["upload_id"], body["parts"]))


def _sign_parts(request):
    body = parse(SignPartsRequest, request.data)
    parts = multipart.sign_parts(request.user, body["sha256"], body["upload_id"], body["part_numbers"])
    return Response({"parts": parts, "expires_in": settings.S3_PRESIGN_SECONDS})


def _status_url(commit_id):
    return f"{services.site_url()}/api/commits/{commit_id}"


def _pending_response(pending: Finalization):
    return Response(finalize.describe(pending) | {"status_url": _status_url(pending.commit_id)}, status=202)


class UploadPartsView(APIView):
    permission_classes = WRITERS

    @extend_schema(
        request=SignPartsRequest, responses=SignedPartsSerializer,
        summary="URLs for parts of an open multipart upload, as the client is about to send them",
    )  # fmt: skip
    def post(self, request, namespace, name):
        resolve_writable_namespace(request.user, namespace)
        return _sign_parts(request)


class UploadCompleteView(APIView):
    throttle_scope = "uploads"
    permission_classes = WRITERS

    @extend_schema(
        request=MultipartCompleteRequest, responses=MultipartCompleteSerializer,
        summary="Assemble a multipart upload from its parts' ETags",
    )  # fmt: skip
    def post(self, request, namespace, name):
        resolve_writable_namespace(request.user, namespace)
        return _complete_multipart(request)


class CommitView(APIView):
    throttle_scope = "commits"
    permission_classes = WRITERS

    @extend_schema(
        request=CommitRequest,
        responses={201: CommitResultSerializer, 200: CommitResultSerializer, 202: CommitStatusSerializer},
        summary="Create a version from uploaded files; an identical re-push answers 200 with the existing one, and"
        " staged uploads 202: the version appears once they are hashed (poll status_url)",
    )
    def post(self, request, namespace, name):
        metadata, files = parse(CommitRequest, request.data)
        outcome = commit_version(request.user, namespace, name, metadata, files)
        if outcome.pending is not None:
            return _pending_response(outcome.pending)
        return Response(
            commit_result(outcome), status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )


def commit_result(outcome: CommitOutcome) -> dict:
    version = outcome.version
    return {
        "id": version.delta.full_name,
        "commit_id": version.commit_id,
        "status": "complete",
        "status_url": _status_url(version.commit_id),
        "number": version.number,
        "created": outcome.created,
        "url": f"{services.site_url()}/{version.delta.full_name}",
    }


class CommitStatusView(APIView):
    @extend_schema(
        responses=CommitStatusSerializer,
        summary="Where a commit stands: finalizing (bytes hashed so far), complete (its version) or failed (why)",
    )
    def get(self, request, commit_id):
        return Response(finalize.commit_status(request.user, commit_id))


class BindBackboneView(APIView):
    throttle_scope = "commits"
    permission_classes = WRITERS

    @extend_schema(
        request=BindBackboneRequest, responses=DeltaDetailSerializer,
        summary="Bind a delta whose backbone is unresolved (or was matched by name) to a registered backbone",
    )  # fmt: skip
    def post(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        body = parse(BindBackboneRequest, request.data)
        delta = binding.bind(request.user, delta, body["content_hash"])
        context = {"latest_version": services.latest_version(delta)}
        return Response(DeltaDetailSerializer(delta, context=context).data)


class LikeView(APIView):
    throttle_scope = "likes"
    permission_classes = WRITERS

    @extend_schema(request=EMPTY_BODY, responses=LikeResultSerializer, summary="Like a delta")
    def post(self, request, namespace, name):
        delta = services.like(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response({"likes_count": delta.likes_count, "liked": True})

    @extend_schema(request=None, responses=LikeResultSerializer, summary="Take a like back")
    def delete(self, request, namespace, name):
        delta = services.unlike(request.user, services.get_visible_delta(request.user, namespace, name))
        return Response({"likes_count": delta.likes_count, "liked": False})


class BackboneListView(generics.ListAPIView):
    throttle_scope = "backbones"
    serializer_class = BackboneSerializer

    def get_queryset(self):
        return with_details(Backbone.objects.visible_to(self.request.user).order_by("name"), self.request.user)

    @extend_schema(
        request=BackboneRequest, responses={201: BackboneSerializer, 200: BackboneSerializer},
        summary="Register a backbone by its hashes; registering it again answers 200",
    )  # fmt: skip
    def post(self, request):
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Log in or send a token to register a backbone.")
        backbone, created = services.register_backbone(request.user, parse(BackboneRequest, request.data))
        return Response(BackboneSerializer(backbone).data, status=201 if created else 200)


class BackboneDetailView(APIView):
    @extend_schema(responses=BackboneDetailSerializer, summary="A backbone and the deltas trained on it")
    def get(self, request, content_hash):
        backbone = services.get_backbone(request.user, content_hash)
        deltas = (
            Delta.objects.visible_to(request.user).filter(backbone=backbone).select_related("namespace", "backbone")
        )
        backbone.delta_count = deltas.count()
        backbone.visible_deltas = deltas.order_by("task", "-downloads_count")[:500]
        return Response(BackboneDetailSerializer(backbone).data)


class BackboneSearchView(APIView):
    @extend_schema(
        parameters=[BackboneSearchRequest], responses=BackboneSearchSerializer,
        summary="Find backbones by the start of a name, an architecture or a content hash (at most `limit`)",
    )  # fmt: skip
    def get(self, request):
        query = parse(BackboneSearchRequest, request.query_params)
        found = search_backbones(request.user, query["q"], query["limit"])
        return Response({"results": BackboneSearchResultSerializer(found, many=True).data})


class DeltaCodeView(APIView):
    @extend_schema(
        parameters=[DeltaCodeRequest], responses=DeltaCodeSerializer,
        summary="PEFT (or, for BitFit, torch) code that creates a delta on this backbone, and what it trains",
    )  # fmt: skip
    def get(self, request, content_hash):
        backbone = services.get_backbone(request.user, content_hash)
        generated = delta_code(backbone, delta_choice(parse(DeltaCodeRequest, request.query_params)))
        return Response(code_summary(backbone, generated))


class BackboneUploadPlanView(APIView):
    throttle_scope = "uploads"
    permission_classes = WRITERS

    @extend_schema(request=BackboneFilesRequest, responses=UploadPlanSerializer, summary="Declare backbone files")
    def post(self, request, content_hash):
        services.get_backbone(request.user, content_hash)
        files = services.check_backbone_file_sizes(parse(BackboneFilesRequest, request.data))
        namespace = quotas.backbone_namespace(request.user)
        return Response({"files": plan_uploads(request.user, files, namespace, services.max_backbone_file_bytes())})


class BackboneUploadPartsView(APIView):
    permission_classes = WRITERS

    @extend_schema(
        request=SignPartsRequest, responses=SignedPartsSerializer, summary="URLs for parts of a backbone file"
    )
    def post(self, request, content_hash):
        services.get_backbone(request.user, content_hash)
        return _sign_parts(request)


class BackboneUploadCompleteView(APIView):
    throttle_scope = "uploads"
    permission_classes = WRITERS

    @extend_schema(
        request=MultipartCompleteRequest, responses=MultipartCompleteSerializer,
        summary="Assemble a multipart upload of a backbone file",
    )  # fmt: skip
    def post(self, request, content_hash):
        services.get_backbone(request.user, content_hash)
        return _complete_multipart(request)


class BackboneFilesView(APIView):
    throttle_scope = "commits"
    permission_classes = WRITERS

    @extend_schema(
        request=BackboneFilesRequest, responses={200: BackboneSerializer, 202: CommitStatusSerializer},
        summary="Attach uploaded weights to a backbone so workers can fetch it by hash (202 while staged uploads"
        " are hashed: poll status_url)",
    )  # fmt: skip
    def post(self, request, content_hash):
        backbone = services.get_backbone(request.user, content_hash)
        files = parse(BackboneFilesRequest, request.data)
        outcome = services.attach_backbone_files(request.user, backbone, files)
        if outcome.pending is not None:
            return _pending_response(outcome.pending)
        return Response(BackboneSerializer(outcome.backbone).data)


class DeltaStatusView(APIView):
    @extend_schema(
        responses=DeltaStatusSerializer,
        summary="A delta's validation state in a few fields, cheap enough to poll until `final` is true",
    )
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        return Response(DeltaStatusSerializer(delta_status(delta)).data)


class ValidationJobView(APIView):
    @extend_schema(responses=ValidationJobSerializer, summary="A validation job's state")
    def get(self, request, job_id):
        return Response(ValidationJobSerializer(jobs.get_visible_job(request.user, job_id)).data)


class WhoAmIView(APIView):
    permission_classes = WRITERS

    @extend_schema(responses=WhoAmISerializer, summary="Who the token or session belongs to")
    def get(self, request):
        return Response(services.whoami(request.user, request.auth))
