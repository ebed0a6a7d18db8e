"""Delta and backbone operations shared by the API, the pages, the admin and the tasks."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.deltas import finalize, objects, quotas
from hub.deltas.declared import DeclaredFile, check_sizes
from hub.deltas.models import Backbone, BackboneFile, Delta, Finalization, Like
from hub.deltas.signals import backbone_weights_attached
from hub.deltas.verify import check_files, module_paths_of, tensor_names, tensor_shapes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from hub.accounts.models import ApiToken
    from hub.deltas.models import DeltaVersion

BACKBONE_FIELDS = ("name", "aliases", "architecture", "model_type", "config", "num_parameters", "dtype")


def site_url() -> str:
    return settings.SITE_URL


def get_visible_delta(user: User | AnonymousUser, namespace: str, name: str) -> Delta:
    """The delta, or a 404 that does not reveal whether a private one exists."""
    delta = (
        Delta.objects.visible_to(user)
        .select_related("namespace", "backbone")
        .defer("backbone__tensor_shapes")  # large; the pages that need it read it then
        .filter(namespace__name__iexact=namespace, name__iexact=name)
        .first()
    )
    if delta is None:
        raise NotFound("delta_not_found", f"No delta {namespace}/{name}, or you are not allowed to see it.")
    return delta


def latest_version(delta: Delta) -> DeltaVersion | None:
    return delta.versions.select_related("author").prefetch_related("files__object").order_by("-number").first()


def resolve_version(delta: Delta, revision: str | None) -> DeltaVersion:
    """`main` is the newest version; any other revision is a commit id (or its unique prefix of 7+)."""
    versions = delta.versions.select_related("author").prefetch_related("files__object")
    if revision == "main":
        version = versions.order_by("-number").first()
    elif re.fullmatch(r"[0-9a-f]{7,40}", revision or ""):
        matches = list(versions.filter(commit_id__startswith=revision)[:2])
        version = matches[0] if len(matches) == 1 else None
    else:
        version = None
    if version is None:
        raise NotFound("revision_not_found", f"{delta.full_name} has no revision {revision!r}.")
    return version


@transaction.atomic
def like(user: User, delta: Delta) -> Delta:
    try:
        with transaction.atomic():
            Like.objects.create(user=user, delta=delta)
    except IntegrityError:
        return Delta.objects.get(pk=delta.pk)
    Delta.objects.filter(pk=delta.pk).update(likes_count=F("likes_count") + 1)
    return Delta.objects.get(pk=delta.pk)


@transaction.atomic
def unlike(user: User, delta: Delta) -> Delta:
    deleted, _ = Like.objects.filter(user=user, delta=delta).delete()
    if deleted:
        Delta.objects.filter(pk=delta.pk).update(likes_count=F("likes_count") - 1)
    return Delta.objects.get(pk=delta.pk)


def get_backbone(user: User | AnonymousUser, content_hash: str) -> Backbone:
    """The backbone, or a 404 that does not reveal one only private deltas use."""
    backbone = Backbone.objects.visible_to(user).filter(content_hash=(content_hash or "").lower()).first()
    if backbone is None:
        raise NotFound(
            "backbone_not_found", f"No backbone with hash {content_hash[:64]!r} is registered, or you cannot see it."
        )
    return backbone


def register_backbone(user: User, values: dict) -> tuple[Backbone, bool]:
    """Create a backbone by its hashes (inputs: hub.deltas.inputs.BackboneRequest); registering the same one
    again returns it unchanged."""
    content_hash, structure_hash = values["content_hash"], values["structure_hash"]
    existing = Backbone.objects.filter(content_hash=content_hash).first()
    if existing is not None:
        if existing.structure_hash != structure_hash:
            raise Conflict(
                "hash_conflict", "This content hash is registered with another structure hash.", field="structure_hash"
            )
        return existing, False
    _check_registration_limit(user)
    fields = {name: values[name] for name in BACKBONE_FIELDS if name in values}
    try:
        with transaction.atomic():
            backbone = Backbone.objects.create(
                content_hash=content_hash, structure_hash=structure_hash, registered_by=user, **fields
            )
            _mark_shared_name(backbone)
    except IntegrityError:  # registered concurrently
        return Backbone.objects.get(content_hash=content_hash), False
    return backbone, True


def _check_registration_limit(user: User) -> None:
    limit = settings.DELTACENTER_MAX_BACKBONES_PER_ACCOUNT
    if not user.is_superuser and Backbone.objects.filter(registered_by=user).count() >= limit:
        raise Forbidden(
            "backbone_limit",
            f"You have registered {limit} backbones, the most one account may. Ask the hub's administrators for more.",
        )


def _mark_shared_name(backbone: Backbone) -> None:
    """Every backbone that shares its name with another is shown with its hash from now on."""
    same = Backbone.objects.filter(name__iexact=backbone.name)
    if same.exclude(pk=backbone.pk).exists():
        same.update(name_is_shared=True)
        backbone.name_is_shared = True


def max_backbone_file_bytes() -> int:
    return settings.DELTACENTER_MAX_BACKBONE_FILE_BYTES


def check_backbone_file_sizes(files: list[DeclaredFile]) -> list[DeclaredFile]:
    return check_sizes(files, max_backbone_file_bytes())


@dataclass(frozen=True)
class AttachOutcome:
    backbone: Backbone
    pending: Finalization | None = None


def attach_backbone_files(
    user: User,
    backbone: Backbone,
    files: list[DeclaredFile],
    *,
    proven: frozenset[str] = frozenset(),
    finalization: Finalization | None = None,
) -> AttachOutcome:
    """Verify uploaded files and attach them to the backbone. Workers check the weights against the hash.

    Staged uploads (shards sent in parts) make it a finalization, which calls this again once they are hashed."""
    if not (backbone.registered_by_id == user.pk or user.is_superuser):
        raise Forbidden("forbidden", "Only whoever registered this backbone (or a site admin) can upload its files.")
    check_backbone_file_sizes(files)
    if not any(f.path.endswith(".safetensors") for f in files):
        raise Invalid("no_weights", "A backbone upload needs its weights as .safetensors files.", field="files")
    quotas.check_quota(quotas.backbone_namespace(user), files)
    checked, staged = check_files(user, files, proven)
    if staged:
        if finalization is not None:
            raise Conflict("object_missing", f"{staged[0].path}: its upload is no longer staged; push again.")
        request = {"files": [asdict(f) for f in files], "proven": sorted(proven)}
        pending = finalize.defer(user, Finalization.Kind.BACKBONE, request, staged, backbone=backbone)
        return AttachOutcome(backbone, pending)
    backbone.module_paths = module_paths_of(tensor_names(checked))
    backbone.tensor_shapes = tensor_shapes(checked)
    with transaction.atomic():
        if finalization is not None:
            finalize.hold(finalization)
        objects.claim(c.object for c in checked)
        backbone.save(update_fields=["module_paths", "tensor_shapes"])
        # The upload is the whole checkpoint: files of an earlier one (a single file now sharded) go.
        BackboneFile.objects.filter(backbone=backbone).exclude(path__in=[c.path for c in checked]).delete()
        for c in checked:
            BackboneFile.objects.update_or_create(backbone=backbone, path=c.path, defaults={"object": c.object})
        backbone_weights_attached.send(sender=Backbone, backbone=backbone)
        if finalization is not None:
            finalize.mark_complete(finalization, None, created=True)
    return AttachOutcome(backbone)


class WhoAmI(TypedDict):
    username: str
    namespaces: list[str]
    is_admin: bool
    scopes: list[str]
    storage: list[dict]


def whoami(user: User, token: ApiToken | None) -> WhoAmI:
    namespaces = [user.namespace] if hasattr(user, "namespace") else []
    namespaces += [m.organization.namespace for m in user.memberships.select_related("organization__namespace")]
    return {
        "username": user.username,
        "namespaces": [ns.name for ns in namespaces],
        "is_admin": user.is_superuser,
        "scopes": list(token.scopes) if token is not None and hasattr(token, "scopes") else ["read", "write"],
        "storage": quotas.storage_of(namespaces),
    }
