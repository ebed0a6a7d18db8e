"""Step two of a push: prove an upload is what the client declared, check its format, store it by content."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError

from deltacenter.safetensors_header import (
    DTYPE_SIZES,
    MAX_HEADER_BYTES,
    SafetensorsError,
    header_length,
    parse_header,
)
from hub.core import objectstore
from hub.core.errors import Conflict, DomainError, Invalid
from hub.core.json_input import JsonInputError, strict_loads
from hub.deltas.models import StoredObject, object_key
from hub.deltas.uploads import DeclaredFile, checksummed_upload_present, staging_key

CARD_PATH = "README.md"
MAX_CARD_BYTES = 512 * 1024


@dataclass
class CheckedFile:
    path: str
    object: StoredObject
    safetensors: object = None  # SafetensorsHeader for .safetensors files
    json: object = None  # parsed content for .json files
    text: str | None = None  # the model card, for README.md


def tensor_names(checked: list[CheckedFile]) -> list[str]:
    """The names of the tensors in the files' safetensors headers, read once when the files were checked."""
    return sorted({t.name for c in checked if c.safetensors is not None for t in c.safetensors.tensors})


def store_declared_file(user, declared):
    """Return the CheckedFile for `declared`, moving its upload into place if it is not stored yet."""
    existing = StoredObject.objects.filter(sha256=declared.sha256).first()
    if existing is not None:
        return _check_stored(declared, existing)
    if checksummed_upload_present(declared):
        return _adopt(declared, object_key(declared.sha256))
    return _adopt_staged(declared, staging_key(user, declared.sha256))


def verify_upload(user, sha256: str, size: int) -> StoredObject:
    """Make the bytes `user` uploaded for `sha256` a stored object: checked by S3 on upload, or read back and
    hashed when they were staged. Their format is checked when a commit names them with a path."""
    declared = DeclaredFile(path=sha256, size=size, sha256=sha256)
    existing = StoredObject.objects.filter(sha256=sha256).first()
    if existing is not None:
        _check_stored_size(declared, existing)
        return existing
    if checksummed_upload_present(declared):
        return _record_object(declared)
    key = staging_key(user, sha256)
    staged_size = objectstore.object_size(key)
    if staged_size is None:
        raise _nothing_uploaded(declared)
    try:
        _check_staged_bytes(declared, key, staged_size)
    except DomainError:
        objectstore.delete_object(key)
        raise
    objectstore.copy_object(key, object_key(sha256))
    stored = _record_object(declared)
    objectstore.delete_object(key)
    return stored


def _check_stored_size(declared, stored):
    if stored.size != declared.size:
        raise Conflict(
            "size_mismatch",
            f"{declared.path}: this content is stored with {stored.size} bytes, not {declared.size}.",
        )


def _nothing_uploaded(declared):
    return Conflict(
        "object_missing",
        f"{declared.path}: nothing was uploaded for sha256 {declared.sha256[:12]}…. Ask for an upload URL and"
        " upload the file before committing.",
    )


def _check_stored(declared, stored):
    _check_stored_size(declared, stored)
    return CheckedFile(declared.path, stored, *_inspect(declared, stored.key))


def _adopt(declared, key):
    """Record bytes already at their content address (S3 checked their size and sha256 on upload)."""
    try:
        parsed = _inspect(declared, key)
    except DomainError:
        objectstore.delete_object(key)  # unreferenced bytes that can never be committed
        raise
    return CheckedFile(declared.path, _record_object(declared), *parsed)


def _adopt_staged(declared, key):
    """A multipart upload in the uploader's staging key: read it back, check it, then copy it into place."""
    size = objectstore.object_size(key)
    if size is None:
        raise _nothing_uploaded(declared)
    try:
        _check_staged_bytes(declared, key, size)
        parsed = _inspect(declared, key)
    except DomainError:
        objectstore.delete_object(key)
        raise
    objectstore.copy_object(key, object_key(declared.sha256))
    stored = _record_object(declared)
    objectstore.delete_object(key)
    return CheckedFile(declared.path, stored, *parsed)


def _check_staged_bytes(declared, key, size):
    if size != declared.size:
        raise Conflict(
            "size_mismatch", f"{declared.path}: {size} bytes reached storage, {declared.size} were declared."
        )
    hasher = hashlib.sha256()
    for chunk in objectstore.iter_object(key):
        hasher.update(chunk)
    digest = hasher.hexdigest()
    if not hmac.compare_digest(digest, declared.sha256):
        raise Conflict(
            "sha256_mismatch",
            f"{declared.path}: the uploaded bytes hash to {digest[:12]}…, not the declared {declared.sha256[:12]}….",
        )


def _record_object(declared):
    try:
        obj, _ = StoredObject.objects.get_or_create(sha256=declared.sha256, defaults={"size": declared.size})
    except IntegrityError:  # a concurrent commit of the same bytes won the race
        obj = StoredObject.objects.get(sha256=declared.sha256)
    return obj


def _inspect(declared, key):
    """(safetensors header, parsed JSON, card text) of the object at `key`, read with range requests and checked."""
    if declared.path.endswith(".safetensors"):
        return _safetensors_header(declared, key), None, None
    if declared.path.endswith(".json"):
        return None, _json_content(declared, key), None
    if declared.path == CARD_PATH:
        return None, None, _card_text(declared, key)
    return None, None, None


def _card_text(declared, key):
    """The card's text, read when it is small enough to be one; a larger or binary README is just a file."""
    if declared.size > MAX_CARD_BYTES:
        return None
    data = objectstore.read_range(key, 0, declared.size) if declared.size else b""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _safetensors_header(declared, key):
    try:
        return read_safetensors_header(key, declared.size)
    except SafetensorsError as exc:
        raise Invalid(exc.code, f"{declared.path}: {exc}") from None


def read_safetensors_header(key, size, allowed_dtypes=DTYPE_SIZES, max_header_bytes=MAX_HEADER_BYTES):
    """The checked header of the safetensors object at `key` (`size` bytes), read with two range requests."""
    prefix = objectstore.read_range(key, 0, 8) if size else b""
    length = header_length(prefix, size, max_header_bytes)
    return parse_header(objectstore.read_range(key, 8, length), size, allowed_dtypes)


def _json_content(declared, key):
    limit = settings.DELTACENTER_MAX_JSON_BYTES
    if declared.size > limit:
        raise Invalid("file_too_large", f"{declared.path}: JSON files may be at most {limit} bytes.")
    data = objectstore.read_range(key, 0, declared.size) if declared.size else b""
    try:
        return strict_loads(data)
    except JsonInputError as exc:
        raise Invalid("invalid_json", f"{declared.path} is not JSON the hub accepts: {exc}") from None
