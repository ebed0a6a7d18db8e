"""Finalize a staged upload: read it back and hash it, and move it to its content address if the hub lacks it.

The server-side copy starts with the hashing (in parts of UploadPartCopy for large objects, so objects over
S3's 5 GB CopyObject limit work too) and is completed only once the sha256 matched; both the read and the copy
name the ETag first seen, so an upload replaced meanwhile fails instead of slipping through unhashed.

`prepare` and `store` touch the database; `transfer`, the long part, only S3, so it can run on other threads.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from hub.core import objectstore
from hub.core.errors import Conflict
from hub.deltas import objects
from hub.deltas.declared import DeclaredFile, staging_key
from hub.deltas.models import Finalization, StoredObject, Upload, object_key
from hub.deltas.multipart import part_bytes_for

HASH_CHUNK = 8 * 1024**2


@dataclass
class StagedObject:
    user: object
    declared: DeclaredFile
    etag: str | None  # None: another finalization of this account's moved it already
    existing: StoredObject | None

    @property
    def key(self) -> str:
        return staging_key(self.user, self.declared.sha256)

    def transfer(self, progress: Callable[[int], None]) -> None:
        """Hash the staged bytes (and copy them into place when the hub lacks them); Conflict when they differ."""
        if self.etag is None:
            progress(self.declared.size)
            return
        copy = None
        if self.existing is None:
            size = self.declared.size
            copy = objectstore.ServerSideCopy(
                self.key, object_key(self.declared.sha256), size, self.etag, part_bytes_for(size)
            )
        try:
            digest = self._hash(progress)
            if not hmac.compare_digest(digest, self.declared.sha256):
                raise Conflict(
                    "sha256_mismatch",
                    f"{self.declared.path}: the uploaded bytes hash to {digest[:12]}…, not the declared"
                    f" {self.declared.sha256[:12]}….",
                )
            if copy is not None:
                copy.complete()
        except objectstore.ClientError as exc:
            if copy is not None:
                copy.abort()
            if objectstore.error_code(exc) == "PreconditionFailed":
                raise Conflict(
                    "upload_changed", f"{self.declared.path}: the staged upload changed while it was checked."
                ) from None
            raise
        except BaseException:
            if copy is not None:
                copy.abort()
            raise

    def _hash(self, progress):
        hasher = hashlib.sha256()
        for chunk in objectstore.iter_object(self.key, HASH_CHUNK, if_match=self.etag):
            hasher.update(chunk)
            progress(len(chunk))
        return hasher.hexdigest()

    def store(self) -> StoredObject:
        """After transfer(): the stored object."""
        return self.existing or objects.record(self.declared)

    def release(self) -> None:
        """After store(), once the move is remembered: remove the staged upload."""
        if self.etag is not None:
            discard(self.user, self.declared.sha256)


def prepare(user, declared: DeclaredFile) -> StagedObject:
    """The staged upload of `declared` by `user`, ready to transfer; Conflict when it is missing or of another size."""
    head = objectstore.head_with_checksum(staging_key(user, declared.sha256))
    if head is None:
        existing = StoredObject.objects.filter(sha256=declared.sha256, deleting_at__isnull=True).first()
        if existing is not None and _moved_for(user, declared.sha256):
            return StagedObject(user, declared, None, existing)  # a push run again while the first one finalized
        raise Conflict("object_missing", f"{declared.path}: the staged upload is gone; push again.")
    if head["ContentLength"] != declared.size:
        discard(user, declared.sha256)
        raise Conflict(
            "size_mismatch",
            f"{declared.path}: {head['ContentLength']} bytes reached storage, {declared.size} declared.",
        )
    existing = StoredObject.objects.filter(sha256=declared.sha256, deleting_at__isnull=True).first()
    return StagedObject(user, declared, head["ETag"], existing)


def discard(user, sha256: str) -> None:
    """Remove `user`'s staged upload of `sha256`, any unfinished multipart upload of it, and its record."""
    objectstore.delete_object(staging_key(user, sha256))
    for upload in Upload.objects.filter(user=user, sha256=sha256).exclude(upload_id=""):
        objectstore.abort_multipart(upload.key, upload.upload_id)
    Upload.objects.filter(user=user, sha256=sha256).delete()


def _moved_for(user, sha256: str) -> bool:
    """Did a finalization of `user`'s hash these bytes and move them into place (so the account holds them)?"""
    return Finalization.objects.filter(user=user, request__moved__contains=[sha256]).exists()
