"""GET/HEAD /{namespace}/{name}/resolve/{revision}/{path}: a redirect to a short-lived S3 URL."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core import objectstore
from hub.core.errors import NotFound
from hub.deltas import services

COUNTED_SUFFIXES = (".safetensors",)


class ResolveView(APIView):
    @extend_schema(
        responses={302: OpenApiResponse(description="Location: a short-lived S3 URL of the file's bytes.")},
        summary="Download a file: a redirect to its bytes, with its sha256 as ETag and the commit id",
    )
    def get(self, request, namespace, name, revision, path):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = services.resolve_version(delta, revision)
        entry = next((f for f in version.files.all() if f.path == path), None)
        if entry is None:
            raise NotFound("entry_not_found", f"{delta.full_name}@{version.commit_id[:12]} has no file {path!r}.")
        if request.method == "GET" and path.endswith(COUNTED_SUFFIXES):
            services.record_download(delta)
        url = objectstore.presigned_get(entry.object.key, filename=path.rsplit("/", 1)[-1])
        response = Response(status=302)
        response["Location"] = url
        response["ETag"] = f'"{entry.object.sha256}"'
        response["X-Linked-Etag"] = f'"{entry.object.sha256}"'
        response["X-Linked-Size"] = str(entry.object.size)
        response["X-Repo-Commit"] = version.commit_id
        response["X-Content-Sha256"] = entry.object.sha256
        response["Cache-Control"] = "private, no-store"
        return response
