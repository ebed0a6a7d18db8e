"""Step one of a push: the client declares its files and learns which ones to send, and where.

A file sent in one PUT goes straight to its content address: its presigned URL signs the declared size and
sha256, and S3 refuses any other bytes, so the URL can only ever write the content the address names.
Files large enough for multipart go to a staging key private to the uploader and are copied to their
content address only once the commit has read them back and checked their sha256. Either way a presigned
URL never overwrites a stored object with other bytes, and every step can be retried.
"""

import base64
import hashlib
import hmac
import math
from dataclasses import dataclass

from django.conf import settings

from hub.core import objectstore
from hub.core.errors import Conflict, TooLarge
from hub.deltas.models import StoredObject, object_key


@dataclass(frozen=True)
class DeclaredFile:
    path: str
    size: int
    sha256: str


def check_sizes(files: list[DeclaredFile], max_file_bytes: int | None = None) -> list[DeclaredFile]:
    """Refuse files over the size limit (backbones have a limit of their own)."""
    max_file_bytes = max_file_bytes or settings.DELTACENTER_MAX_FILE_BYTES
    for declared in files:
        if declared.size > max_file_bytes:
            raise TooLarge(
                "file_too_large",
                f"{declared.path} is {declared.size} bytes; the limit is {max_file_bytes}.",
                field="files",
            )
    return files


def staging_key(user, sha256):
    token = hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{sha256}".encode(), hashlib.sha256).hexdigest()
    return f"uploads/{user.pk}/{token[:32]}/{sha256}"


def plan_uploads(user, files: list[DeclaredFile], max_file_bytes: int | None = None) -> list[dict]:
    """For each declared file: already stored, already staged, or how to upload it."""
    check_sizes(files, max_file_bytes)
    stored = {o.sha256: o for o in StoredObject.objects.filter(sha256__in=[f.sha256 for f in files])}
    plan, planned = [], {}
    for declared in files:
        if declared.sha256 not in planned:
            planned[declared.sha256] = _plan_one(user, declared, stored.get(declared.sha256))
        plan.append({"path": declared.path, "sha256": declared.sha256, **planned[declared.sha256]})
    return plan


def _plan_one(user, declared, stored):
    if stored is not None:
        if stored.size != declared.size:
            raise Conflict(
                "size_mismatch",
                f"{declared.path}: content {declared.sha256[:12]}… is stored with {stored.size} bytes,"
                f" not {declared.size}. Recompute the file's size and sha256.",
            )
        return {"action": "stored"}
    if declared.size >= settings.DELTACENTER_MULTIPART_THRESHOLD:
        key = staging_key(user, declared.sha256)
        if objectstore.object_size(key) == declared.size:
            return {"action": "staged"}
        return _multipart_plan(key, declared.size)
    if checksummed_upload_present(declared):
        return {"action": "staged"}
    checksum = sha256_base64(declared.sha256)
    url = objectstore.public_client().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": objectstore.bucket(),
            "Key": object_key(declared.sha256),
            "ContentLength": declared.size,
            "ChecksumSHA256": checksum,
        },
        ExpiresIn=settings.S3_PRESIGN_SECONDS,
    )
    headers = {"Content-Length": str(declared.size), "x-amz-checksum-sha256": checksum}
    return {"action": "upload", "url": url, "method": "PUT", "headers": headers}


def plan_staged_upload(user, declared: DeclaredFile) -> dict:
    """The plan for a client that cannot send S3's checksum header (Git LFS): its bytes go to the uploader's
    staging key, to be read back and hashed when it asks to verify them."""
    check_sizes([declared])
    stored = StoredObject.objects.filter(sha256=declared.sha256).first()
    if stored is not None:
        return _plan_one(user, declared, stored)
    key = staging_key(user, declared.sha256)
    if checksummed_upload_present(declared) or objectstore.object_size(key) == declared.size:
        return {"action": "staged"}
    if declared.size >= settings.DELTACENTER_MULTIPART_THRESHOLD:
        return _multipart_plan(key, declared.size)
    url = objectstore.public_client().generate_presigned_url(
        "put_object",
        Params={"Bucket": objectstore.bucket(), "Key": key, "ContentLength": declared.size},
        ExpiresIn=settings.S3_PRESIGN_SECONDS,
    )
    return {"action": "upload", "url": url, "method": "PUT", "headers": {"Content-Length": str(declared.size)}}


def sha256_base64(hex_digest):
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def checksummed_upload_present(declared):
    """Is the content address already holding these bytes, as S3 itself checked them on upload?"""
    head = objectstore.head_with_checksum(object_key(declared.sha256))
    if head is None:
        return False
    checksum = head.get("ChecksumSHA256") or ""
    return head["ContentLength"] == declared.size and hmac.compare_digest(checksum, sha256_base64(declared.sha256))


def _multipart_plan(key, size):
    part_bytes = settings.DELTACENTER_MULTIPART_PART_BYTES
    upload_id = objectstore.client().create_multipart_upload(Bucket=objectstore.bucket(), Key=key)["UploadId"]
    parts = []
    for number in range(1, math.ceil(size / part_bytes) + 1):
        url = objectstore.public_client().generate_presigned_url(
            "upload_part",
            Params={"Bucket": objectstore.bucket(), "Key": key, "UploadId": upload_id, "PartNumber": number},
            ExpiresIn=settings.S3_PRESIGN_SECONDS,
        )
        parts.append({"part_number": number, "url": url})
    return {"action": "multipart", "upload_id": upload_id, "part_bytes": part_bytes, "parts": parts}


def complete_multipart(user, sha256: str, upload_id: str, parts: list[dict]) -> dict:
    """Assemble the parts the client uploaded; a second call after success is a no-op."""
    key = staging_key(user, sha256)
    try:
        objectstore.client().complete_multipart_upload(
            Bucket=objectstore.bucket(),
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["part_number"], "ETag": p["etag"]} for p in parts]},
        )
    except objectstore.ClientError as exc:
        if objectstore.object_size(key) is None:
            raise Conflict("multipart_incomplete", f"S3 refused to assemble the upload: {exc}") from None
    return {"sha256": sha256, "staged_bytes": objectstore.object_size(key)}
