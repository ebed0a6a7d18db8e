"""Read and check a safetensors header without loading any tensor (and without torch).

Layout: 8 bytes little-endian header length N, N bytes of JSON, then the data region. The JSON maps each
tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data region) and may
hold a "__metadata__" map of strings. A checked file has every tensor within the data region, no two
tensors overlapping, no gap, nothing after the last one, and only dtypes from the allowlist.
"""

import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

# Deltas are small: a header beyond this is an attack or an accident. Backbones pass a larger limit.
MAX_HEADER_BYTES = 8 * 1024 * 1024
# Real checkpoints stay far below these; beyond them a header only costs whoever reads it.
MAX_TENSORS = 100_000
MAX_NAME_CHARS = 512
MAX_NAME_DEPTH = 32
# Element sizes of every safetensors dtype.
ITEM_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1,
    "F8_E4M3": 1, "F8_E4M3FNUZ": 1, "F8_E5M2": 1, "F8_E5M2FNUZ": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8, "C64": 8,
}  # fmt: skip
# The dtypes a delta may use.
DTYPE_SIZES = {
    name: ITEM_SIZES[name] for name in ("F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL")
}


class SafetensorsError(ValueError):
    """The bytes are not a well-formed safetensors file; `code` says why in one word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SafetensorsHeader:
    header_length: int
    tensors: tuple
    metadata: dict

    @property
    def data_start(self) -> int:
        return 8 + self.header_length

    @property
    def num_parameters(self) -> int:
        return sum(tensor.numel for tensor in self.tensors)


def header_length(prefix: bytes, file_size: int | None = None, max_header_bytes: int = MAX_HEADER_BYTES) -> int:
    """The JSON header's length, from the file's first 8 bytes."""
    if len(prefix) < 8:
        raise SafetensorsError("invalid_safetensors", "The file is shorter than a safetensors header (8 bytes).")
    (length,) = struct.unpack("<Q", prefix[:8])
    if file_size is not None and 8 + length > file_size:
        raise SafetensorsError(
            "invalid_safetensors", "This is not a safetensors file: its header would be longer than the file."
        )
    if length == 0 or length > max_header_bytes:
        raise SafetensorsError(
            "safetensors_header_too_large" if length else "invalid_safetensors",
            f"The safetensors header claims {length} bytes; it must be between 1 and {max_header_bytes}.",
        )
    return length


def parse_header(
    header_bytes: bytes, file_size: int, allowed_dtypes: Mapping[str, int] = DTYPE_SIZES
) -> SafetensorsHeader:
    """Check the JSON header (the bytes after the 8-byte length) against a file of `file_size` bytes."""
    if not header_bytes.lstrip().startswith(b"{"):
        raise SafetensorsError("invalid_safetensors", "The file does not start with a safetensors JSON header.")
    try:
        raw = json.loads(header_bytes.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SafetensorsError("invalid_safetensors", "The safetensors header is not valid UTF-8 JSON.") from None
    if not isinstance(raw, dict):
        raise SafetensorsError("invalid_safetensors", "The safetensors header must be a JSON object.")
    if len(raw) > MAX_TENSORS + 1:
        raise SafetensorsError("too_many_tensors", f"The header lists {len(raw)} tensors; the limit is {MAX_TENSORS}.")
    metadata = _metadata(raw.pop("__metadata__", {}))
    tensors = tuple(
        sorted((_tensor(name, entry, allowed_dtypes) for name, entry in raw.items()), key=lambda t: t.begin)
    )
    _check_layout(tensors, file_size - 8 - len(header_bytes))
    return SafetensorsHeader(header_length=len(header_bytes), tensors=tensors, metadata=metadata)


def read_header(
    fileobj: BinaryIO,
    file_size: int,
    allowed_dtypes: Mapping[str, int] = DTYPE_SIZES,
    max_header_bytes: int = MAX_HEADER_BYTES,
) -> SafetensorsHeader:
    """Parse the header of an open binary file positioned at its start."""
    length = header_length(fileobj.read(8), file_size, max_header_bytes)
    return parse_header(fileobj.read(length), file_size, allowed_dtypes)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME_CHARS or name.count(".") >= MAX_NAME_DEPTH or not name.isprintable():
        raise SafetensorsError(
            "invalid_tensor_name",
            f"Tensor {name[:60]!r}…: names are printable, at most {MAX_NAME_CHARS} characters and"
            f" {MAX_NAME_DEPTH} dotted levels.",
        )


def _metadata(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SafetensorsError("invalid_safetensors", "__metadata__ must map strings to strings.")
    return value


def _tensor(name: str, entry: object, allowed_dtypes: Mapping[str, int]) -> TensorInfo:
    _check_name(name)
    if not isinstance(entry, dict):
        raise SafetensorsError("invalid_safetensors", f"Tensor {name!r}: its entry must be an object.")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in allowed_dtypes:
        allowed = ", ".join(allowed_dtypes)
        raise SafetensorsError("dtype_not_allowed", f"Tensor {name!r} has dtype {dtype!r}; allowed: {allowed}.")
    if not isinstance(shape, list) or len(shape) > MAX_NAME_DEPTH or not all(_is_count(d) for d in shape):
        raise SafetensorsError("invalid_safetensors", f"Tensor {name!r}: shape must be a list of sizes.")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(_is_count(o) for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise SafetensorsError("invalid_safetensors", f"Tensor {name!r}: data_offsets must be [begin, end].")
    begin, end = offsets
    if end - begin != math.prod(shape) * allowed_dtypes[dtype]:
        raise SafetensorsError(
            "invalid_safetensors", f"Tensor {name!r}: {end - begin} bytes do not fit shape {shape} of {dtype}."
        )
    return TensorInfo(name=name, dtype=dtype, shape=tuple(shape), begin=begin, end=end)


def _check_layout(tensors: tuple[TensorInfo, ...], data_size: int) -> None:
    position = 0
    for tensor in tensors:
        if tensor.begin != position:
            problem = "overlaps the previous one" if tensor.begin < position else "leaves a gap before it"
            raise SafetensorsError("invalid_safetensors", f"Tensor {tensor.name!r} {problem}.")
        position = tensor.end
    if position != data_size:
        raise SafetensorsError(
            "invalid_safetensors",
            f"The tensors cover {position} bytes but the data region holds {data_size}: offsets out of range"
            " or trailing bytes.",
        )
