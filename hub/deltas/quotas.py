"""Storage accounting: the bytes a namespace holds, each object counted once, against a configurable quota.

A namespace holds the objects its live deltas' versions reference, and, for a user's namespace, the files of
the backbones that user registered. An object shared by several versions counts once; the same object in two
namespaces counts in each.
"""

from django.conf import settings
from django.db.models import Q, Sum

from hub.accounts.models import Namespace
from hub.core.errors import TooLarge
from hub.deltas.declared import DeclaredFile
from hub.deltas.models import BackboneFile, StoredObject, VersionFile


def _held_object_ids(namespace: Namespace):
    in_versions = VersionFile.objects.filter(
        version__delta__namespace=namespace, version__delta__deleted_at__isnull=True
    ).values("object_id")
    held = Q(pk__in=in_versions)
    if namespace.user_id is not None:
        held |= Q(pk__in=BackboneFile.objects.filter(backbone__registered_by=namespace.user_id).values("object_id"))
    return StoredObject.objects.filter(held)


def namespace_usage(namespace: Namespace) -> int:
    """Bytes `namespace` holds, each object once."""
    return _held_object_ids(namespace).aggregate(total=Sum("size"))["total"] or 0


def quota_bytes() -> int | None:
    return settings.DELTACENTER_NAMESPACE_QUOTA_BYTES or None


def check_quota(namespace: Namespace | None, files: list[DeclaredFile]) -> None:
    """Refuse files that would take `namespace` over its quota (objects it holds already add nothing)."""
    quota = quota_bytes()
    if namespace is None or quota is None:
        return
    new = {f.sha256: f.size for f in files}
    held = set(_held_object_ids(namespace).filter(sha256__in=new).values_list("sha256", flat=True))
    adding = sum(size for sha, size in new.items() if sha not in held)
    used = namespace_usage(namespace)
    if adding and used + adding > quota:
        raise TooLarge(
            "quota_exceeded",
            f"{namespace.name} stores {_size(used)} of its {_size(quota)} quota, and these files add {_size(adding)}."
            " Delete deltas it no longer needs, or ask the hub's administrators for more room.",
            field="files",
            details={"used_bytes": used, "quota_bytes": quota, "adding_bytes": adding},
        )


def backbone_namespace(user) -> Namespace | None:
    """Whose storage a backbone's files count against: the personal namespace of who uploads them."""
    return Namespace.objects.filter(user=user).first()


def storage_of(namespaces) -> list[dict]:
    """{namespace, used_bytes, quota_bytes} for each namespace, for settings pages and whoami."""
    quota = quota_bytes()
    return [{"namespace": ns.name, "used_bytes": namespace_usage(ns), "quota_bytes": quota} for ns in namespaces]


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)
