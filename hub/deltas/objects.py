"""Stored objects as commits use them, safe against the storage sweep running at the same time.

The sweep (hub.deltas.cleanup) marks an object it is about to delete (`deleting_at`) in a transaction that skips
rows other transactions hold, and deletes the bytes only after that. A commit takes the rows of its objects with
FOR NO KEY UPDATE and touches them in the transaction that creates the version: if the sweep marked one first,
the commit fails with object_missing and creates nothing; if the commit got there first, the sweep skips the rows
while they are held, and finds them referenced, and used a moment ago, once the commit is done.
"""

from collections.abc import Iterable
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.core import objectstore
from hub.core.errors import Conflict
from hub.deltas.declared import DeclaredFile, sha256_base64
from hub.deltas.models import StoredObject, object_key


def removed_error(path: str, sha256: str) -> Conflict:
    return Conflict(
        "object_missing",
        f"{path}: the stored copy of {sha256[:12]}… is being removed as unused. Push again to upload it anew.",
    )


def held(sha256: str) -> bool:
    """Whether the hub holds these bytes already (and the sweep is not removing them): no need to store them."""
    return StoredObject.objects.filter(sha256=sha256, deleting_at__isnull=True).exists()


def store(sha256: str, body: bytes | BinaryIO, size: int) -> None:
    """Put `body` at its content address (S3 checks its sha256), unless the hub holds these bytes already."""
    if not held(sha256):
        objectstore.put_checked(object_key(sha256), body, size, sha256_base64(sha256))


def record(declared: DeclaredFile) -> StoredObject:
    """The stored object for bytes now at their content address, created when new."""
    try:
        with transaction.atomic():
            obj, _ = StoredObject.objects.get_or_create(sha256=declared.sha256, defaults={"size": declared.size})
    except IntegrityError:  # a concurrent commit of the same bytes won the race
        obj = StoredObject.objects.get(sha256=declared.sha256)
    if obj.deleting_at is not None:
        raise removed_error(declared.path, declared.sha256)
    return obj


def touch(shas: Iterable[str]) -> None:
    """Mark objects as used now (an upload plan counted on them): the sweep leaves them a grace window."""
    shas = set(shas)
    if shas:
        StoredObject.objects.filter(sha256__in=shas, deleting_at__isnull=True).update(last_used_at=timezone.now())


def claim(objects: Iterable[StoredObject]) -> None:
    """Inside the transaction that will reference `objects`: hold their rows, refuse any the sweep marked, and
    touch them. Rows are taken in id order, so commits sharing objects cannot deadlock."""
    wanted = {obj.pk: obj for obj in objects}
    held = set(
        StoredObject.objects.select_for_update(no_key=True)
        .filter(pk__in=wanted, deleting_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk, obj in sorted(wanted.items()):
        if pk not in held:
            raise removed_error(f"{obj.sha256[:12]}…", obj.sha256)
    StoredObject.objects.filter(pk__in=held).update(last_used_at=timezone.now())
