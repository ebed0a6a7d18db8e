"""Delta and backbone operations shared by the API, the pages, the admin and the tasks."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hub.accounts.namespaces import can_write
from hub.core.errors import ApiError
from hub.deltas.models import Backbone, BackboneFile, Delta, Like, is_sha256
from hub.deltas.uploads import parse_declared_files
from hub.deltas.verify import store_declared_file
from hub.evaluation.jobs import requeue_waiting_for_backbone

BACKBONE_FIELDS = ("name", "aliases", "architecture", "model_type", "config", "num_parameters", "dtype")


def site_url():
    return settings.SITE_URL


def get_visible_delta(user, namespace, name):
    """The delta, or a 404 that does not reveal whether a private one exists."""
    delta = (
        Delta.objects.visible_to(user)
        .select_related("namespace", "backbone")
        .filter(namespace__name__iexact=namespace, name__iexact=name)
        .first()
    )
    if delta is None:
        raise ApiError("delta_not_found", f"No delta {namespace}/{name}, or you are not allowed to see it.", 404)
    return delta


def get_visible_job(user, job_id):
    """A validation job, visible exactly when its delta is."""
    from hub.evaluation.models import ValidationJob

    visible = Delta.objects.visible_to(user).values("pk")
    job = ValidationJob.objects.select_related("version").filter(pk=job_id, version__delta__in=visible).first()
    if job is None:
        raise ApiError("job_not_found", f"No validation job {job_id}, or you are not allowed to see it.", 404)
    return job


def latest_version(delta):
    return delta.versions.select_related("author").prefetch_related("files__object").order_by("-number").first()


def resolve_version(delta, revision):
    """`main` is the newest version; any other revision is a commit id (or its unique prefix of 7+)."""
    versions = delta.versions.prefetch_related("files__object")
    if revision == "main":
        version = versions.order_by("-number").first()
    elif re.fullmatch(r"[0-9a-f]{7,40}", revision or ""):
        matches = list(versions.filter(commit_id__startswith=revision)[:2])
        version = matches[0] if len(matches) == 1 else None
    else:
        version = None
    if version is None:
        raise ApiError("revision_not_found", f"{delta.full_name} has no revision {revision!r}.", 404)
    return version


def delete_delta(user, delta):
    """Owners, writers of its organisation and site admins may delete. Stored objects stay: others may share them."""
    if not (can_write(user, delta.namespace) or user.is_superuser):
        raise ApiError("forbidden", f"Only the owners of {delta.full_name} can delete it.", 403)
    delta.deleted_at = timezone.now()
    delta.save(update_fields=["deleted_at"])


@transaction.atomic
def like(user, delta):
    try:
        with transaction.atomic():
            Like.objects.create(user=user, delta=delta)
    except IntegrityError:
        return Delta.objects.get(pk=delta.pk)
    Delta.objects.filter(pk=delta.pk).update(likes_count=F("likes_count") + 1)
    return Delta.objects.get(pk=delta.pk)


@transaction.atomic
def unlike(user, delta):
    deleted, _ = Like.objects.filter(user=user, delta=delta).delete()
    if deleted:
        Delta.objects.filter(pk=delta.pk).update(likes_count=F("likes_count") - 1)
    return Delta.objects.get(pk=delta.pk)


def record_download(delta):
    Delta.objects.filter(pk=delta.pk).update(downloads_count=F("downloads_count") + 1)


def get_backbone(content_hash):
    backbone = Backbone.objects.filter(content_hash=(content_hash or "").lower()).first()
    if backbone is None:
        raise ApiError("backbone_not_found", f"No backbone with hash {content_hash!r} is registered.", 404)
    return backbone


def _backbone_fields(data):
    values = {}
    for name in BACKBONE_FIELDS:
        if name in data:
            values[name] = data[name]
    if not isinstance(values.get("name", ""), str) or not values.get("name"):
        raise ApiError("invalid_field", "name: give the backbone a display name, e.g. bert-base-uncased.")
    if not isinstance(values.get("aliases", []), list) or not all(
        isinstance(a, str) for a in values.get("aliases", [])
    ):
        raise ApiError("invalid_field", "aliases: must be a list of strings.")
    if not isinstance(values.get("config", {}), dict):
        raise ApiError("invalid_field", "config: must be a JSON object.")
    count = values.get("num_parameters", 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ApiError("invalid_field", "num_parameters: must be a non-negative integer.")
    return values


def register_backbone(user, data):
    """Create a backbone by its hashes; registering the same one again returns it unchanged."""
    if not isinstance(data, dict):
        raise ApiError("invalid_request", "The request body must be a JSON object.")
    content_hash, structure_hash = data.get("content_hash"), data.get("structure_hash")
    for field, value in (("content_hash", content_hash), ("structure_hash", structure_hash)):
        if not is_sha256(value):
            raise ApiError("invalid_field", f"{field}: must be 64 lowercase hexadecimal characters.")
    existing = Backbone.objects.filter(content_hash=content_hash).first()
    if existing is not None:
        if existing.structure_hash != structure_hash:
            raise ApiError("hash_conflict", "This content hash is registered with another structure hash.", 409)
        return existing, False
    values = _backbone_fields(data)
    try:
        with transaction.atomic():
            backbone = Backbone.objects.create(
                content_hash=content_hash, structure_hash=structure_hash, registered_by=user, **values
            )
    except IntegrityError:  # registered concurrently
        return Backbone.objects.get(content_hash=content_hash), False
    return backbone, True


def parse_backbone_files(items):
    return parse_declared_files(items, settings.DELTACENTER_MAX_BACKBONE_FILE_BYTES)


def attach_backbone_files(user, backbone, data):
    """Verify uploaded files and make them the backbone's checkpoint. Workers check the weights against the hash."""
    may_replace = backbone.registered_by_id == user.pk or user.is_superuser
    if backbone.files.exists() and not may_replace:
        raise ApiError("forbidden", "Only whoever registered this backbone can replace its files.", 403)
    files = parse_backbone_files(data.get("files") if isinstance(data, dict) else None)
    if not any(f.path.endswith(".safetensors") for f in files):
        raise ApiError("no_weights", "A backbone upload needs its weights as .safetensors files.")
    checked = [store_declared_file(user, f) for f in files]
    with transaction.atomic():
        # The upload is the whole checkpoint: files of an earlier one (a single file now sharded) go.
        BackboneFile.objects.filter(backbone=backbone).exclude(path__in=[c.path for c in checked]).delete()
        for c in checked:
            BackboneFile.objects.update_or_create(backbone=backbone, path=c.path, defaults={"object": c.object})
        requeue_waiting_for_backbone(backbone.pk)
    return backbone


def whoami(user, token):
    namespaces = [user.namespace.name] if hasattr(user, "namespace") else []
    namespaces += [m.organization.namespace.name for m in user.memberships.select_related("organization__namespace")]
    return {
        "username": user.username,
        "namespaces": namespaces,
        "is_admin": user.is_superuser,
        "scopes": list(token.scopes) if token is not None and hasattr(token, "scopes") else ["read", "write"],
    }
