"""Publish a delta (or a backbone's weights) in one call."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from deltacenter.cards import card_for_push, loadable_backbone_name, looks_like_local_path
from deltacenter.errors import DeltaCenterError, HubError
from deltacenter.families import FEATURE_EXTRACTION, HEAD_FAMILIES, declared_family
from deltacenter.file_policy import SAFE_ALTERNATIVE, is_pickle
from deltacenter.files import describe_files, sha256_file
from deltacenter.formats import detect_delta_type
from deltacenter.hub import DeltaCenter, split_repo_id
from deltacenter.usage import DeltaFacts

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

    from deltacenter.backbone_hash import BackboneHashes, PathLike

_HASH_RE = re.compile(r"[0-9a-f]{64}")
CARD_FILE = "README.md"


@dataclass(frozen=True)
class PushResult:
    repo_id: str
    commit_id: str
    number: int
    url: str
    created: bool
    bytes_uploaded: int  # sent to storage by this push
    bytes_skipped: int = 0  # held by the hub already, or sent by an earlier push that was interrupted


def _is_model(obj: object) -> bool:
    return hasattr(obj, "state_dict") and hasattr(obj, "named_parameters")


@contextmanager
def _delta_directory(delta: PathLike | torch.nn.Module) -> Iterator[Path]:
    if isinstance(delta, (str, Path)):
        yield Path(delta)
        return
    if hasattr(delta, "peft_config") and hasattr(delta, "save_pretrained"):
        with tempfile.TemporaryDirectory(prefix="deltacenter-push-") as tmp:
            delta.save_pretrained(tmp, safe_serialization=True)
            yield Path(tmp)
        return
    raise DeltaCenterError(
        "push_to_hub takes a PEFT model, or a directory written by save_pretrained or deltacenter.formats.save_bitfit."
    )


def describe_backbone(model: torch.nn.Module, hashes: BackboneHashes) -> dict:
    from deltacenter.backbone_hash import backbone_module

    base = backbone_module(model)
    config = getattr(base, "config", None)
    config_dict = json.loads(config.to_json_string()) if config is not None else {}
    dtypes = sorted(hashes.dtypes, key=lambda item: -item[1])
    return {
        "content_hash": hashes.content_hash,
        "structure_hash": hashes.structure_hash,
        "name": _backbone_name_of(base)[:200],
        "architecture": type(base).__name__,
        "model_type": config_dict.get("model_type", ""),
        "config": config_dict,
        "num_parameters": hashes.num_parameters,
        "dtype": dtypes[0][0] if dtypes else "",
    }


def _backbone_name_of(model: torch.nn.Module) -> str:
    """The name the model was loaded by (transformers keeps it out of the config's JSON), else its class name:
    never a path of this machine."""
    config = getattr(model, "config", None)
    name = getattr(config, "_name_or_path", "") or getattr(model, "name_or_path", "")
    if not isinstance(name, str) or not name or looks_like_local_path(name):
        return type(model).__name__
    return name


def ensure_backbone(
    hub: DeltaCenter,
    model: torch.nn.Module | None = None,
    content_hash: str | None = None,
    name: str | None = None,
) -> str:
    """Make sure the hub knows the backbone; returns its content hash."""
    if model is None:
        if not content_hash:
            raise DeltaCenterError(
                "Pass backbone= (the model in memory, or its content hash) when pushing a directory."
            )
        try:
            hub.backbone(content_hash)
        except HubError as exc:
            if exc.status == 404:
                raise DeltaCenterError(
                    f"The hub does not know backbone {content_hash[:12]}…. Pass the model itself as backbone=, or"
                    " register it with push_backbone()."
                ) from None
            raise
        return content_hash
    from deltacenter.backbone_hash import hash_backbone

    description = describe_backbone(model, hash_backbone(model))
    if name:
        description["name"] = name
    hub.register_backbone(description)
    return description["content_hash"]


def _backbone_args(
    delta: PathLike | torch.nn.Module, backbone: torch.nn.Module | str | None
) -> dict[str, torch.nn.Module | str]:
    if isinstance(backbone, str):
        if not _HASH_RE.fullmatch(backbone):
            raise DeltaCenterError("backbone= must be a model or a 64-character content hash.")
        return {"content_hash": backbone}
    if backbone is not None:
        return {"model": backbone}
    if _is_model(delta):
        return {"model": delta}
    return {}


def _datasets(datasets: str | Iterable[str] | dict[str, Iterable[str]] | None) -> dict[str, list[str]]:
    if datasets is None:
        return {}
    if isinstance(datasets, dict):
        return {"train_datasets": list(datasets.get("train", [])), "test_datasets": list(datasets.get("test", []))}
    return {"train_datasets": [datasets] if isinstance(datasets, str) else list(datasets)}


def push_to_hub(
    delta: PathLike | torch.nn.Module,
    repo_id: str,
    *,
    backbone: torch.nn.Module | str | None = None,
    task: str | None = None,
    datasets: str | Iterable[str] | dict[str, Iterable[str]] | None = None,
    metrics: dict | None = None,
    tags: list[str] | None = None,
    dict_tags: dict | None = None,
    license: str | None = None,
    private: bool | None = None,
    card: str | None = None,
    commit_message: str | None = None,
    training_args: dict | None = None,
    endpoint: str | None = None,
    token: str | None = None,
) -> PushResult:
    """Publish `delta` as a new version of `repo_id` (namespace/name) and return a PushResult."""
    split_repo_id(repo_id)
    hub = DeltaCenter(endpoint, token)
    backbone_hash = ensure_backbone(hub, **_backbone_args(delta, backbone))
    backbone_name = _backbone_name(hub, backbone_hash)
    with _delta_directory(delta) as directory, tempfile.TemporaryDirectory(prefix="deltacenter-card-") as scratch:
        files = describe_files(directory)
        pickles = [f["path"] for f in files if is_pickle(f["path"])]
        if pickles:
            raise DeltaCenterError(f"Refusing to push {pickles}: they can execute code when loaded. {SAFE_ALTERNATIVE}")
        metadata = {
            "backbone": backbone_hash,
            "delta_type": detect_delta_type(directory),
            "task": task,
            **_datasets(datasets),
            "tags": tags,
            "dict_tags": dict_tags,
            "license": license,
            "private": private,
            "commit_message": commit_message,
            "claimed_metrics": metrics,
            "training_args": training_args,
        }
        facts = {"base_model": backbone_name, "base_model_hash": backbone_hash, "task": task, "tags": tags,
                 "datasets": metadata.get("train_datasets"), "license": license}  # fmt: skip
        family = _family(directory)
        facts["num_labels"] = head_labels(delta, family)
        usage = DeltaFacts(repo_id, hub.endpoint, metadata["delta_type"], family, backbone_name, bool(private),
                           facts["num_labels"])  # fmt: skip
        text = card_for_push(_existing_card(files, card), facts, usage, metrics)
        files, metadata["card"] = _with_card(files, text, Path(scratch)), text
        result = hub.push_files(repo_id, files, {k: v for k, v in metadata.items() if v is not None})
    return PushResult(
        repo_id=result["id"],
        commit_id=result["commit_id"],
        number=result["number"],
        url=result["url"],
        created=result["created"],
        bytes_uploaded=result["bytes_uploaded"],
        bytes_skipped=result["bytes_skipped"],
    )


def _backbone_name(hub: DeltaCenter, content_hash: str) -> str:
    """The name a reader loads the backbone by (deltacenter.cards.loadable_backbone_name); "" when there is none
    or this account cannot see the backbone (only private deltas use it)."""
    try:
        found = hub.backbone(content_hash)
    except HubError as exc:
        if exc.status == 404:
            return ""
        raise
    return loadable_backbone_name(found["name"], found.get("architecture"))


def head_labels(delta: object, family: str) -> int | None:
    """How many labels the task head of a model in memory has; None for a directory or a family without a head."""
    config = getattr(delta, "config", None) if _is_model(delta) and family in HEAD_FAMILIES else None
    labels = getattr(config, "num_labels", None)
    return labels if isinstance(labels, int) and labels > 0 else None


def _family(directory: Path) -> str:
    try:
        return declared_family(directory)
    except DeltaCenterError:
        return FEATURE_EXTRACTION


def _existing_card(files: list[dict], card: str | None) -> str | None:
    """The card the author gave, else the README.md of the delta's directory (PEFT writes its template there)."""
    if card is not None:
        return card
    readme = next((f for f in files if f["path"] == CARD_FILE), None)
    return readme["local"].read_text() if readme else None


def _with_card(files: list[dict], text: str, scratch: Path) -> list[dict]:
    """The files with README.md replaced by the card this push publishes."""
    path = scratch / CARD_FILE
    path.write_text(text)
    entry = {"path": CARD_FILE, "size": path.stat().st_size, "sha256": sha256_file(path), "local": path}
    return [f for f in files if f["path"] != CARD_FILE] + [entry]


def push_backbone(
    model_or_dir: PathLike | torch.nn.Module,
    name: str,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_shard_size: str | int | None = None,
    endpoint: str | None = None,
    token: str | None = None,
) -> str:
    """Upload a backbone's checkpoint so workers can load it by its hash; returns the hash.

    A directory (a save_pretrained checkpoint, sharded or not) is uploaded as it is: its config, safetensors
    weights with their index, generation config and tokenizer files. A model in memory is saved first, in its
    own dtype and in shards of at most `max_shard_size` ("2GB", or bytes) when given, with `tokenizer`'s files
    beside it: a language model whole, output layer included; any other model without its task head.
    """
    hub = DeltaCenter(endpoint, token)
    directory = Path(model_or_dir) if isinstance(model_or_dir, (str, Path)) else None
    if directory is not None and any(directory.glob("*.safetensors")):
        content_hash = ensure_backbone(hub, model=load_checkpoint(directory), name=name)
        hub.push_backbone_files(content_hash, describe_files(directory, checkpoint_paths(directory)))
        return content_hash
    if directory is not None:  # pickled weights only: loaded by transformers here, uploaded as safetensors
        model_or_dir, tokenizer = load_checkpoint(directory), tokenizer or _tokenizer_of(directory)
    content_hash = ensure_backbone(hub, model=model_or_dir, name=name)
    with tempfile.TemporaryDirectory(prefix="deltacenter-backbone-") as tmp:
        save_backbone(model_or_dir, tmp, tokenizer=tokenizer, max_shard_size=max_shard_size)
        hub.push_backbone_files(content_hash, describe_files(tmp))
    return content_hash


def save_backbone(
    model: torch.nn.Module,
    directory: PathLike,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_shard_size: str | int | None = None,
) -> Path:
    """Write what a worker loads: a language model whole, any other model without its task head."""
    from deltacenter.backbone_hash import backbone_module

    if callable(getattr(model, "get_base_model", None)):
        model = model.get_base_model()
    generates = callable(getattr(model, "can_generate", None)) and model.can_generate()
    to_save = model if generates else backbone_module(model)
    options = {"max_shard_size": max_shard_size} if max_shard_size else {}
    to_save.save_pretrained(str(directory), **options)
    if tokenizer is not None:
        tokenizer.save_pretrained(str(directory))
    return Path(directory)


CHECKPOINT_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
)


def checkpoint_paths(directory: PathLike) -> list[str]:
    """The files of a checkpoint directory a worker needs: config, safetensors weights (and shard index), tokenizer."""
    directory = Path(directory)
    weights = [p.name for p in directory.iterdir() if p.name.endswith((".safetensors", ".safetensors.index.json"))]
    return sorted(weights + [name for name in CHECKPOINT_FILES if (directory / name).is_file()])


def load_checkpoint(directory: PathLike) -> torch.nn.Module:
    """The checkpoint as its own class (config.json's architectures) in its stored dtype, to hash it."""
    import transformers

    config = transformers.AutoConfig.from_pretrained(str(directory))
    architecture = next(iter(getattr(config, "architectures", None) or []), "")
    model_class = getattr(transformers, architecture, None) or transformers.AutoModel
    return model_class.from_pretrained(str(directory)).eval()


def _tokenizer_of(directory: PathLike) -> PreTrainedTokenizerBase | None:
    if not any((Path(directory) / name).is_file() for name in CHECKPOINT_FILES[2:]):
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory))
