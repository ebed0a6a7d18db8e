"""GET/HEAD /{namespace}/{name}/resolve/{revision}/{path}: a redirect to a short-lived S3 URL of the file.

The redirect itself carries what huggingface_hub needs without following it (it does not follow a HEAD to another
origin): the commit id, the file's sha256 as its ETag, and its size.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from hub.core import objectstore
from hub.core.errors import NotFound
from hub.deltas import services
from hub.deltas.downloads import client_key, counts_as_download, record_download
from hub.hf.views import HfView, client_address, version_at


class ResolveView(HfView):
    @extend_schema(
        responses={302: OpenApiResponse(description="Location: a short-lived S3 URL of the file's bytes.")},
        summary="Download a file: a redirect to its bytes, with its sha256 as ETag and the commit id",
    )
    def get(self, request, namespace, name, revision, path):
        delta = services.get_visible_delta(request.user, namespace, name)
        version = version_at(delta, revision, empty_means_no_entry=True)
        entry = next((f for f in version.files.all() if f.path == path), None)
        if entry is None:
            raise NotFound("entry_not_found", f"{delta.full_name}@{version.commit_id[:12]} has no file {path!r}.")
        if counts_as_download(path):
            record_download(delta, client_key(request.user, client_address(request)))
        response = Response(status=302)
        response["Location"] = objectstore.presigned_get(entry.object.key, filename=path.rsplit("/", 1)[-1])
        response["ETag"] = f'"{entry.object.sha256}"'
        response["X-Linked-Etag"] = f'"{entry.object.sha256}"'
        response["X-Linked-Size"] = str(entry.object.size)
        response["X-Repo-Commit"] = version.commit_id
        response["X-Content-Sha256"] = entry.object.sha256
        response["Cache-Control"] = "private, no-store"
        return response
