"""Commits that add and delete some files of the newest version, as git-based hubs make them.

The version they create is the same immutable snapshot a full push makes: the parent's files, with these
changes applied, each file checked as any upload is. Which delta type, task, datasets and backbone it has comes
from the files themselves: `adapter_config.json` (or `delta_config.json`) and the card's YAML front matter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

from deltacenter.formats import DELTA_CONFIG, PEFT_CONFIG, PEFT_TYPES
from hub.core.errors import Conflict, Invalid, NotFound
from hub.deltas import binding, finalize, quotas
from hub.deltas.cards import CardError, card_metadata
from hub.deltas.commit import CommitOutcome, create_version, refuse_staged
from hub.deltas.declared import DeclaredFile, check_sizes
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import Delta, DeltaVersion, Finalization
from hub.deltas.verify import CARD_PATH, CheckedFile, check_files, delta_config, json_at

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class FileChanges:
    """What one commit does: files added or replaced (uploaded already), files and folders deleted."""

    summary: str = ""
    description: str = ""
    parent_commit: str | None = None
    added: dict[str, DeclaredFile] = field(default_factory=dict)
    deleted_files: set[str] = field(default_factory=set)
    deleted_folders: set[str] = field(default_factory=set)

    @property
    def message(self) -> str:
        return "\n\n".join(part for part in (self.summary.strip(), self.description.strip()) if part)

    def to_json(self) -> dict:
        return {
            "summary": self.summary,
            "description": self.description,
            "parent_commit": self.parent_commit,
            "added": [asdict(f) for f in self.added.values()],
            "deleted_files": sorted(self.deleted_files),
            "deleted_folders": sorted(self.deleted_folders),
        }

    @classmethod
    def from_json(cls, data: dict) -> FileChanges:
        added = [DeclaredFile(**f) for f in data["added"]]
        return cls(
            summary=data["summary"],
            description=data["description"],
            parent_commit=data["parent_commit"],
            added={f.path: f for f in added},
            deleted_files=set(data["deleted_files"]),
            deleted_folders=set(data["deleted_folders"]),
        )


def commit_file_changes(
    user: User,
    delta: Delta,
    changes: FileChanges,
    *,
    proven: frozenset[str] = frozenset(),
    finalization: Finalization | None = None,
) -> CommitOutcome:
    """Apply `changes` to the newest version of `delta` (which the caller may write) and commit the result.

    Staged uploads make it a finalization, which applies the changes again, to the newest version then, once
    they are hashed. `proven`: digests whose bytes the hub received from `user` itself (inline files)."""
    parent = delta.versions.prefetch_related("files__object").order_by("-number").first()
    _check_parent(delta, parent, changes.parent_commit)
    declared = _resulting_files(parent, changes)
    check_sizes(declared)
    quotas.check_quota(delta.namespace, declared)
    # S3 reads happen here, outside any transaction: a slow store must not hold row locks.
    checked, staged = check_files(user, declared, proven)
    if staged:
        refuse_staged(finalization, staged)
        request = {"changes": changes.to_json(), "proven": sorted(proven)}
        pending = finalize.defer(
            user, Finalization.Kind.CHANGES, request, staged, namespace=delta.namespace, name=delta.name
        )
        return CommitOutcome.deferred(pending)
    metadata, choice = _described_by(checked, changes.message)
    return create_version(
        user, delta.namespace, delta.name, metadata, choice, checked, must_exist=True, finalization=finalization
    )


def _check_parent(delta: Delta, parent: DeltaVersion | None, parent_commit: str | None) -> None:
    if parent_commit and (parent is None or parent.commit_id != parent_commit):
        raise Conflict(
            "stale_parent",
            f"{delta.full_name} has moved on since commit {parent_commit[:12]}: fetch its newest revision and commit"
            " again.",
            field="parentCommit",
        )


def _resulting_files(parent: DeltaVersion | None, changes: FileChanges) -> list[DeclaredFile]:
    files = parent.files.all() if parent is not None else []
    current = {f.path: DeclaredFile(f.path, f.object.size, f.object.sha256) for f in files}
    for path in sorted(changes.deleted_files):
        if path not in current and path not in changes.added:
            raise NotFound("entry_not_found", f"Cannot delete {path!r}: a file with this name doesn't exist.")
        current.pop(path, None)
    for folder in changes.deleted_folders:
        prefix = folder.rstrip("/") + "/"
        current = {path: f for path, f in current.items() if not path.startswith(prefix)}
    current.update(changes.added)
    if not current:
        raise Invalid("no_files", "This commit would leave the repository without any file.")
    if len(current) > settings.DELTACENTER_MAX_FILES:
        raise Invalid("too_many_files", f"{len(current)} files; the limit is {settings.DELTACENTER_MAX_FILES}.")
    return sorted(current.values(), key=lambda f: f.path)


def _described_by(checked: list[CheckedFile], message: str) -> tuple[DeltaMetadata, binding.BackboneChoice]:
    by_path = {c.path: c for c in checked}
    config = delta_config(by_path)
    card_file = by_path.get(CARD_PATH)
    if card_file is not None and card_file.text is None:
        card_file = None
    try:
        card = card_metadata(card_file.text) if card_file is not None else None
    except CardError as exc:
        raise Invalid("invalid_card", f"{CARD_PATH}: {exc}.", field=CARD_PATH) from None
    base_model = _text(config.get("base_model_name_or_path")) or (card.base_model if card else "")
    choice = binding.choose(card.base_model_hash if card else None, base_model)
    metadata = DeltaMetadata(
        delta_type=_delta_type(by_path),
        commit_message=message[:10_000],
        claimed_metrics=card.claimed_metrics if card else {},
    )
    if card is not None:  # the card's text is the version's README.md (commit.with_card_of_version)
        metadata.task, metadata.tags, metadata.license = card.task, card.tags, card.license
        metadata.train_datasets = card.datasets
    return metadata, choice


def _delta_type(by_path: dict[str, CheckedFile]) -> str | None:
    """The type the config files declare; None (keep the delta's) when there is no config to say."""
    peft = json_at(by_path, PEFT_CONFIG)
    if peft is not None:
        return PEFT_TYPES.get(str(peft.get("peft_type", "")).upper(), Delta.DeltaType.OTHER)
    own = json_at(by_path, DELTA_CONFIG)
    if own is None:
        return None
    declared = own.get("delta_type")
    return declared if declared in Delta.DeltaType.values else Delta.DeltaType.OTHER


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
