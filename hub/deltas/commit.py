"""Step three of a push: turn verified objects into a new immutable version, all or nothing."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from hub.accounts.models import Namespace
from hub.accounts.names import validate_name
from hub.accounts.namespaces import can_write
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.deltas import binding, finalize, objects, quotas
from hub.deltas.declared import DeclaredFile, check_sizes
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import Delta, DeltaVersion, Finalization, VersionFile
from hub.deltas.search import refresh_search_vector
from hub.deltas.signals import delta_backbone_bound, version_committed
from hub.deltas.verify import CARD_PATH, CheckedFile, check_files, delta_config, tensor_names

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from hub.deltas.models import Backbone


@dataclass(frozen=True)
class CommitOutcome:
    """The version a commit made (or the newest, when it changed nothing), or the finalization it waits on."""

    version: DeltaVersion | None
    created: bool
    pending: Finalization | None = None

    @classmethod
    def deferred(cls, pending: Finalization) -> CommitOutcome:
        return cls(None, False, pending)


def resolve_writable_namespace(user: User, namespace_name: str) -> Namespace:
    namespace = Namespace.objects.filter(name__iexact=namespace_name).first()
    if namespace is None:
        raise NotFound("namespace_not_found", f"There is no user or organisation named {namespace_name!r}.")
    if not can_write(user, namespace):
        raise Forbidden(
            "forbidden_namespace",
            f"You cannot publish into {namespace.name!r}: it is not yours and you have no write role there.",
        )
    return namespace


def manifest_sha256(entries: Iterable[tuple[str, str]]) -> str:
    """sha256 of the sorted (path, sha256) pairs of a version's files."""
    listing = sorted(entries)
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def commit_version(
    user: User,
    namespace_name: str,
    name: str,
    metadata: DeltaMetadata,
    declared: list[DeclaredFile],
    *,
    proven: frozenset[str] = frozenset(),
    finalization: Finalization | None = None,
) -> CommitOutcome:
    """Verify every object, then create the version in one transaction (inputs: hub.deltas.inputs.CommitRequest).

    Staged uploads make it a finalization instead (hub.deltas.finalize), which calls this again once they are
    hashed. `proven`: digests whose bytes the hub received from `user` itself."""
    validate_delta_name(name)
    namespace = resolve_writable_namespace(user, namespace_name)
    choice = binding.by_hash(metadata.backbone)
    check_sizes(declared)
    quotas.check_quota(namespace, declared)
    # S3 reads happen here, outside any transaction: a slow store must not hold row locks.
    ready, staged = check_files(user, declared, proven)
    if staged:
        refuse_staged(finalization, staged)
        _check_delta_can_take(namespace, name, metadata)
        request = {"metadata": asdict(metadata), "files": [asdict(f) for f in declared], "proven": sorted(proven)}
        pending = finalize.defer(user, Finalization.Kind.PUSH, request, staged, namespace=namespace, name=name)
        return CommitOutcome.deferred(pending)
    return create_version(user, namespace, name, metadata, choice, ready, finalization=finalization)


def refuse_staged(finalization: Finalization | None, staged: list[DeclaredFile]) -> None:
    """A finalization hashed every staged upload before it commits: one left means it vanished meanwhile."""
    if finalization is not None:
        raise Conflict("object_missing", f"{staged[0].path}: its upload is no longer staged; push again.")


def _check_delta_can_take(namespace: Namespace, name: str, metadata: DeltaMetadata) -> None:
    """The checks create_version makes of the delta, made before a finalization so it cannot fail on them late."""
    existing = Delta.objects.filter(namespace=namespace, name__iexact=name).first()
    if existing is None and not metadata.delta_type:
        raise Invalid(
            "missing_field", "delta_type is required for a new delta (lora, adapter, bitfit, ...).", field="delta_type"
        )
    if existing is not None and existing.deleted_at is not None:
        raise Conflict("delta_deleted", f"{namespace.name}/{name} was deleted; choose another name.", field="name")


def validate_delta_name(name: str) -> str:
    try:
        validate_name(name, "delta name")
    except ValidationError as exc:
        raise Invalid("invalid_name", " ".join(exc.messages), field="name") from None
    return name


@transaction.atomic
def create_version(
    user: User,
    namespace: Namespace,
    name: str,
    metadata: DeltaMetadata,
    choice: binding.BackboneChoice,
    checked: list[CheckedFile],
    *,
    must_exist: bool = False,
    finalization: Finalization | None = None,
) -> CommitOutcome:
    """The version holding exactly `checked`, or the newest one when it holds the same files and metadata.

    With `finalization`, the version gets its commit id, and the finalization is complete when this commits."""
    if finalization is not None:
        finalize.hold(finalization)
    objects.claim(c.object for c in checked)
    metadata = with_card_of_version(metadata, checked)
    outcome = _version_for(user, namespace, name, metadata, choice, checked, must_exist, finalization)
    if finalization is not None:
        finalize.mark_complete(finalization, outcome.version, outcome.created)
    return outcome


def _version_for(
    user: User,
    namespace: Namespace,
    name: str,
    metadata: DeltaMetadata,
    choice: binding.BackboneChoice,
    checked: list[CheckedFile],
    must_exist: bool,
    finalization: Finalization | None,
) -> CommitOutcome:
    delta, created_delta = _lock_or_create_delta(namespace, name, metadata, choice, must_exist)
    bound_before = (delta.backbone_id, delta.backbone_binding, delta.base_model_name)
    gained_backbone = not created_delta and binding.apply_choice(delta, choice)
    rebound = bound_before != (delta.backbone_id, delta.backbone_binding, delta.base_model_name)
    manifest = manifest_sha256((c.path, c.object.sha256) for c in checked)
    latest = delta.versions.order_by("-number").first()
    unchanged = latest is not None and _same_as(latest, manifest, metadata) and not metadata.changes(delta)
    if unchanged and not rebound:
        return CommitOutcome(latest, created=False)
    metadata.apply_to(delta)
    delta.updated_at = timezone.now()
    delta.save()
    if gained_backbone:
        delta_backbone_bound.send(sender=Delta, delta=delta)
    if unchanged:
        return CommitOutcome(latest, created=False)
    version = DeltaVersion.objects.create(
        delta=delta,
        number=(delta.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        commit_id=finalization.commit_id if finalization is not None else secrets.token_hex(20),
        manifest_sha256=manifest,
        delta_config=delta_config({c.path: c for c in checked}),
        claimed_metrics=metadata.claimed_metrics,
        training_args=metadata.training_args,
        commit_message=metadata.commit_message,
        tensor_names=tensor_names(checked),
        author=user,
        **_trainable(checked, delta.backbone),
    )
    VersionFile.objects.bulk_create(VersionFile(version=version, path=c.path, object=c.object) for c in checked)
    refresh_search_vector(delta)
    _after_commit(version)
    return CommitOutcome(version, created=True)


def with_card_of_version(metadata: DeltaMetadata, checked: list[CheckedFile]) -> DeltaMetadata:
    """The card is the version's README.md: its text when the version holds a readable one, else the card the push
    gave, else none (a version without a README has no card)."""
    readme = next((c for c in checked if c.path == CARD_PATH), None)
    if readme is not None and readme.text is not None:
        return replace(metadata, card=readme.text)
    return metadata if metadata.card is not None else replace(metadata, card="")


def _lock_or_create_delta(
    namespace: Namespace, name: str, metadata: DeltaMetadata, choice: binding.BackboneChoice, must_exist: bool
) -> tuple[Delta, bool]:
    delta = _locked_delta(namespace, name)
    if delta is None:
        if must_exist:
            raise NotFound("delta_not_found", f"No delta {namespace.name}/{name}: create the repository first.")
        if not metadata.delta_type:
            raise Invalid(
                "missing_field",
                "delta_type is required for a new delta (lora, adapter, bitfit, ...).",
                field="delta_type",
            )
        try:
            with transaction.atomic():
                return create_delta(namespace, name, metadata.delta_type, choice), True
        except IntegrityError:
            # A concurrent first push of this name (in any letter case) committed first: the insert waited for
            # it, and under READ COMMITTED the next statement sees its row. Carry on as a push to that delta.
            delta = _locked_delta(namespace, name)
    if delta.deleted_at is not None:
        raise Conflict("delta_deleted", f"{namespace.name}/{name} was deleted; choose another name.", field="name")
    return delta, False


def create_delta(
    namespace: Namespace, name: str, delta_type: str, choice: binding.BackboneChoice, private: bool = False
) -> Delta:
    return Delta.objects.create(
        namespace=namespace,
        name=name,
        delta_type=delta_type,
        backbone=choice.backbone,
        backbone_binding=choice.binding,
        base_model_name=choice.base_model_name,
        private=private,
    )


def _locked_delta(namespace: Namespace, name: str) -> Delta | None:
    return Delta.objects.select_for_update().filter(namespace=namespace, name__iexact=name).first()


def _trainable(checked: list[CheckedFile], backbone: Backbone | None) -> dict:
    """The count the weight files declare; the validation worker replaces it with what it attached."""
    headers = [c.safetensors for c in checked if c.safetensors is not None]
    count = sum(h.num_parameters for h in headers) if headers else None
    return DeltaVersion.trainable_fields(count, backbone.num_parameters if backbone else 0)


def _after_commit(version: DeltaVersion) -> None:
    version_committed.send(sender=DeltaVersion, version=version)


def _same_as(version: DeltaVersion, manifest: str, metadata: DeltaMetadata) -> bool:
    return version.manifest_sha256 == manifest and version.claimed_metrics == metadata.claimed_metrics
