"""Step one of a push: the client declares its files and learns which ones to send, and where.

A file sent in one PUT goes straight to its content address: its presigned URL signs the declared size, the
sha256 and the uploader's id, and S3 refuses any other bytes, so the URL can only ever write the content the
address names, and the object then says which account proved it holds them. Files large enough for multipart go
to a staging key private to the uploader, resumably (hub.deltas.multipart), and reach their content address once
a commit's finalization has read them back and checked their sha256. A presigned URL never overwrites a stored
object with other bytes, and every step can be retried.

Only objects the account can already read count as `stored` (hub.deltas.possession): any other file is uploaded
again, so knowing a sha256 never gives access to bytes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.core import objectstore
from hub.core.errors import Conflict
from hub.deltas import multipart, objects, possession, quotas
from hub.deltas.declared import DeclaredFile, check_sizes, sha256_base64, staging_key
from hub.deltas.models import StoredObject, Upload, object_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from hub.accounts.models import Namespace

# Git LFS clients take every part URL at once: give them time to send them all at a slow 10 MB/s.
LFS_SLOWEST_BYTES_PER_SECOND = 10 * 1000**2
LONGEST_PRESIGN_SECONDS = 7 * 24 * 3600

__all__ = ["DeclaredFile", "check_sizes", "plan_staged_upload", "plan_uploads", "sha256_base64", "staging_key"]


def plan_uploads(
    user: User, files: list[DeclaredFile], namespace: Namespace | None = None, max_file_bytes: int | None = None
) -> list[dict]:
    """For each declared file: already stored, already uploaded (staged), or how to upload it."""
    check_sizes(files, max_file_bytes)
    quotas.check_quota(namespace, files)
    readable = _readable_objects(user, files)
    plan, planned = [], {}
    for declared in files:
        if declared.sha256 not in planned:
            planned[declared.sha256] = _plan_one(user, declared, readable.get(declared.sha256))
        plan.append({"path": declared.path, "sha256": declared.sha256, **planned[declared.sha256]})
    return plan


def _readable_objects(user: User, files: list[DeclaredFile]) -> dict[str, StoredObject]:
    shas = possession.readable_shas(user, {f.sha256 for f in files})
    objects.touch(shas)  # the sweep must not take them before the commit that counts on them
    return {o.sha256: o for o in StoredObject.objects.filter(sha256__in=shas)}


def _plan_one(user: User, declared: DeclaredFile, readable: StoredObject | None) -> dict:
    if readable is not None:
        _check_size(declared, readable)
        return {"action": "stored"}
    if possession.at_content_address(declared, uploader=user):
        return {"action": "staged"}
    if declared.size >= settings.DELTACENTER_MULTIPART_THRESHOLD:
        if staged_size(user, declared) == declared.size:
            return {"action": "staged"}
        return multipart.open_or_resume(user, declared)
    return _put_plan(user, declared)


def _check_size(declared: DeclaredFile, stored: StoredObject) -> None:
    if stored.size != declared.size:
        raise Conflict(
            "size_mismatch",
            f"{declared.path}: content {declared.sha256[:12]}… is stored with {stored.size} bytes,"
            f" not {declared.size}. Recompute the file's size and sha256.",
        )


def _put_plan(user: User, declared: DeclaredFile) -> dict:
    checksum = sha256_base64(declared.sha256)
    metadata = possession.uploader_metadata(user)
    url = objectstore.public_client().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": objectstore.bucket(),
            "Key": object_key(declared.sha256),
            "ContentLength": declared.size,
            "ChecksumSHA256": checksum,
            "Metadata": metadata,
        },
        ExpiresIn=settings.S3_PRESIGN_SECONDS,
    )
    headers = {"Content-Length": str(declared.size), "x-amz-checksum-sha256": checksum}
    headers.update({f"x-amz-meta-{name}": value for name, value in metadata.items()})
    return {"action": "upload", "url": url, "method": "PUT", "headers": headers}


def staged_size(user: User, declared: DeclaredFile) -> int | None:
    return objectstore.object_size(staging_key(user, declared.sha256))


def plan_staged_upload(user: User, declared: DeclaredFile, namespace: Namespace | None = None) -> dict:
    """The plan for a client that cannot send S3's checksum header (Git LFS): its bytes go to the uploader's
    staging key, to be read back and hashed by the commit's finalization. Multipart uploads get every part URL at
    once, valid long enough for the whole file."""
    check_sizes([declared])
    quotas.check_quota(namespace, [declared])
    readable = _readable_objects(user, [declared]).get(declared.sha256)
    if readable is not None:
        _check_size(declared, readable)
        return {"action": "stored"}
    if possession.at_content_address(declared, uploader=user) or staged_size(user, declared) == declared.size:
        return {"action": "staged"}
    if declared.size >= settings.DELTACENTER_MULTIPART_THRESHOLD:
        entry = multipart.open_or_resume(user, declared)
        numbers = list(range(1, entry["part_count"] + 1))
        expires = _lfs_expiry(declared.size)
        entry["parts"] = multipart.sign_parts(user, declared.sha256, entry["upload_id"], numbers, expires)
        return entry
    note_staged(user, declared)
    url = objectstore.public_client().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": objectstore.bucket(),
            "Key": staging_key(user, declared.sha256),
            "ContentLength": declared.size,
        },
        ExpiresIn=settings.S3_PRESIGN_SECONDS,
    )
    return {"action": "upload", "url": url, "method": "PUT", "headers": {"Content-Length": str(declared.size)}}


def _lfs_expiry(size: int) -> int:
    seconds = max(settings.S3_PRESIGN_SECONDS, math.ceil(size / LFS_SLOWEST_BYTES_PER_SECOND))
    return min(seconds, LONGEST_PRESIGN_SECONDS)


def note_staged(user: User, declared: DeclaredFile) -> Upload:
    """Record (or touch) `user`'s upload to its staging key, so the sweep keeps it while it is in use."""
    values = {"size": declared.size, "key": staging_key(user, declared.sha256), "touched_at": timezone.now()}
    try:
        with transaction.atomic():
            return Upload.objects.update_or_create(user=user, sha256=declared.sha256, defaults=values)[0]
    except IntegrityError:  # noted concurrently
        Upload.objects.filter(user=user, sha256=declared.sha256).update(**values)
        return Upload.objects.get(user=user, sha256=declared.sha256)
