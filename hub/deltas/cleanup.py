"""The storage sweep, hourly: mark and sweep what nothing references any more, after a grace window.

- Unfinished uploads: multipart uploads and staged objects under `uploads/` whose upload was not touched (planned,
  signed, completed, committed) within the window are aborted and deleted.
- Stored objects: one that no version of a live delta, no backbone and nothing else references, and that no plan
  or commit used within the window, is marked (`deleting_at`) in a transaction that skips rows a commit holds,
  then its bytes are deleted, then its row. A commit that would reference a marked object fails instead
  (hub.deltas.objects), so a version never names bytes that are gone. A deleted delta's versions stop counting as
  references: its files go once nothing else holds them.
- Bytes at a content address with no row (uploaded, never committed) are claimed with a marked row first, so a
  commit cannot adopt them while they are deleted.
- Finalizations whose task went quiet are sent again; those older than the window fail.

Every S3 listing is paginated.
"""

from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from hub.core import objectstore, tasks
from hub.core.errors import Conflict
from hub.deltas import finalize, staged
from hub.deltas.finalizer import LEASE
from hub.deltas.models import Finalization, StoredObject, Upload, VersionFile, is_sha256, object_key

STAGING_PREFIX = "uploads/"
OBJECTS_PREFIX = "objects/"
BATCH = 500


def grace_window() -> timedelta:
    return timedelta(seconds=settings.DELTACENTER_STORAGE_GRACE_SECONDS)


def sweep_storage(grace: timedelta | None = None, page_size: int = 1000) -> dict[str, int]:
    """One pass of the sweep; counts of what went (or was sent again)."""
    now = timezone.now()
    cutoff = now - (grace if grace is not None else grace_window())
    return {
        "finalizations_resent": resend_quiet_finalizations(now),
        "finalizations_expired": expire_finalizations(cutoff),
        "multipart": abort_stale_multipart_uploads(cutoff, page_size),
        "staged": delete_stale_staged_uploads(cutoff, page_size),
        "objects": sweep_unreferenced_objects(cutoff),
        "orphans": delete_orphaned_bytes(cutoff, page_size),
    }


def _fresh_upload_keys(cutoff):
    return set(Upload.objects.filter(touched_at__gte=cutoff).values_list("key", flat=True))


def abort_stale_multipart_uploads(cutoff, page_size: int = 1000) -> int:
    fresh, aborted = _fresh_upload_keys(cutoff), 0
    for upload in list(objectstore.list_multipart_uploads(STAGING_PREFIX, page_size)):
        if upload["Key"] in fresh or upload["Initiated"] >= cutoff:
            continue
        objectstore.abort_multipart(upload["Key"], upload["UploadId"])
        aborted += 1
    Upload.objects.filter(touched_at__lt=cutoff).exclude(upload_id="").update(upload_id="")
    return aborted


def delete_stale_staged_uploads(cutoff, page_size: int = 1000) -> int:
    fresh, deleted = _fresh_upload_keys(cutoff), 0
    for item in list(objectstore.list_keys(STAGING_PREFIX, page_size)):
        if item["Key"] in fresh or item["LastModified"] >= cutoff:
            continue
        objectstore.delete_object(item["Key"])
        deleted += 1
    Upload.objects.filter(touched_at__lt=cutoff).delete()
    return deleted


def references() -> Q:
    """Anything that holds an object: every relation to StoredObject, a version only while its delta is live."""
    held = []
    for relation in StoredObject._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or not (relation.one_to_many or relation.one_to_one):
            continue
        rows = relation.related_model.objects.filter(**{relation.field.name: OuterRef("pk")})
        if relation.related_model is VersionFile:
            rows = rows.filter(version__delta__deleted_at__isnull=True)
        held.append(Exists(rows))
    return reduce(or_, held)


def mark_unreferenced(cutoff, batch: int = BATCH) -> list[int]:
    """Mark up to `batch` objects nothing references and nothing used since `cutoff`, skipping rows held by a
    commit; the versions of deleted deltas let go of them. Returns the ids marked."""
    with transaction.atomic():
        candidates = (
            StoredObject.objects.filter(deleting_at__isnull=True, last_used_at__lt=cutoff)
            .exclude(references())
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        ids = list(candidates.values_list("pk", flat=True)[:batch])
        VersionFile.objects.filter(object_id__in=ids).delete()  # only versions of deleted deltas are left
        StoredObject.objects.filter(pk__in=ids).update(deleting_at=timezone.now())
    return ids


def delete_marked(batch: int = BATCH) -> int:
    """Delete the bytes of marked objects, then their rows."""
    deleted = 0
    while marked := list(StoredObject.objects.filter(deleting_at__isnull=False).order_by("pk")[:batch]):
        for obj in marked:
            objectstore.delete_object(obj.key)
        StoredObject.objects.filter(pk__in=[obj.pk for obj in marked]).delete()
        deleted += len(marked)
    return deleted


def sweep_unreferenced_objects(cutoff) -> int:
    while mark_unreferenced(cutoff):
        pass
    return delete_marked()


def delete_orphaned_bytes(cutoff, page_size: int = 1000) -> int:
    """Bytes under objects/ that no row records, older than `cutoff`: claimed with a marked row, then deleted."""
    deleted = 0
    for item in objectstore.list_keys(OBJECTS_PREFIX, page_size):
        if item["LastModified"] >= cutoff:
            continue
        digest = item["Key"].rsplit("/", 1)[-1]
        if not is_sha256(digest) or item["Key"] != object_key(digest):
            objectstore.delete_object(item["Key"])  # nothing can name it
            deleted += 1
        elif _claim_orphan(digest, item["Size"]):
            objectstore.delete_object(item["Key"])
            StoredObject.objects.filter(sha256=digest).delete()
            deleted += 1
    return deleted


def _claim_orphan(digest, size):
    if StoredObject.objects.filter(sha256=digest).exists():
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            StoredObject.objects.create(sha256=digest, size=size, last_used_at=now, deleting_at=now)
    except IntegrityError:  # a commit recorded it meanwhile
        return False
    return True


def resend_quiet_finalizations(now) -> int:
    """Finalizations with no live task (never started, or silent for a lease) are sent again."""
    quiet = Q(heartbeat_at__lt=now - LEASE) | Q(heartbeat_at__isnull=True, created_at__lt=now - LEASE)
    pks = list(Finalization.objects.filter(quiet, status=Finalization.Status.FINALIZING).values_list("pk", flat=True))
    for pk in pks:
        tasks.send(finalize.FINALIZE_TASK, pk)
    return len(pks)


def expire_finalizations(cutoff) -> int:
    expired = Finalization.objects.select_related("user").filter(
        status=Finalization.Status.FINALIZING, created_at__lt=cutoff
    )
    error = Conflict("finalize_expired", "The hub could not finalize this commit in time; push again.")
    count = 0
    for finalization in expired:
        finalize.mark_failed(finalization, error)
        for declared in finalize.staged_files(finalization):
            staged.discard(finalization.user, declared.sha256)
        count += 1
    return count
