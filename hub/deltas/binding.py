"""Which registered backbone a delta belongs to: by content hash, else by a name that only one backbone has.

A delta whose files name no registered backbone, or a name several backbones share, stays unresolved: it is
stored, shown as such, and its validation waits until its owner binds it. The hub never guesses among several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from hub.accounts.namespaces import can_manage
from hub.core.errors import Conflict, Forbidden, NotFound
from hub.deltas.models import Backbone, Delta
from hub.deltas.signals import delta_backbone_bound

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class BackboneChoice:
    backbone: Backbone | None
    binding: str
    base_model_name: str = ""

    @classmethod
    def unresolved(cls, base_model_name: str = "") -> BackboneChoice:
        return cls(None, Delta.Binding.UNRESOLVED, base_model_name[:MAX_NAME_CHARS])


def registered_backbone(content_hash: str) -> Backbone:
    backbone = Backbone.objects.filter(content_hash=content_hash).first()
    if backbone is None:
        raise NotFound(
            "backbone_not_registered",
            f"No backbone with hash {content_hash[:12]}… is registered. Register it first (the client does this"
            " for you when you pass the model), POST /api/backbones.",
            field="backbone",
        )
    return backbone


def by_hash(content_hash: str, base_model_name: str = "") -> BackboneChoice:
    return BackboneChoice(registered_backbone(content_hash), Delta.Binding.HASH, base_model_name[:MAX_NAME_CHARS])


def by_name(name: str) -> BackboneChoice:
    """The one backbone registered under `name` (or with it as an alias); unresolved when none or several."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_CHARS:
        return BackboneChoice.unresolved(name)
    matches = list(Backbone.objects.named(name)[:2])
    if len(matches) != 1:
        return BackboneChoice.unresolved(name)
    return BackboneChoice(matches[0], Delta.Binding.NAME, name)


def choose(content_hash: str | None, base_model_name: str) -> BackboneChoice:
    """A hash the delta's files carry wins; a name binds only when exactly one backbone has it."""
    if content_hash:
        return by_hash(content_hash, base_model_name)
    return by_name(base_model_name)


def apply_choice(delta: Delta, choice: BackboneChoice) -> bool:
    """Bind `delta` (locked by the caller) as `choice` says; True when it gained a backbone it lacked.

    A backbone, once set, stays: a version for another backbone belongs in another repository. A name match
    is upgraded to a hash binding when the hash names the same backbone.
    """
    if choice.base_model_name:
        delta.base_model_name = choice.base_model_name
    if choice.backbone is None:
        return False
    if delta.backbone_id is None:
        delta.backbone, delta.backbone_binding = choice.backbone, choice.binding
        return True
    if delta.backbone_id != choice.backbone.pk:
        raise Conflict(
            "backbone_mismatch",
            f"{delta.full_name} belongs to backbone {delta.backbone.name} ({delta.backbone.content_hash[:12]}…);"
            f" these files name {choice.backbone.name} ({choice.backbone.content_hash[:12]}…). A version for"
            " another backbone belongs in a new repository.",
            field="backbone",
        )
    if choice.binding == Delta.Binding.HASH:
        delta.backbone_binding = Delta.Binding.HASH
    return False


def bind(user: User, delta: Delta, content_hash: str) -> Delta:
    """The owner names the backbone of a delta that is unresolved or was matched by name."""
    if not can_manage(user, delta.namespace):
        raise Forbidden("forbidden", f"Only the owners of {delta.full_name} can choose its backbone.")
    backbone = registered_backbone(content_hash)
    with transaction.atomic():
        locked = Delta.objects.select_for_update(of=("self",)).select_related("namespace", "backbone").get(pk=delta.pk)
        if locked.backbone_binding == Delta.Binding.HASH and locked.backbone_id != backbone.pk:
            raise Conflict(
                "backbone_mismatch",
                f"{locked.full_name} was pushed with the content hash of {locked.backbone.name}; its backbone"
                " cannot change.",
                field="content_hash",
            )
        changed = locked.backbone_id != backbone.pk
        locked.backbone, locked.backbone_binding = backbone, Delta.Binding.HASH
        locked.save(update_fields=["backbone", "backbone_binding"])
        if changed:
            delta_backbone_bound.send(sender=Delta, delta=locked)
    return locked
