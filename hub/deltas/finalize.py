"""Commits whose uploads the hub must hash or copy first: recorded at once, finalized by a task.

A commit whose files are all ready (readable already, or checked by S3 at their content address) creates its
version within the request. One that names staged uploads (multipart, Git LFS) is recorded as a Finalization and
answered at once with the commit id its version will have; the `workers.finalize_commit` task
(hub.deltas.finalizer) hashes those uploads and moves them into place, then runs the same commit function again,
whose transaction creates the version and marks the finalization complete together. Until then nothing of the
commit is visible (no version, no listing, no `main`); a failure leaves no version and records why.
"""

import secrets
import time
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hub.core import tasks
from hub.core.errors import Conflict, DomainError, NotFound
from hub.deltas.declared import DeclaredFile
from hub.deltas.models import Delta, DeltaVersion, Finalization

FINALIZE_TASK = "workers.finalize_commit"
ALREADY_FINAL = "finalization_already_final"
_ERRORS_BY_KIND = {cls.kind.value: cls for cls in DomainError.__subclasses__()}


def defer(
    user, kind: str, request: dict, staged: list[DeclaredFile], *, namespace=None, name: str = "", backbone=None
) -> Finalization:
    """Record a commit to finalize, and send the task once the surrounding transaction commits."""
    unique = list({f.sha256: f for f in staged}.values())
    finalization = Finalization.objects.create(
        commit_id=secrets.token_hex(20),
        kind=kind,
        user=user,
        namespace=namespace,
        name=name,
        backbone=backbone,
        request={**request, "staged": [asdict(f) for f in unique]},
        bytes_total=sum(f.size for f in unique),
    )
    transaction.on_commit(lambda: tasks.send(FINALIZE_TASK, finalization.pk))
    return finalization


def staged_files(finalization: Finalization) -> list[DeclaredFile]:
    return [DeclaredFile(**item) for item in finalization.request.get("staged", [])]


def hold(finalization: Finalization) -> None:
    """Inside the transaction that completes it: lock the finalization, refusing one already final."""
    status = Finalization.objects.select_for_update().filter(pk=finalization.pk).values_list("status", flat=True)
    if status.first() != Finalization.Status.FINALIZING:
        raise Conflict(ALREADY_FINAL, f"Commit {finalization.commit_id[:12]} was finalized already.")


def mark_complete(finalization: Finalization, version: DeltaVersion | None, created: bool) -> None:
    """In the transaction that created the version (or attached the backbone's files)."""
    Finalization.objects.filter(pk=finalization.pk).update(
        status=Finalization.Status.COMPLETE, version=version, created=created, finished_at=timezone.now()
    )


def mark_failed(finalization: Finalization, error: DomainError) -> None:
    Finalization.objects.filter(pk=finalization.pk, status=Finalization.Status.FINALIZING).update(
        status=Finalization.Status.FAILED,
        error_kind=error.kind.value,
        reason_code=error.code[:64],
        reason=error.message,
        finished_at=timezone.now(),
    )


def failure(finalization: Finalization) -> DomainError:
    """The error a failed finalization recorded, to raise again (to the Hugging Face client that waited on it)."""
    cls = _ERRORS_BY_KIND.get(finalization.error_kind, Conflict)
    return cls(finalization.reason_code, finalization.reason)


def wait(finalization: Finalization, seconds: float, interval: float = 0.25) -> Finalization:
    """The finalization, refreshed until it is final or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while finalization.status == Finalization.Status.FINALIZING and time.monotonic() < deadline:
        time.sleep(interval)
        finalization.refresh_from_db()
    return finalization


def commit_status(user, commit_id: str) -> dict:
    """Where a commit stands: finalizing (with progress), complete (its version) or failed (why).

    A finalization is visible to whoever committed it (and site admins); a version, to whoever sees its delta."""
    finalization = Finalization.objects.select_related("namespace", "backbone", "version__delta__namespace").filter(
        commit_id=commit_id
    )
    if not user.is_superuser:
        finalization = finalization.filter(user=user) if user.is_authenticated else finalization.none()
    found = finalization.first()
    if found is not None:
        return describe(found)
    version = (
        DeltaVersion.objects.select_related("delta__namespace")
        .filter(commit_id=commit_id, delta__in=Delta.objects.visible_to(user))
        .first()
    )
    if version is None:
        raise NotFound("commit_not_found", f"No commit {commit_id[:12]}, or you are not allowed to see it.")
    body = {"kind": Finalization.Kind.PUSH, "status": Finalization.Status.COMPLETE, "bytes_total": 0, "bytes_done": 0}
    return {**body, "reason_code": None, "reason": None, **_version_fields(version, created=True)}


def describe(finalization: Finalization) -> dict:
    body = {
        "commit_id": finalization.commit_id,
        "kind": finalization.kind,
        "status": finalization.status,
        "bytes_total": finalization.bytes_total,
        "bytes_done": finalization.bytes_done,
        "reason_code": finalization.reason_code or None,
        "reason": finalization.reason or None,
        "id": _subject(finalization),
        "number": None,
        "created": None,
        "url": None,
    }
    if finalization.version is not None:
        body.update(_version_fields(finalization.version, finalization.created))
    return body


def _subject(finalization):
    if finalization.kind == Finalization.Kind.BACKBONE:
        return finalization.backbone.content_hash
    return f"{finalization.namespace.name}/{finalization.name}"


def _version_fields(version: DeltaVersion, created: bool) -> dict:
    """What names the version a commit made (an unchanged commit names the newest version, made before)."""
    return {
        "id": version.delta.full_name,
        "commit_id": version.commit_id,
        "number": version.number,
        "created": created,
        "url": f"{settings.SITE_URL}/{version.delta.full_name}",
    }
