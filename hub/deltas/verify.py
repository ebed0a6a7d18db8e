"""Step two of a push: prove each declared file is the account's to use, check its format, store it by content.

A file is ready to commit when the account may read a stored copy already, or when it sits at its content
address as S3 checked it, sent by this account (or by the hub itself, for bytes it received). A file staged in
the account's private key is checked as far as range reads go here; its sha256 is read back by the commit's
finalization (hub.deltas.staged), which also moves it into place. Anything else was never uploaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from deltacenter.formats import DELTA_CONFIG, PEFT_CONFIG
from deltacenter.safetensors_header import (
    DTYPE_SIZES,
    MAX_HEADER_BYTES,
    SafetensorsError,
    SafetensorsHeader,
    header_length,
    parse_header,
)
from hub.core import objectstore
from hub.core.errors import Conflict, DomainError, Invalid
from hub.core.json_input import JsonInputError, strict_loads
from hub.deltas import objects, possession
from hub.deltas.declared import DeclaredFile, staging_key
from hub.deltas.models import StoredObject, object_key
from hub.deltas.uploads import note_staged, staged_size

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from django.contrib.auth.models import User

CARD_PATH = "README.md"
MAX_CARD_BYTES = 512 * 1024


@dataclass
class CheckedFile:
    path: str
    object: StoredObject
    safetensors: SafetensorsHeader | None = None  # for .safetensors files
    json: object = None  # parsed content for .json files
    text: str | None = None  # the model card, for README.md


def json_at(by_path: dict[str, CheckedFile], path: str) -> dict | None:
    """The JSON object of the checked file at `path`; None when there is none, or its JSON is not an object."""
    checked = by_path.get(path)
    return checked.json if checked is not None and isinstance(checked.json, dict) else None


def delta_config(by_path: dict[str, CheckedFile]) -> dict:
    """The delta's config: PEFT's adapter_config.json, else the hub's delta_config.json; {} when neither is there."""
    config = json_at(by_path, PEFT_CONFIG)
    return config if config is not None else json_at(by_path, DELTA_CONFIG) or {}


def tensor_names(checked: list[CheckedFile]) -> list[str]:
    """The names of the tensors in the files' safetensors headers, read once when the files were checked."""
    return sorted({t.name for c in checked if c.safetensors is not None for t in c.safetensors.tensors})


def module_paths_of(tensor_names: Iterable[str]) -> list[str]:
    """The modules that hold these tensors, by path ("" for the model itself)."""
    return sorted({name.rpartition(".")[0] for name in tensor_names})


def tensor_shapes(checked: list[CheckedFile]) -> dict[str, list[int]]:
    """Each tensor's shape by its name, from the files' safetensors headers."""
    return {t.name: list(t.shape) for c in checked if c.safetensors is not None for t in c.safetensors.tensors}


def check_files(
    user: User, declared: list[DeclaredFile], proven: frozenset[str] = frozenset()
) -> tuple[list[CheckedFile], list[DeclaredFile]]:
    """The files ready to commit, and those staged that a finalization must hash first.

    `proven` names digests whose bytes the hub itself received from this account (inline commits, forms)."""
    shas = {d.sha256 for d in declared}
    rows = {o.sha256: o for o in StoredObject.objects.filter(sha256__in=shas, deleting_at__isnull=True)}
    usable = possession.readable_shas(user, rows) | (proven & rows.keys())
    ready, staged = [], []
    for item in declared:
        if item.sha256 in usable:
            ready.append(_check_stored(item, rows[item.sha256]))
        elif possession.at_content_address(item, uploader=None if item.sha256 in proven else user):
            ready.append(_adopt(item, rows.get(item.sha256)))
        elif staged_size(user, item) is not None:
            _check_staged(user, item)
            staged.append(item)
        else:
            raise _nothing_uploaded(item)
    return ready, staged


def verify_upload(user: User, sha256: str, size: int) -> dict:
    """Git LFS's verify step: are `user`'s bytes for `sha256` in place? Staged bytes are hashed later, by the
    finalization of the commit that names them, so this answers at once whatever their size."""
    declared = DeclaredFile(path=sha256, size=size, sha256=sha256)
    if sha256 in possession.readable_shas(user, [sha256]) or possession.at_content_address(declared, user):
        return {"oid": sha256, "size": size}
    staged = staged_size(user, declared)
    if staged is None:
        raise _nothing_uploaded(declared)
    if staged != size:
        objectstore.delete_object(staging_key(user, sha256))
        raise Conflict("size_mismatch", f"{staged} bytes reached storage, {size} were declared.")
    note_staged(user, declared)
    return {"oid": sha256, "size": size}


def _nothing_uploaded(declared: DeclaredFile) -> Conflict:
    return Conflict(
        "object_missing",
        f"{declared.path}: nothing was uploaded for sha256 {declared.sha256[:12]}… by your account. Ask for an"
        " upload plan and upload the file before committing.",
    )


def _check_stored(declared: DeclaredFile, stored: StoredObject) -> CheckedFile:
    if stored.size != declared.size:
        raise Conflict(
            "size_mismatch",
            f"{declared.path}: this content is stored with {stored.size} bytes, not {declared.size}.",
        )
    return CheckedFile(declared.path, stored, *_inspect(declared, stored.key))


def _adopt(declared: DeclaredFile, existing: StoredObject | None) -> CheckedFile:
    """Bytes at their content address (S3 checked their size and sha256 on upload), recorded if new."""
    try:
        parsed = _inspect(declared, object_key(declared.sha256))
    except DomainError:
        if existing is None:
            objectstore.delete_object(object_key(declared.sha256))  # unreferenced bytes no commit can use
        raise
    return CheckedFile(declared.path, existing or objects.record(declared), *parsed)


def _check_staged(user: User, declared: DeclaredFile) -> None:
    """What range reads can check of a staged upload, before its finalization hashes it; bad uploads go."""
    key = staging_key(user, declared.sha256)
    try:
        size = objectstore.object_size(key)
        if size != declared.size:
            raise Conflict(
                "size_mismatch", f"{declared.path}: {size} bytes reached storage, {declared.size} were declared."
            )
        _inspect(declared, key)
    except DomainError:
        objectstore.delete_object(key)
        raise
    note_staged(user, declared)


def _inspect(declared: DeclaredFile, key: str) -> tuple[SafetensorsHeader | None, object, str | None]:
    """(safetensors header, parsed JSON, card text) of the object at `key`, read with range requests and checked."""
    if declared.path.endswith(".safetensors"):
        return _safetensors_header(declared, key), None, None
    if declared.path.endswith(".json"):
        return None, _json_content(declared, key), None
    if declared.path == CARD_PATH:
        return None, None, _card_text(declared, key)
    return None, None, None


def _card_text(declared: DeclaredFile, key: str) -> str | None:
    """The card's text, read when it is small enough to be one; a larger or binary README is just a file."""
    if declared.size > MAX_CARD_BYTES:
        return None
    data = objectstore.read_range(key, 0, declared.size) if declared.size else b""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _safetensors_header(declared: DeclaredFile, key: str) -> SafetensorsHeader:
    try:
        return read_safetensors_header(key, declared.size)
    except SafetensorsError as exc:
        raise Invalid(exc.code, f"{declared.path}: {exc}") from None


def read_safetensors_header(
    key: str, size: int, allowed_dtypes: Mapping[str, int] = DTYPE_SIZES, max_header_bytes: int = MAX_HEADER_BYTES
) -> SafetensorsHeader:
    """The checked header of the safetensors object at `key` (`size` bytes), read with two range requests."""
    prefix = objectstore.read_range(key, 0, 8) if size else b""
    length = header_length(prefix, size, max_header_bytes)
    return parse_header(objectstore.read_range(key, 8, length), size, allowed_dtypes)


def _json_content(declared: DeclaredFile, key: str) -> object:
    limit = settings.DELTACENTER_MAX_JSON_BYTES
    if declared.size > limit:
        raise Invalid("file_too_large", f"{declared.path}: JSON files may be at most {limit} bytes.")
    data = objectstore.read_range(key, 0, declared.size) if declared.size else b""
    try:
        return strict_loads(data)
    except JsonInputError as exc:
        raise Invalid("invalid_json", f"{declared.path} is not JSON the hub accepts: {exc}") from None
