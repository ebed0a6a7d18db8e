"""The work of the finalization task: hash and move a commit's staged uploads, then commit as the request would.

Run twice (a redelivered task), it does no harm: uploads already moved are remembered in the finalization, and
only the first run to reach the commit's transaction completes it.
"""

import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from hub.core.errors import DomainError, NotFound
from hub.deltas import finalize, owner_edits, staged
from hub.deltas.commit import commit_version
from hub.deltas.file_commits import FileChanges, commit_file_changes
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import Delta, Finalization, Upload
from hub.deltas.services import attach_backbone_files
from hub.deltas.uploads import DeclaredFile

PARALLEL_OBJECTS = 4
PROGRESS_EVERY_SECONDS = 1.0
# A run refreshes its heartbeat every second while it hashes; one silent this long is taken to have died.
LEASE = timedelta(minutes=5)


def run(finalization_pk: int) -> str:
    """Finalize one commit: `complete`, `failed` (the reason recorded, its staged uploads removed) or `skipped`
    (gone, final already, or being finalized by another run)."""
    if not _take_lease(finalization_pk):
        return "skipped"
    finalization = Finalization.objects.select_related("user", "namespace", "backbone").get(pk=finalization_pk)
    files = finalize.staged_files(finalization)
    Upload.objects.filter(user=finalization.user, sha256__in=[f.sha256 for f in files]).update(
        touched_at=timezone.now()
    )
    try:
        _move_uploads(finalization, files)
        _commit(finalization, frozenset(f.sha256 for f in files) | set(finalization.request.get("proven", [])))
    except DomainError as exc:
        if exc.code == finalize.ALREADY_FINAL:
            return "skipped"
        finalize.mark_failed(finalization, exc)
        for declared in files:
            staged.discard(finalization.user, declared.sha256)
        return "failed"
    except BaseException:
        release_lease(finalization_pk)  # a retry of the task may start at once
        raise
    return "complete"


def _take_lease(pk):
    """Only one run at a time: a redelivered or resent task leaves one that is alive alone."""
    now = timezone.now()
    stale = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - LEASE)
    finalizing = Finalization.objects.filter(pk=pk, status=Finalization.Status.FINALIZING)
    return finalizing.filter(stale).update(heartbeat_at=now) == 1


def release_lease(pk: int) -> None:
    Finalization.objects.filter(pk=pk).update(heartbeat_at=None)


def _move_uploads(finalization, files):
    """Hash each staged upload (several at once) and move it into place, reporting the bytes read."""
    moved = set(finalization.request.get("moved", []))
    todo = [staged.prepare(finalization.user, f) for f in files if f.sha256 not in moved]
    progress = _Progress(finalization.pk, sum(f.size for f in files if f.sha256 in moved))
    with ThreadPoolExecutor(max(1, min(PARALLEL_OBJECTS, len(todo)))) as pool:
        pending = {pool.submit(job.transfer, progress.add): job for job in todo}
        try:
            while pending:
                done, _ = wait(pending, timeout=PROGRESS_EVERY_SECONDS, return_when=FIRST_EXCEPTION)
                progress.save()
                for future in done:
                    job = pending.pop(future)
                    future.result()
                    job.store()
                    moved.add(job.declared.sha256)
                    _remember_moved(finalization, moved)
                    job.release()
        except BaseException:
            progress.cancelled = True  # the other transfers stop at their next chunk and abandon their copies
            raise
    progress.save()


def _remember_moved(finalization, moved):
    finalization.request = {**finalization.request, "moved": sorted(moved)}
    Finalization.objects.filter(pk=finalization.pk).update(request=finalization.request)


class _Cancelled(Exception):
    pass


class _Progress:
    """Bytes hashed so far, added from the transfer threads, saved from the finalizing one."""

    def __init__(self, pk, already):
        self.pk, self.count, self.lock, self.cancelled = pk, already, threading.Lock(), False

    def add(self, n: int) -> None:
        if self.cancelled:
            raise _Cancelled()
        with self.lock:
            self.count += n

    def save(self) -> None:
        Finalization.objects.filter(pk=self.pk).update(bytes_done=self.count, heartbeat_at=timezone.now())


def _commit(finalization, proven):
    request, user = finalization.request, finalization.user
    if finalization.kind == Finalization.Kind.BACKBONE:
        files = [DeclaredFile(**f) for f in request["files"]]
        attach_backbone_files(user, finalization.backbone, files, proven=proven, finalization=finalization)
    elif finalization.kind == Finalization.Kind.CHANGES:
        delta = _writable_delta(finalization)
        changes = FileChanges.from_json(request["changes"])
        commit_file_changes(user, delta, changes, proven=proven, finalization=finalization)
    else:
        metadata = DeltaMetadata(**request["metadata"])
        files = [DeclaredFile(**f) for f in request["files"]]
        commit_version(
            user, finalization.namespace.name, finalization.name, metadata, files, proven=proven,
            finalization=finalization,
        )  # fmt: skip


def _writable_delta(finalization):
    delta = Delta.objects.live().filter(namespace=finalization.namespace, name__iexact=finalization.name).first()
    if delta is None:
        raise NotFound("delta_not_found", f"{finalization.namespace.name}/{finalization.name} is gone.")
    return owner_edits.check_writable(finalization.user, delta)
