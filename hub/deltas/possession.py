"""Which stored objects an account may use without sending their bytes, and how it proves it holds the others.

Knowing a sha256 is never enough to use a file. An upload plan answers `stored`, and a commit takes an object
as it is, only when the account can already read it: it is in a version of a delta the account can see (public,
or in one of its namespaces) or in a backbone. Any other object the account must upload itself, and S3 proves it
holds the bytes: a single PUT is signed with the sha256 (S3 refuses other bytes) and with the uploader's id as
object metadata, so the object says who last proved it; a staged upload lives in a key private to the account and
is read back and hashed before a commit may use it.
"""

import hmac
from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from hub.core import objectstore
from hub.deltas.declared import DeclaredFile, sha256_base64
from hub.deltas.models import BackboneFile, Delta, StoredObject, VersionFile, object_key

UPLOADER_METADATA = "uploader"


def readable_shas(user, shas: Iterable[str]) -> set[str]:
    """The digests among `shas` of stored objects `user` may already read."""
    visible = Delta.objects.visible_to(user)
    in_versions = VersionFile.objects.filter(object=OuterRef("pk"), version__delta__in=visible)
    in_backbones = BackboneFile.objects.filter(object=OuterRef("pk"))
    readable = StoredObject.objects.filter(sha256__in=set(shas), deleting_at__isnull=True).filter(
        Exists(in_versions) | Exists(in_backbones)
    )
    return set(readable.values_list("sha256", flat=True))


def uploader_metadata(user) -> dict[str, str]:
    """The metadata a single PUT by `user` must carry; its presigned URL signs it."""
    return {UPLOADER_METADATA: str(user.pk)}


def at_content_address(declared: DeclaredFile, uploader=None) -> bool:
    """Does the content address hold these bytes, as S3 checked them on upload (and, given `uploader`, did that
    account send them last)?"""
    head = objectstore.head_with_checksum(object_key(declared.sha256))
    if head is None or head["ContentLength"] != declared.size:
        return False
    checksum = head.get("ChecksumSHA256") or ""
    if not hmac.compare_digest(checksum, sha256_base64(declared.sha256)):
        return False
    if uploader is None:
        return True
    return (head.get("Metadata") or {}).get(UPLOADER_METADATA) == str(uploader.pk)
