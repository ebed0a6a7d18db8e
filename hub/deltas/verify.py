"""Step two of a push: prove a staged upload is what the client declared, then store it by content."""

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError

from deltacenter.safetensors_header import SafetensorsError, header_length, parse_header
from hub.core import objectstore
from hub.core.errors import ApiError
from hub.deltas.models import StoredObject, object_key
from hub.deltas.uploads import checksummed_upload_present, staging_key


@dataclass
class CheckedFile:
    path: str
    object: StoredObject
    safetensors: object = None  # SafetensorsHeader for .safetensors files
    json: object = field(default=None)  # parsed content for .json files


class _ContentChecker:
    """Hashes a stream and, for the formats we understand, checks it as the bytes go by."""

    def __init__(self, path, size):
        self.path, self.size = path, size
        self.hasher = hashlib.sha256()
        self.kind = "safetensors" if path.endswith(".safetensors") else "json" if path.endswith(".json") else None
        self.head = bytearray()
        self.parsed = None

    def feed(self, chunk):
        self.hasher.update(chunk)
        if self.kind is None or self.parsed is not None:
            return
        self.head += chunk
        if self.kind == "json" and len(self.head) > settings.DELTACENTER_MAX_JSON_BYTES:
            raise _json_too_large(self.path)
        self._try_parse()

    def finish(self):
        if self.kind is not None and self.parsed is None:
            self._try_parse(final=True)
        return self.hasher.hexdigest()

    def check_head(self, data):
        """Check the file's leading bytes (all of a JSON file, the header of a safetensors one) without hashing."""
        self.head = bytearray(data)
        self._try_parse(final=True)

    def _try_parse(self, final=False):
        if self.kind == "safetensors":
            self._try_parse_safetensors(final)
        elif final:
            self.parsed = _parse_json(self.path, bytes(self.head))

    def _try_parse_safetensors(self, final):
        try:
            if len(self.head) < 8 and not final:
                return
            length = header_length(bytes(self.head[:8]), self.size)
            if len(self.head) < 8 + length:
                if final:
                    raise SafetensorsError("invalid_safetensors", "The safetensors header is longer than the file.")
                return
            self.parsed = parse_header(bytes(self.head[8 : 8 + length]), self.size)
        except SafetensorsError as exc:
            raise ApiError(exc.code, f"{self.path}: {exc}") from None


def _json_too_large(path):
    limit = settings.DELTACENTER_MAX_JSON_BYTES
    return ApiError("file_too_large", f"{path}: JSON files may be at most {limit} bytes.")


def _parse_json(path, data):
    if len(data) > settings.DELTACENTER_MAX_JSON_BYTES:
        raise _json_too_large(path)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError("invalid_json", f"{path} is not valid UTF-8 JSON.") from None


def store_declared_file(user, declared):
    """Return the StoredObject for `declared`, moving its staged upload into place if needed."""
    existing = StoredObject.objects.filter(sha256=declared.sha256).first()
    if existing is not None:
        return _check_stored(declared, existing)
    if checksummed_upload_present(declared):
        return _adopt_checksummed_upload(declared)
    key = staging_key(user, declared.sha256)
    size = objectstore.object_size(key)
    if size is None:
        raise ApiError(
            "object_missing",
            f"{declared.path}: nothing was uploaded for sha256 {declared.sha256[:12]}…. Ask for an upload URL and"
            " upload the file before committing.",
            status_code=409,
        )
    if size != declared.size:
        objectstore.delete_object(key)
        raise ApiError(
            "size_mismatch", f"{declared.path}: {size} bytes reached storage, {declared.size} were declared.",
            status_code=409,
        )
    checker = _ContentChecker(declared.path, size)
    try:
        for chunk in objectstore.iter_object(key):
            checker.feed(chunk)
        digest = checker.finish()
    except ApiError:
        objectstore.delete_object(key)
        raise
    if not hmac.compare_digest(digest, declared.sha256):
        objectstore.delete_object(key)
        raise ApiError(
            "sha256_mismatch",
            f"{declared.path}: the uploaded bytes hash to {digest[:12]}…, not the declared {declared.sha256[:12]}….",
            status_code=409,
        )
    objectstore.copy_object(key, object_key(declared.sha256))
    stored = _record_object(declared)
    objectstore.delete_object(key)
    return CheckedFile(declared.path, stored, *_parsed_fields(checker))


def _parsed_fields(checker):
    if checker.kind == "safetensors":
        return checker.parsed, None
    if checker.kind == "json":
        return None, checker.parsed
    return None, None


def _record_object(declared):
    try:
        obj, _ = StoredObject.objects.get_or_create(sha256=declared.sha256, defaults={"size": declared.size})
    except IntegrityError:  # a concurrent commit of the same bytes won the race
        obj = StoredObject.objects.get(sha256=declared.sha256)
    return obj


def _check_stored(declared, stored):
    if stored.size != declared.size:
        raise ApiError(
            "size_mismatch", f"{declared.path}: this content is stored with {stored.size} bytes, not {declared.size}.",
            status_code=409,
        )
    return CheckedFile(declared.path, stored, *_inspect(declared, stored.key))


def _adopt_checksummed_upload(declared):
    """S3 already checked the size and sha256 of a direct upload; only the format is left to check."""
    key = object_key(declared.sha256)
    try:
        parsed = _inspect(declared, key)
    except ApiError:
        objectstore.delete_object(key)  # unreferenced bytes that can never be committed
        raise
    return CheckedFile(declared.path, _record_object(declared), *parsed)


def _inspect(declared, key):
    """Check the format of the object at `key` with range reads: a safetensors header, or a small JSON file."""
    checker = _ContentChecker(declared.path, declared.size)
    if checker.kind == "safetensors":
        checker.check_head(_safetensors_head(declared, key))
    elif checker.kind == "json":
        if declared.size > settings.DELTACENTER_MAX_JSON_BYTES:
            raise _json_too_large(declared.path)
        checker.check_head(objectstore.read_range(key, 0, declared.size) if declared.size else b"")
    return _parsed_fields(checker)


def _safetensors_head(declared, key):
    prefix = objectstore.read_range(key, 0, 8) if declared.size else b""
    try:
        length = header_length(prefix, declared.size)
    except SafetensorsError as exc:
        raise ApiError(exc.code, f"{declared.path}: {exc}") from None
    return prefix + objectstore.read_range(key, 8, length)
