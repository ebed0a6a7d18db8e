"""The Git LFS batch API, as huggingface_hub uses it with HF_HUB_DISABLE_XET=1: basic and multipart transfers.

Bytes go straight to S3 with presigned URLs, into a staging key of the uploader's; the verify step checks they
arrived whole, and the commit that names them is finalized as any push with staged uploads is: a task reads them
back, checks their sha256 and moves them to their content address. An object counts as present only when the
account may read it already (knowing an oid is not enough). A multipart upload is completed through a URL that
carries its own signed authorisation, since huggingface_hub calls it without the token.
"""

from django.core import signing
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from hub.accounts.permissions import TokenScopes
from hub.core.errors import Forbidden, Invalid
from hub.core.json_input import StrictJSONParser
from hub.core.validation import parse
from hub.deltas import multipart, owner_edits, quotas, repos, services
from hub.deltas.uploads import DeclaredFile, plan_staged_upload
from hub.deltas.verify import verify_upload
from hub.hf.inputs import LfsBatchRequest, LfsCompleteRequest, LfsVerifyRequest
from hub.hf.views import HfView, site

LFS_MEDIA_TYPE = "application/vnd.git-lfs+json"
COMPLETION_SALT = "deltacenter.lfs.complete"
COMPLETION_MAX_AGE = 7 * 24 * 3600


class LfsJsonParser(StrictJSONParser):
    media_type = LFS_MEDIA_TYPE


class LfsJsonRenderer(JSONRenderer):
    media_type = LFS_MEDIA_TYPE


class LfsView(HfView):
    parser_classes = [LfsJsonParser, StrictJSONParser]
    renderer_classes = [LfsJsonRenderer, JSONRenderer]
    permission_classes = [IsAuthenticated, TokenScopes]


def lfs_url(request, delta) -> str:
    return f"{site(request)}/{delta.full_name}.git/info/lfs"


class BatchView(LfsView):
    throttle_scope = "uploads"

    @extend_schema(request=LfsBatchRequest, responses=OpenApiTypes.OBJECT, summary="Where to upload LFS objects")
    def post(self, request, namespace, name):
        delta = owner_edits.check_writable(request.user, services.get_visible_delta(request.user, namespace, name))
        body = parse(LfsBatchRequest, request.data)
        if body["operation"] != "upload":
            raise Invalid("unsupported_operation", "Download files through /resolve/, not the LFS batch API.")
        multipart_ok = "multipart" in body.get("transfers", ["basic"])
        base = lfs_url(request, delta)
        declared = [DeclaredFile(path=o["oid"], size=o["size"], sha256=o["oid"]) for o in body["objects"]]
        quotas.check_quota(delta.namespace, declared)
        objects = [_batch_object(request.user, base, d, multipart_ok) for d in declared]
        return Response(
            {"transfer": "multipart" if multipart_ok else "basic", "objects": objects, "hash_algo": "sha256"}
        )


def _batch_object(user, base, declared, multipart_ok):
    plan = plan_staged_upload(user, declared)
    entry = {"oid": declared.sha256, "size": declared.size, "authenticated": True}
    if plan["action"] in ("stored", "staged"):
        return entry
    verify = {"href": f"{base}/verify"}
    if plan["action"] == "upload":
        return {**entry, "actions": {"upload": {"href": plan["url"]}, "verify": verify}}
    if not multipart_ok:
        raise Invalid(
            "file_too_large", f"{declared.sha256[:12]}… is too large for one PUT; allow the multipart transfer."
        )
    token = signing.dumps({"user": user.pk, "upload": plan["upload_id"], "oid": declared.sha256}, salt=COMPLETION_SALT)
    header = {"chunk_size": str(plan["part_bytes"]), **{str(p["part_number"]): p["url"] for p in plan["parts"]}}
    upload = {"href": f"{base}/complete?token={token}", "header": header}
    return {**entry, "actions": {"upload": upload, "verify": verify}}


class VerifyView(LfsView):
    throttle_scope = "uploads"

    @extend_schema(request=LfsVerifyRequest, responses=OpenApiTypes.OBJECT, summary="Check an uploaded LFS object")
    def post(self, request, namespace, name):
        owner_edits.check_writable(request.user, services.get_visible_delta(request.user, namespace, name))
        body = parse(LfsVerifyRequest, request.data)
        return Response(verify_upload(request.user, body["oid"], body["size"]))


class CompleteView(LfsView):
    """Called without the token: the signed `token` parameter names the uploader and the upload."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=LfsCompleteRequest, responses=OpenApiTypes.OBJECT, summary="Finish a multipart upload")
    def post(self, request, namespace, name):
        try:
            grant = signing.loads(
                request.query_params.get("token", ""), salt=COMPLETION_SALT, max_age=COMPLETION_MAX_AGE
            )
        except signing.BadSignature:
            raise Forbidden("invalid_upload_token", "This completion URL is not valid or has expired.") from None
        body = parse(LfsCompleteRequest, request.data)
        if body["oid"] != grant["oid"]:
            raise Forbidden("invalid_upload_token", "This completion URL is for another object.")
        user = repos.user_by_id(grant["user"])
        parts = [{"part_number": p["partNumber"], "etag": p["etag"]} for p in body["parts"]]
        return Response(multipart.complete(user, body["oid"], grant["upload"], parts))
