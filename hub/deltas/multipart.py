"""Large files go up in parts to the uploader's staging key: resumable, with part URLs signed as asked for.

One open S3 multipart upload per account and content (an `Upload` row). The plan says which parts S3 holds
already (ListParts), so an interrupted push sends only the rest; the client asks for URLs of the parts it is
about to send, a batch at a time, and for a fresh one when a URL expired before its part was sent.
"""

import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.core import objectstore
from hub.core.errors import Conflict, Invalid, NotFound
from hub.deltas.declared import DeclaredFile, staging_key
from hub.deltas.models import Upload

MAX_PARTS = 10_000
MAX_SIGNED_AT_ONCE = 1000
MIB = 1024**2


def part_bytes_for(size: int) -> int:
    """The configured part size, or larger where the file would need more parts than S3 allows."""
    needed = math.ceil(size / MAX_PARTS)
    return max(settings.DELTACENTER_MULTIPART_PART_BYTES, math.ceil(needed / MIB) * MIB)


def part_count(upload: Upload) -> int:
    return max(1, math.ceil(upload.size / upload.part_bytes))


def open_or_resume(user, declared: DeclaredFile) -> dict:
    """The plan entry for a file sent in parts: the open upload (resumed, or new) and the parts S3 holds."""
    upload, done = _resumable(user, declared)
    if upload is None:
        upload, done = _start(user, declared), []
    return {
        "action": "multipart",
        "upload_id": upload.upload_id,
        "part_bytes": upload.part_bytes,
        "part_count": part_count(upload),
        "parts_done": [{"part_number": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]} for p in done],
    }


def _resumable(user, declared):
    upload = Upload.objects.filter(user=user, sha256=declared.sha256).first()
    if upload is None or not upload.upload_id or upload.size != declared.size:
        return None, []
    parts = objectstore.list_parts(upload.key, upload.upload_id)
    if parts is None:  # aborted by the sweep, or completed meanwhile
        return None, []
    _touch(upload)
    expected = {n: _expected_size(upload, n) for n in range(1, part_count(upload) + 1)}
    return upload, [p for p in parts if expected.get(p["PartNumber"]) == p["Size"]]


def _expected_size(upload, number):
    return min(upload.part_bytes, upload.size - (number - 1) * upload.part_bytes)


def _start(user, declared):
    key = staging_key(user, declared.sha256)
    upload_id = objectstore.client().create_multipart_upload(Bucket=objectstore.bucket(), Key=key)["UploadId"]
    values = {"size": declared.size, "key": key, "upload_id": upload_id, "part_bytes": part_bytes_for(declared.size)}
    try:
        with transaction.atomic():
            upload, _ = Upload.objects.update_or_create(
                user=user, sha256=declared.sha256, defaults={**values, "touched_at": timezone.now()}
            )
    except IntegrityError:  # a concurrent plan of the same file created the row: the newest upload wins
        Upload.objects.filter(user=user, sha256=declared.sha256).update(**values, touched_at=timezone.now())
        upload = Upload.objects.get(user=user, sha256=declared.sha256)
    return upload


def _touch(upload):
    Upload.objects.filter(pk=upload.pk).update(touched_at=timezone.now())


def open_upload(user, sha256: str, upload_id: str) -> Upload:
    upload = Upload.objects.filter(user=user, sha256=sha256, upload_id=upload_id).exclude(upload_id="").first()
    if upload is None:
        raise NotFound(
            "upload_not_found",
            f"No open upload {upload_id[:16]}… of {sha256[:12]}… is yours: ask for an upload plan again.",
            field="upload_id",
        )
    return upload


def sign_parts(user, sha256: str, upload_id: str, part_numbers: list[int], expires: int | None = None) -> list[dict]:
    """Presigned PUT URLs for some parts of an open upload of `user`'s."""
    upload = open_upload(user, sha256, upload_id)
    count = part_count(upload)
    wrong = [n for n in part_numbers if not 1 <= n <= count]
    if wrong:
        raise Invalid("invalid_part_number", f"Part {wrong[0]} is out of range: this upload has {count} parts.")
    if len(part_numbers) > MAX_SIGNED_AT_ONCE:
        raise Invalid("too_many_parts", f"Ask for at most {MAX_SIGNED_AT_ONCE} part URLs at once.")
    _touch(upload)
    return [{"part_number": n, "url": _part_url(upload, n, expires)} for n in sorted(set(part_numbers))]


def _part_url(upload, number, expires):
    return objectstore.public_client().generate_presigned_url(
        "upload_part",
        Params={"Bucket": objectstore.bucket(), "Key": upload.key, "UploadId": upload.upload_id, "PartNumber": number},
        ExpiresIn=expires or settings.S3_PRESIGN_SECONDS,
    )


def complete(user, sha256: str, upload_id: str, parts: list[dict]) -> dict:
    """Assemble the parts the client uploaded; a second call after success is a no-op."""
    key = staging_key(user, sha256)
    upload = Upload.objects.filter(user=user, sha256=sha256).first()
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
    if upload is not None and upload.upload_id == upload_id:
        Upload.objects.filter(pk=upload.pk).update(upload_id="", touched_at=timezone.now())
    return {"sha256": sha256, "staged_bytes": objectstore.object_size(key)}
