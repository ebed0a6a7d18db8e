"""What a file of a version looks like in a browser: its text, pretty JSON, or a safetensors header's tensor table.

Only the first PREVIEW_BYTES are read (one ranged GET), and a safetensors file only by its header, never its
tensors. Objects are immutable and content-addressed, so a preview is cached by digest: viewing is cheap."""

import codecs
import json
from dataclasses import asdict, dataclass, field

from django.core.cache import cache

from deltacenter.safetensors_header import SafetensorsError
from hub.core import objectstore
from hub.core.json_input import JsonInputError, strict_loads
from hub.deltas.models import StoredObject
from hub.deltas.verify import read_safetensors_header

PREVIEW_BYTES = 64 * 1024
MAX_TENSOR_ROWS = 1000
CACHE_SECONDS = 24 * 3600


@dataclass
class Tensor:
    name: str
    dtype: str
    shape: list[int]
    parameters: int


@dataclass
class FilePreview:
    """`kind`: text, json, safetensors or binary. `truncated`: only the first PREVIEW_BYTES are shown."""

    kind: str
    text: str = ""
    truncated: bool = False
    tensors: list[Tensor] = field(default_factory=list)
    tensor_count: int = 0
    parameters: int = 0
    metadata: dict = field(default_factory=dict)
    problem: str = ""


def preview(path: str, stored: StoredObject) -> FilePreview:
    key = f"file-preview:v1:{_kind_by_name(path)}:{stored.sha256}"
    cached = cache.get(key)
    if cached is not None:
        return _from_dict(cached)
    result = _build(path, stored)
    cache.set(key, asdict(result), CACHE_SECONDS)
    return result


def _kind_by_name(path: str) -> str:
    if path.endswith(".safetensors"):
        return "safetensors"
    return "json" if path.endswith(".json") else "text"


def _from_dict(data: dict) -> FilePreview:
    tensors = [Tensor(**t) for t in data.pop("tensors")]
    return FilePreview(**data, tensors=tensors)


def _build(path: str, stored: StoredObject) -> FilePreview:
    if _kind_by_name(path) == "safetensors":
        return _safetensors(stored)
    length = min(stored.size, PREVIEW_BYTES)
    data = objectstore.read_range(stored.key, 0, length) if length else b""
    truncated = stored.size > length
    text = _as_text(data, final=not truncated)
    if text is None:
        return FilePreview("binary")
    if _kind_by_name(path) == "json" and not truncated:
        return _json(text)
    return FilePreview("text", text=text, truncated=truncated)


def _as_text(data: bytes, final: bool) -> str | None:
    """The bytes as UTF-8 text, or None for binary; a character cut by the end of a partial read is left out."""
    if b"\x00" in data:
        return None
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _json(text: str) -> FilePreview:
    try:
        value = strict_loads(text.encode())
    except JsonInputError as exc:
        return FilePreview("text", text=text, problem=f"Not valid JSON: {exc}")
    return FilePreview("json", text=json.dumps(value, indent=2, ensure_ascii=False))


def _safetensors(stored: StoredObject) -> FilePreview:
    try:
        header = read_safetensors_header(stored.key, stored.size)
    except SafetensorsError as exc:
        return FilePreview("binary", problem=f"Its safetensors header cannot be read: {exc}")
    by_name = sorted(header.tensors, key=lambda t: t.name)
    tensors = [Tensor(t.name, t.dtype, list(t.shape), t.numel) for t in by_name[:MAX_TENSOR_ROWS]]
    return FilePreview(
        "safetensors",
        tensors=tensors,
        tensor_count=len(by_name),
        parameters=header.num_parameters,
        metadata=dict(header.metadata),
        truncated=len(by_name) > MAX_TENSOR_ROWS,
    )
