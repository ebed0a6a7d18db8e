"""What the owners of a delta change by hand: its card (a new version), its tags and visibility (metadata only).

Every change leaves a `DeltaChange` row saying who changed what and when. The pages and the API call these."""

import hashlib

from django.db import transaction
from django.utils import timezone

from hub.accounts.namespaces import can_manage
from hub.core.errors import Forbidden, TooLarge
from hub.deltas import objects
from hub.deltas.commit import CommitOutcome
from hub.deltas.declared import DeclaredFile
from hub.deltas.file_commits import FileChanges, commit_file_changes
from hub.deltas.history import previous_version
from hub.deltas.models import Delta, DeltaChange
from hub.deltas.search import refresh_search_vector
from hub.deltas.verify import CARD_PATH, MAX_CARD_BYTES

DEFAULT_CARD_MESSAGE = "Edit the model card"


def may_edit(user, delta: Delta) -> bool:
    return can_manage(user, delta.namespace)


def check_writable(user, delta: Delta, doing: str = "change it") -> Delta:
    """`delta` (visible to `user`) if they may change it; Forbidden otherwise."""
    if not may_edit(user, delta):
        raise Forbidden("forbidden", f"Only the owners of {delta.full_name} can {doing}.")
    return delta


def record_change(user, delta: Delta, action: str, before=None, after=None, version=None) -> DeltaChange:
    return DeltaChange.objects.create(
        delta=delta, user=user if user.is_authenticated else None, action=action, before=before, after=after,
        version=version,
    )  # fmt: skip


def set_tags(user, delta: Delta, tags: list[str]) -> Delta:
    """Replace the delta's tags (already checked: hub.deltas.inputs.DeltaSettingsRequest); no new version."""
    check_writable(user, delta)
    tags = sorted(set(tags))
    with transaction.atomic():
        locked = Delta.objects.select_for_update().select_related("namespace").get(pk=delta.pk)
        before = list(locked.tags)
        if before != tags:
            locked.tags, locked.updated_at = tags, timezone.now()
            locked.save(update_fields=["tags", "updated_at"])
            refresh_search_vector(locked)
            record_change(user, locked, DeltaChange.Action.TAGS, {"tags": before}, {"tags": tags})
    delta.tags, delta.updated_at = locked.tags, locked.updated_at
    return delta


def set_visibility(user, delta: Delta, private: bool) -> Delta:
    """Make the delta private (only its namespace's members see it) or public; no new version."""
    check_writable(user, delta)
    with transaction.atomic():
        locked = Delta.objects.select_for_update().get(pk=delta.pk)
        if locked.private != private:
            Delta.objects.filter(pk=delta.pk).update(private=private, updated_at=timezone.now())
            record_change(
                user, locked, DeltaChange.Action.VISIBILITY, {"private": locked.private}, {"private": private}
            )
    delta.private = private
    return delta


def edit_card(user, delta: Delta, text: str, message: str = "", parent_commit: str | None = None) -> CommitOutcome:
    """Commit `text` as the delta's README.md: a new version, made by the commit service every file change uses.

    `parent_commit`: the version the text was edited from; a commit pushed meanwhile makes this a Conflict."""
    check_writable(user, delta)
    data = text.replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_CARD_BYTES:
        raise TooLarge("card_too_large", f"The card is {len(data)} bytes; at most {MAX_CARD_BYTES}.", field="card")
    declared = DeclaredFile(CARD_PATH, len(data), hashlib.sha256(data).hexdigest())
    objects.store(declared.sha256, data, declared.size)
    changes = FileChanges(
        summary=message.strip() or DEFAULT_CARD_MESSAGE, parent_commit=parent_commit, added={CARD_PATH: declared}
    )
    # The hub hashed these bytes itself: they are this user's to commit.
    outcome = commit_file_changes(user, delta, changes, proven=frozenset({declared.sha256}))
    if outcome.created:
        parent = previous_version(outcome.version)
        before = {"commit": parent.commit_id if parent is not None else None}
        after = {"commit": outcome.version.commit_id}
        record_change(user, delta, DeltaChange.Action.CARD, before, after, outcome.version)
    return outcome


def delete_delta(user, delta: Delta) -> None:
    """Owners, writers of its organisation and site admins may delete. The delta's metadata stays (soft delete);
    its objects go with the storage sweep once nothing else references them."""
    check_writable(user, delta, "delete it")
    with transaction.atomic():
        delta.deleted_at = timezone.now()
        delta.save(update_fields=["deleted_at"])
        record_change(user, delta, DeltaChange.Action.DELETE, {"deleted": False}, {"deleted": True})


def history(delta: Delta, limit: int = 50) -> list[DeltaChange]:
    """The newest changes first, with who made them."""
    changes = delta.changes.select_related("user", "version").order_by("-created_at", "-pk")
    return list(changes[:limit])
