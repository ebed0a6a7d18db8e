"""Read side of the Hugging Face Hub protocol: who am I, repositories, revisions, trees, refs and commits."""

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from hub.accounts.permissions import TokenScopes
from hub.core.errors import NotFound
from hub.deltas import services
from hub.deltas.models import Delta
from hub.hf import outputs, representations
from hub.hf.errors import HfErrorSerializer, hf_exception_handler
from hub.hf.listing import list_models

COMMIT_ID = re.compile(r"[0-9a-f]{7,40}")
TREE_PAGE = 1000


class HfView(APIView):
    """A view of the Hugging Face Hub protocol: errors in its shape, with X-Error-Code."""

    error_serializer = HfErrorSerializer

    def get_exception_handler(self):
        return hf_exception_handler


def site(request) -> str:
    """This hub's address as the client reached it: huggingface_hub parses the URLs it gets against its endpoint."""
    return request.build_absolute_uri("/").rstrip("/")


def client_address(request) -> str:
    """The client's address, as the throttles see it (they honour NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def version_at(delta: Delta, revision: str, empty_means_no_entry: bool = False):
    """The version `revision` names: `main` is the newest; a commit id (or a unique prefix of 7+) any other.

    An empty repository has a `main` with nothing in it: asking it for a file is EntryNotFound."""
    if revision == "main" and empty_means_no_entry and not delta.versions.exists():
        raise NotFound("entry_not_found", f"{delta.full_name} is empty: nothing has been committed yet.")
    return services.resolve_version(delta, revision)


def newest_or_none(delta: Delta):
    return services.latest_version(delta)


@extend_schema(responses=OpenApiTypes.OBJECT, summary="Who the token belongs to, as huggingface_hub reads it")
class WhoAmIView(HfView):
    permission_classes = [IsAuthenticated, TokenScopes]

    def get(self, request):
        user, token = request.user, request.auth
        memberships = user.memberships.select_related("organization__namespace")
        scopes = list(getattr(token, "scopes", ["read", "write"]))
        return Response({
            "type": "user",
            "id": str(user.pk),
            "name": user.username,
            "fullname": user.get_full_name() or user.username,
            "email": user.email or None,
            "isPro": False,
            "orgs": [
                {"type": "org", "name": m.organization.namespace.name, "fullname": m.organization.display_name,
                 "roleInOrg": m.role}
                for m in memberships
            ],
            "auth": {
                "type": "access_token",
                "accessToken": {
                    "displayName": getattr(token, "name", "session"),
                    "role": "write" if "write" in scopes else "read",
                },
            },
        })  # fmt: skip


class ModelListView(HfView):
    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Words in the name, tags, datasets or card."),
            OpenApiParameter("author", str, description="A namespace."),
            OpenApiParameter("filter", str, many=True, description="Tags; dataset:NAME; base_model:NAME or hash."),
            OpenApiParameter("sort", str, description="downloads, likes, createdAt, lastModified."),
            OpenApiParameter("direction", int, description="-1 (default) for descending."),
            OpenApiParameter("limit", int, description="At most 1000 a page; the Link header has the next page."),
            OpenApiParameter("cursor", str, description="From the Link header."),
        ],
        responses=outputs.MODEL_SUMMARY(many=True),
        operation_id="hf_list_models",
        summary="List repositories, as huggingface_hub's list_models reads them",
    )
    def get(self, request):
        page = list_models(request.user, request.query_params)
        response = Response([representations.model_summary(delta) for delta in page.rows])
        if page.next_query:
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{page.next_query}>; rel="next"'
        return response


class ModelInfoView(HfView):
    @extend_schema(
        parameters=[OpenApiParameter("blobs", bool, description="Give each file's size and LFS information.")],
        responses=outputs.MODEL_INFO,
        summary="A repository at a revision (default main): id, sha, siblings, cardData",
    )
    def get(self, request, namespace, name, revision="main"):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = None if revision == "main" and not delta.versions.exists() else version_at(delta, revision)
        with_sizes = request.query_params.get("blobs", "").lower() in ("1", "true")
        return Response(representations.model_info(delta, version, with_sizes))


class TreeView(HfView):
    @extend_schema(
        parameters=[
            OpenApiParameter("recursive", bool, description="Every file below the path, not only its children."),
            OpenApiParameter("cursor", str, description="From the Link header."),
        ],
        responses=outputs.TREE_ENTRY(many=True),
        summary="Files and folders of a revision",
    )
    def get(self, request, namespace, name, revision, path=""):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = version_at(delta, revision)
        recursive = request.query_params.get("recursive", "").lower() in ("1", "true")
        entries = tree_entries(list(version.files.all()), path.strip("/"), recursive)
        if path.strip("/") and not entries:
            raise NotFound("entry_not_found", f"{delta.full_name}@{version.commit_id[:12]} has no folder {path!r}.")
        start = _cursor(request.query_params.get("cursor"))
        response = Response(entries[start : start + TREE_PAGE])
        if start + TREE_PAGE < len(entries):
            query = request.query_params.copy()
            query["cursor"] = str(start + TREE_PAGE)
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
        return response


class TreeAtPathView(TreeView):
    """The same listing, below a folder."""

    @extend_schema(
        operation_id="hf_tree_at_path", responses=outputs.TREE_ENTRY(many=True), summary="Files below a folder"
    )
    def get(self, request, namespace, name, revision, path=""):
        return super().get(request, namespace, name, revision, path)


def _cursor(value):
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def tree_entries(files, folder: str, recursive: bool) -> list[dict]:
    """The entries under `folder`: every file when recursive (with the folders between), else its children."""
    prefix = f"{folder}/" if folder else ""
    below = [f for f in files if f.path.startswith(prefix)]
    folders, entries = set(), []
    for f in sorted(below, key=lambda f: f.path):
        relative = f.path[len(prefix) :]
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            if depth == 1 or recursive:
                folders.add(prefix + "/".join(parts[:depth]))
        if recursive or len(parts) == 1:
            entries.append(representations.file_entry(f))
    return sorted([representations.folder_entry(p) for p in folders] + entries, key=lambda e: e["path"])


class RefsView(HfView):
    @extend_schema(responses=outputs.REFS, summary="Branches and tags: main, at the newest version")
    def get(self, request, namespace, name):
        delta = services.get_visible_delta(request.user, namespace, name)
        return Response(representations.refs(delta, newest_or_none(delta)))


class CommitsView(HfView):
    @extend_schema(responses=outputs.COMMIT_ENTRY(many=True), summary="The versions up to a revision, newest first")
    def get(self, request, namespace, name, revision):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = version_at(delta, revision)
        history = delta.versions.filter(number__lte=version.number).select_related("author").order_by("-number")
        return Response([representations.commit_entry(v) for v in history[:1000]])
