"""Step three of a push: turn verified objects into a new immutable version, all or nothing."""

import hashlib
import json
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from hub.accounts.models import Namespace
from hub.accounts.names import validate_name
from hub.accounts.namespaces import can_write
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.deltas.metadata import DeltaMetadata
from hub.deltas.models import Backbone, Delta, DeltaVersion, VersionFile
from hub.deltas.search import refresh_search_vector
from hub.deltas.signals import version_committed
from hub.deltas.uploads import DeclaredFile, check_sizes
from hub.deltas.verify import store_declared_file


@dataclass(frozen=True)
class CommitOutcome:
    version: DeltaVersion
    created: bool


def resolve_writable_namespace(user, namespace_name):
    namespace = Namespace.objects.filter(name__iexact=namespace_name).first()
    if namespace is None:
        raise NotFound("namespace_not_found", f"There is no user or organisation named {namespace_name!r}.")
    if not can_write(user, namespace):
        raise Forbidden(
            "forbidden_namespace",
            f"You cannot publish into {namespace.name!r}: it is not yours and you have no write role there.",
        )
    return namespace


def manifest_sha256(files):
    listing = sorted((f.path, f.sha256) for f in files)
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def commit_version(
    user, namespace_name: str, name: str, metadata: DeltaMetadata, declared: list[DeclaredFile]
) -> CommitOutcome:
    """Verify every object, then create the version in one transaction (inputs: hub.deltas.inputs.CommitRequest)."""
    try:
        validate_name(name, "delta name")
    except ValidationError as exc:
        raise Invalid("invalid_name", " ".join(exc.messages), field="name") from None
    namespace = resolve_writable_namespace(user, namespace_name)
    backbone = _backbone(metadata.backbone)
    check_sizes(declared)
    # S3 reads and copies happen here, outside any transaction: a slow store must not hold row locks.
    checked = [store_declared_file(user, f) for f in declared]
    return _create_version(user, namespace, name, metadata, backbone, declared, checked)


def _backbone(content_hash):
    backbone = Backbone.objects.filter(content_hash=content_hash).first()
    if backbone is None:
        raise NotFound(
            "backbone_not_registered",
            f"No backbone with hash {content_hash[:12]}… is registered. Register it first (the client does this"
            " for you when you pass the model), POST /api/backbones.",
        )
    return backbone


@transaction.atomic
def _create_version(user, namespace, name, metadata, backbone, declared, checked):
    delta, created_delta = _lock_or_create_delta(namespace, name, metadata, backbone)
    if not created_delta and delta.backbone_id != backbone.pk:
        raise Conflict(
            "backbone_mismatch",
            f"{delta.full_name} was trained on backbone {delta.backbone.content_hash[:12]}…; a version for another"
            " backbone belongs in a new repository.",
        )
    manifest = manifest_sha256(declared)
    latest = delta.versions.order_by("-number").first()
    if latest is not None and _same_as(latest, manifest, metadata) and not metadata.changes(delta):
        return CommitOutcome(latest, created=False)
    metadata.apply_to(delta)
    delta.updated_at = timezone.now()
    delta.save()
    version = DeltaVersion.objects.create(
        delta=delta,
        number=(delta.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        commit_id=secrets.token_hex(20),
        manifest_sha256=manifest,
        delta_config=_delta_config(checked),
        claimed_metrics=metadata.claimed_metrics,
        training_args=metadata.training_args,
        commit_message=metadata.commit_message,
        author=user,
        **_trainable(checked, backbone),
    )
    VersionFile.objects.bulk_create(VersionFile(version=version, path=c.path, object=c.object) for c in checked)
    refresh_search_vector(delta)
    _after_commit(version)
    return CommitOutcome(version, created=True)


def _lock_or_create_delta(namespace, name, metadata, backbone):
    delta = _locked_delta(namespace, name)
    if delta is None:
        if not metadata.delta_type:
            raise Invalid(
                "missing_field",
                "delta_type is required for a new delta (lora, adapter, bitfit, ...).",
                field="delta_type",
            )
        try:
            with transaction.atomic():
                fields = {"namespace": namespace, "name": name, "delta_type": metadata.delta_type}
                return Delta.objects.create(**fields, backbone=backbone), True
        except IntegrityError:
            # A concurrent first push of this name (in any letter case) committed first: the insert waited for
            # it, and under READ COMMITTED the next statement sees its row. Carry on as a push to that delta.
            delta = _locked_delta(namespace, name)
    if delta.deleted_at is not None:
        raise Conflict("delta_deleted", f"{namespace.name}/{name} was deleted; choose another name.", field="name")
    return delta, False


def _locked_delta(namespace, name):
    return Delta.objects.select_for_update().filter(namespace=namespace, name__iexact=name).first()


def _delta_config(checked):
    for name in ("adapter_config.json", "delta_config.json"):
        for c in checked:
            if c.path == name and isinstance(c.json, dict):
                return c.json
    return {}


def _trainable(checked, backbone):
    """The count the weight files declare; the validation worker replaces it with what it attached."""
    headers = [c.safetensors for c in checked if c.safetensors is not None]
    count = sum(h.num_parameters for h in headers) if headers else None
    return DeltaVersion.trainable_fields(count, backbone.num_parameters)


def _after_commit(version):
    version_committed.send(sender=DeltaVersion, version=version)


def _same_as(version, manifest, metadata):
    return version.manifest_sha256 == manifest and version.claimed_metrics == metadata.claimed_metrics
