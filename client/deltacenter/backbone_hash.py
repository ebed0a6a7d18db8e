"""Content hash of a model backbone.

A delta (LoRA, IA3, prefix...) only makes sense on the exact backbone it was trained on. The client, the hub
and the workers identify that backbone by two digests, both plain 64-character lowercase sha256 hex strings:

- content hash: names, dtypes, shapes and every weight byte. Equal only for the same weights.
- structure hash: names, dtypes and shapes, no weight bytes. Equal when a delta can attach, whatever the
  values.

Specification, version 1
========================

Which tensors are hashed
------------------------
1. The backbone, never a task head. A PEFT model is first unwrapped with ``get_base_model()``. Then, when the
   object has a ``base_model`` attribute that is a torch module, that module is hashed: transformers models
   have one (a bare ``BertModel`` is its own base model, ``BertForSequenceClassification.base_model`` is its
   ``BertModel``), so a checkpoint gives the same hash with or without a head. Otherwise the module itself.
2. Its state dict: parameters and persistent buffers. Non-persistent buffers (``position_ids``...) are not
   part of it.
3. PEFT layers are peeled off, so an adapted model hashes like its plain backbone. A tuner layer (it has
   ``get_base_layer()``) keeps only its base layer, a modules-to-save or trainable-tokens wrapper (it has
   ``original_module``) only its original module, an adaption-prompt attention (it has ``adaption_prompt``)
   only its ``model``. The path segments down to that inner module are removed from the names, e.g.
   ``encoder.layer.0.attention.self.query.base_layer.weight`` is hashed as
   ``encoder.layer.0.attention.self.query.weight``; every other tensor inside the wrapper (lora_A, lora_B,
   lora_embedding_*, lora_magnitude_vector, ia3_l, modules_to_save copies...) is dropped. Prompt encoders
   live outside the base model. Merging an adapter changes the base weights, so a merged model is another
   backbone.
4. Tied weights count once: tensors with the same device, storage, storage offset, dtype, shape and stride
   are one tensor, hashed under the lexicographically first of their names. Empty tensors are never tied.

``hash_state_dict`` applies only step 4 (and the rules below) to the mapping it is given.

Byte stream
-----------
Integers are unsigned little-endian: u32 is 4 bytes, u64 is 8 bytes::

    stream = tag record*            records sorted by name (Python's sorted(), i.e. by UTF-8 bytes)
    record = u32 len(name)  name    name in UTF-8
             u32 len(dtype) dtype   dtype in ASCII
             u32 ndim  u64 dim * ndim
             u64 nbytes             number of elements * element size
             data                   content hash only: nbytes bytes

The content hash is sha256 over the stream with tag ``b"deltacenter-backbone/1\\n"``; the structure hash is
sha256 over the same stream without the data fields, with tag ``b"deltacenter-backbone-structure/1\\n"``.
``dtype`` is the safetensors name: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, C64,
F8_E4M3, F8_E4M3FNUZ, F8_E5M2, F8_E5M2FNUZ, F8_E8M0. ``data`` holds the elements in C-contiguous (row-major)
order, each little-endian: exactly the bytes a safetensors file stores. A 0-dim tensor has ndim 0 and one
element. Every variable-length field is length-prefixed, so a stream parses back to one input only and two
different inputs never share a stream.

Test vectors
------------
Empty mapping: content ``sha256(b"deltacenter-backbone/1\\n")`` =
``fa566c287db8be47f8663c6bf9065473f0a4d89879244321525a198689c6a16d``.

``{"w": torch.tensor([1.0])}`` (float32) gives this stream, in hex::

    64656c746163656e7465722d6261636b626f6e652f310a   tag
    01000000 77                                      name "w"
    03000000 463332                                  dtype "F32"
    01000000 0100000000000000                        ndim 1, shape (1,)
    0400000000000000                                 nbytes 4
    0000803f                                         1.0f

    content   29de63ff92385e064a25ebfed924d5ed8cfaf160407a4eb5cf7db59c06810067
    structure 65aa790a291a725901497f3a606bcb8dc7a76dca8021bb73569ee667e03ceb38

``{"b": torch.tensor([1.5, -2.0]), "a": torch.arange(6).reshape(2, 3)}`` (float32 and int64)::

    content   c9d525b11b7e59577c12762023c3a839edf2130aaa734442ca628ca1bc0a8533
    structure aaa410fe9a4ce0cea4946eb54de450facd6785d21e04d173c7323e1102eae27a

safetensors files
-----------------
``hash_safetensors_files`` computes the same digests straight from .safetensors files, without torch: each
stored tensor is hashed under its key, after an optional prefix such as ``"bert."`` is stripped (keys outside
the prefix, such as a task head's, are ignored). This equals the in-memory hash when the file's keys are the
backbone's state dict names, as with ``save_pretrained`` of the bare model, or of a model with a head when
the backbone's prefix is given. Files hold a tied tensor once, under the name their writer kept; where that
is not the lexicographically first name (T5 keeps ``shared.weight``, not ``decoder.embed_tokens.weight``)
the file's hash differs from the in-memory one.

Importing this module does not import torch, so a web server without torch can use the file functions.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, Union

from deltacenter.safetensors_header import ITEM_SIZES, SafetensorsError, read_header

if TYPE_CHECKING:
    import torch

__all__ = [
    "CONTENT_TAG",
    "STRUCTURE_TAG",
    "BackboneHashes",
    "backbone_hash",
    "hash_backbone",
    "hash_safetensors_files",
    "hash_state_dict",
    "structure_hash",
]

CONTENT_TAG = b"deltacenter-backbone/1\n"
STRUCTURE_TAG = b"deltacenter-backbone-structure/1\n"

# torch dtype names (without "torch.") to safetensors names.
_SAFETENSORS_DTYPE = {
    "bool": "BOOL", "uint8": "U8", "int8": "I8",
    "float8_e4m3fn": "F8_E4M3", "float8_e4m3fnuz": "F8_E4M3FNUZ",
    "float8_e5m2": "F8_E5M2", "float8_e5m2fnuz": "F8_E5M2FNUZ", "float8_e8m0fnu": "F8_E8M0",
    "int16": "I16", "uint16": "U16", "float16": "F16", "bfloat16": "BF16",
    "int32": "I32", "uint32": "U32", "float32": "F32",
    "int64": "I64", "uint64": "U64", "float64": "F64", "complex64": "C64",
}  # fmt: skip

_CHUNK_BYTES = 16 * 1024 * 1024
_MAX_HEADER_BYTES = 100 * 1024 * 1024  # the limit the safetensors library itself enforces

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class BackboneHashes:
    """What identifies a backbone, plus counts a person can check at a glance."""

    content_hash: str
    structure_hash: str
    num_parameters: int  # elements of all hashed tensors, tied ones once, persistent buffers included
    num_tensors: int
    num_bytes: int
    dtypes: tuple[tuple[str, int], ...]  # (safetensors dtype, elements), sorted by dtype


@dataclass(frozen=True)
class _Record:
    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    chunks: Callable[[], Iterable[memoryview]]  # called only when the content is hashed


def backbone_hash(model: torch.nn.Module) -> str:
    """Content hash of the model's backbone (see the module docstring)."""
    return hash_backbone(model).content_hash


def structure_hash(model: torch.nn.Module) -> str:
    """Structure hash of the model's backbone; reads no weight bytes."""
    return _structure_digest(_state_dict_records(_backbone_state(model)))


def hash_backbone(model: torch.nn.Module) -> BackboneHashes:
    """Both hashes and the counts of the model's backbone, in one pass over its tensors."""
    return _hash_records(_state_dict_records(_backbone_state(model)))


def hash_state_dict(state_dict: Mapping[str, torch.Tensor]) -> BackboneHashes:
    """Hashes of a raw name -> tensor mapping, taken as it is (no head or adapter removal)."""
    return _hash_records(_state_dict_records(state_dict))


def hash_safetensors_files(paths: PathLike | Iterable[PathLike], prefix_to_strip: str | None = None) -> BackboneHashes:
    """Hashes of the tensors stored in one or more .safetensors files, computed without torch.

    With ``prefix_to_strip`` (``"bert"`` and ``"bert."`` mean the same), only keys under it are hashed, under
    their names without it; the rest of the checkpoint, a task head say, is ignored.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    prefix = prefix_to_strip.rstrip(".") + "." if prefix_to_strip else ""
    with ExitStack() as stack:
        files = {os.fspath(path): stack.enter_context(open(path, "rb", buffering=0)) for path in paths}
        entries = _entries_by_name(files, prefix)
        return _hash_records(_file_records(entries, bytearray(_CHUNK_BYTES)))


# Hashing records: the one place the byte stream is defined.


def _hash_records(records: Iterable[_Record]) -> BackboneHashes:
    content = hashlib.sha256(CONTENT_TAG)
    structure = hashlib.sha256(STRUCTURE_TAG)
    elements_by_dtype: Counter[str] = Counter()
    num_tensors = num_bytes = 0
    for record in records:
        header = _record_header(record)
        structure.update(header)
        content.update(header)
        _update_with_data(content, record)
        elements_by_dtype[record.dtype] += record.nbytes // ITEM_SIZES[record.dtype]
        num_tensors += 1
        num_bytes += record.nbytes
    return BackboneHashes(
        content_hash=content.hexdigest(),
        structure_hash=structure.hexdigest(),
        num_parameters=sum(elements_by_dtype.values()),
        num_tensors=num_tensors,
        num_bytes=num_bytes,
        dtypes=tuple(sorted(elements_by_dtype.items())),
    )


def _structure_digest(records: Iterable[_Record]) -> str:
    structure = hashlib.sha256(STRUCTURE_TAG)
    for record in records:
        structure.update(_record_header(record))
    return structure.hexdigest()


def _record_header(record: _Record) -> bytes:
    name = record.name.encode("utf-8")
    dtype = record.dtype.encode("ascii")
    ndim = len(record.shape)
    return b"".join(
        (
            struct.pack("<I", len(name)),
            name,
            struct.pack("<I", len(dtype)),
            dtype,
            struct.pack(f"<I{ndim}Q", ndim, *record.shape),
            struct.pack("<Q", record.nbytes),
        )
    )


def _update_with_data(content: hashlib._Hash, record: _Record) -> None:
    fed = 0
    for chunk in record.chunks():
        content.update(chunk)
        fed += len(chunk)
    if fed != record.nbytes:
        raise ValueError(f"tensor {record.name!r}: read {fed} bytes, expected {record.nbytes}")


# Tensors in memory.


def _backbone_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    module = backbone_module(model)
    inner_paths = _peft_inner_paths(module)
    state: dict[str, torch.Tensor] = {}
    for key, tensor in module.state_dict().items():
        name = _name_without_peft_layers(key, inner_paths)
        if name is None:
            continue
        if name in state:
            raise ValueError(f"two tensors would be hashed as {name!r} once PEFT layers are removed")
        state[name] = tensor
    return state


def backbone_module(model: torch.nn.Module) -> torch.nn.Module:
    import torch

    if callable(getattr(model, "get_base_model", None)):
        model = model.get_base_model()
    base = getattr(model, "base_model", None)
    if isinstance(base, torch.nn.Module):
        return base
    if isinstance(model, torch.nn.Module):
        return model
    raise TypeError(f"expected a torch module or a PEFT model, got {type(model).__name__}")


def _peft_inner_paths(module: torch.nn.Module) -> dict[str, str]:
    """Map the path of every PEFT wrapper to the relative path of the module it wraps."""
    inner_paths = {}
    for path, wrapper in module.named_modules(remove_duplicate=False):
        inner = _peft_inner_module(wrapper)
        if inner is None:
            continue
        relative = next((p for p, m in wrapper.named_modules() if m is inner and p), None)
        if relative is None:
            raise ValueError(f"cannot find the module wrapped by {path or 'the model'} among its children")
        inner_paths[path] = relative
    return inner_paths


def _peft_inner_module(module: torch.nn.Module) -> torch.nn.Module | None:
    import torch

    # Checked first: modules-to-save wrappers forward unknown attributes to the original module.
    original = getattr(module, "original_module", None)
    if isinstance(original, torch.nn.Module):
        return original
    if callable(getattr(module, "get_base_layer", None)):
        return module.get_base_layer()
    if isinstance(getattr(module, "adaption_prompt", None), torch.nn.Parameter):
        return module.model
    return None


def _name_without_peft_layers(key: str, inner_paths: Mapping[str, str]) -> str | None:
    """The backbone name of a state dict key, or None when the key belongs to an adapter."""
    if not inner_paths:
        return key
    parts = key.split(".")
    kept = []
    depth = 0
    while depth < len(parts):
        inner = inner_paths.get(".".join(parts[:depth]))
        if inner is None:
            kept.append(parts[depth])
            depth += 1
            continue
        inner_parts = inner.split(".")
        if parts[depth : depth + len(inner_parts)] != inner_parts:
            return None
        depth += len(inner_parts)
    return ".".join(kept)


def _state_dict_records(state: Mapping[str, torch.Tensor]) -> Iterator[_Record]:
    if sys.byteorder != "little":
        raise RuntimeError("backbone hashing of tensors in memory needs a little-endian machine")
    seen = set()
    for name in sorted(state):
        tensor = state[name]
        _check_hashable(name, tensor)
        storage_key = _storage_key(tensor)
        if storage_key is not None:
            if storage_key in seen:
                continue
            seen.add(storage_key)
        yield _Record(
            name=name,
            dtype=_SAFETENSORS_DTYPE[str(tensor.dtype).removeprefix("torch.")],
            shape=tuple(tensor.shape),
            nbytes=tensor.numel() * tensor.element_size(),
            chunks=partial(_tensor_chunks, tensor),
        )


def _check_hashable(name: str, tensor: object) -> None:
    import torch

    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name!r} is a {type(tensor).__name__}, not a tensor")
    if tensor.is_meta:
        raise ValueError(f"{name!r} is on the meta device and has no values: load the weights first")
    if tensor.layout != torch.strided:
        raise ValueError(f"{name!r} is a {tensor.layout} tensor: only dense tensors can be hashed")
    if str(tensor.dtype).removeprefix("torch.") not in _SAFETENSORS_DTYPE:
        raise ValueError(f"{name!r} has dtype {tensor.dtype}, which has no safetensors name")


def _storage_key(tensor: torch.Tensor) -> tuple | None:
    if tensor.numel() == 0:
        return None  # empty tensors may all report storage address 0
    return (
        str(tensor.device),
        tensor.untyped_storage().data_ptr(),
        tensor.storage_offset(),
        tensor.dtype,
        tuple(tensor.shape),
        tuple(tensor.stride()),
    )


def _tensor_chunks(tensor: torch.Tensor) -> Iterator[memoryview]:
    import torch

    # numpy has no bfloat16 or float8, so every dtype goes through a byte view.
    data = tensor.detach().contiguous().reshape(-1).view(torch.uint8)
    if data.device.type == "cpu":
        yield memoryview(data.numpy())
        return
    # Copy to the host a slice at a time, so a large tensor never needs a full host copy.
    for start in range(0, data.numel(), _CHUNK_BYTES):
        yield memoryview(data[start : start + _CHUNK_BYTES].cpu().numpy())


# Tensors in .safetensors files.


def _safetensors_entries(file: BinaryIO, path: str, prefix: str) -> Iterator[tuple[str, dict]]:
    try:
        header = read_header(file, os.fstat(file.fileno()).st_size, ITEM_SIZES, _MAX_HEADER_BYTES)
    except SafetensorsError as exc:
        raise ValueError(f"{path}: {exc}") from None
    for tensor in header.tensors:
        if not tensor.name.startswith(prefix):
            continue
        location = {
            "path": path,
            "file": file,
            "start": header.data_start + tensor.begin,
            "nbytes": tensor.end - tensor.begin,
        }
        yield tensor.name[len(prefix) :], {"dtype": tensor.dtype, "shape": list(tensor.shape), **location}


def _entries_by_name(files: Mapping[str, BinaryIO], prefix: str) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for path, file in files.items():
        for name, entry in _safetensors_entries(file, path, prefix):
            if name in entries:
                raise ValueError(f"tensor {name!r} is stored twice: in {entries[name]['path']} and {path}")
            entries[name] = entry
    if prefix and not entries:
        raise ValueError(f"no tensor name starts with {prefix!r}: is that the backbone's prefix?")
    return entries


def _file_records(entries: Mapping[str, dict], buffer: bytearray) -> Iterator[_Record]:
    for name in sorted(entries):
        entry = entries[name]
        yield _Record(
            name=name,
            dtype=entry["dtype"],
            shape=tuple(entry["shape"]),
            nbytes=entry["nbytes"],
            chunks=partial(_file_chunks, entry["file"], entry["start"], entry["nbytes"], buffer),
        )


def _file_chunks(file: BinaryIO, start: int, nbytes: int, buffer: bytearray) -> Iterator[memoryview]:
    # Every chunk reuses one buffer: the hash consumes a chunk before the next read overwrites it.
    view = memoryview(buffer)
    file.seek(start)
    remaining = nbytes
    while remaining:
        read = file.readinto(view[: min(remaining, len(view))])
        if not read:
            return
        remaining -= read
        yield view[:read]
