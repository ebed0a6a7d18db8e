"""Load a backbone offline from its directory for a task family, prove its weights match the hash, keep it warm.

Runs in the evaluator child, which has no database: the worker finds and downloads the files first, and
forgets them if they fail the hash.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from deltacenter import families
from workers.validation.errors import BackboneUnavailable, ValidationFailed
from workers.validation.tokenizers import tokenizer_for

if TYPE_CHECKING:
    import torch
    from transformers import PretrainedConfig

    from deltacenter.backbone_hash import BackboneHashes
    from workers.validation.tokenizers import Tokenizer

BACKBONE_HASH_MISMATCH = "backbone_hash_mismatch"
FAMILY_DOES_NOT_FIT = "family_does_not_fit"
# A task head is not part of the backbone: seed its initialisation so every worker builds the same. It is
# never scored: the delta brings its own, or the delta is not scored.
HEAD_SEED = 0
# The transformers mapping whose architectures each family's Auto class (deltacenter.families.AUTO_CLASS) loads.
AUTO_MAPPINGS = {
    families.SEQUENCE_CLASSIFICATION: "MODEL_FOR_SEQUENCE_CLASSIFICATION",
    families.TOKEN_CLASSIFICATION: "MODEL_FOR_TOKEN_CLASSIFICATION",
    families.QUESTION_ANSWERING: "MODEL_FOR_QUESTION_ANSWERING",
    families.CAUSAL_LM: "MODEL_FOR_CAUSAL_LM",
    families.SEQ2SEQ_LM: "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM",
    families.FEATURE_EXTRACTION: "MODEL",
}


@dataclass
class LoadedBackbone:
    content_hash: str
    family: str
    num_labels: int | None
    model: torch.nn.Module
    tokenizer: Tokenizer
    nbytes: int
    head_names: frozenset  # parameters outside the backbone: a task head, or a language model's output layer
    untrained: frozenset  # parameters the checkpoint did not hold, so freshly initialised

    @classmethod
    def of(
        cls,
        model: torch.nn.Module,
        family: str,
        num_labels: int | None = None,
        tokenizer: Tokenizer | None = None,
        untrained: Iterable[str] = (),
        content_hash: str | None = None,
    ) -> LoadedBackbone:
        """A model in memory as the cache holds it; tools and tests that build their own model use it too."""
        from deltacenter.backbone_hash import backbone_hash

        return cls(
            content_hash=content_hash or backbone_hash(model),
            family=family,
            num_labels=num_labels,
            model=model,
            tokenizer=tokenizer if tokenizer is not None else tokenizer_for(Path("/nonexistent"), model.config),
            nbytes=sum(t.numel() * t.element_size() for t in model.state_dict().values()),
            head_names=frozenset(_head_names(model)),
            untrained=frozenset(untrained),
        )


def weights_bytes(directory: str | Path) -> int:
    """Bytes of the checkpoint's safetensors files, sharded or not."""
    return sum(path.stat().st_size for path in Path(directory).glob("*.safetensors"))


def check_memory_budget(nbytes: int, budget_bytes: int) -> None:
    if nbytes > budget_bytes:
        raise BackboneUnavailable(
            f"The backbone's weights take {nbytes / 1024**2:,.0f} MiB, more than the {budget_bytes / 1024**2:,.0f} MiB"
            " this worker may hold; a worker with a larger memory budget has to validate it.",
            code="backbone_too_large",
        )


def model_class(family: str, config: PretrainedConfig) -> type:
    """The transformers Auto class for the family; ValidationFailed when it has no model for this architecture."""
    import transformers
    from transformers.models.auto import modeling_auto

    auto_name, mapping = families.AUTO_CLASS[family], AUTO_MAPPINGS[family]
    if config.model_type not in getattr(modeling_auto, f"{mapping}_MAPPING_NAMES"):
        raise ValidationFailed(
            FAMILY_DOES_NOT_FIT,
            f"The delta declares the {family} family, but its backbone's architecture ({config.model_type}) has no"
            f" {auto_name} model in transformers: the delta was made for another kind of model.",
        )
    return getattr(transformers, auto_name)


def load_backbone(
    directory: str | Path, content_hash: str, family: str, num_labels: int | None = None, device: str = "cpu"
) -> LoadedBackbone:
    import torch
    from transformers import AutoConfig
    from transformers.utils import logging as transformers_logging

    from deltacenter.backbone_hash import hash_backbone

    # Every load of a classifier reports its fresh head, which is never scored: the log needs none of that.
    transformers_logging.set_verbosity_error()
    directory = Path(directory)
    config = AutoConfig.from_pretrained(str(directory), local_files_only=True, trust_remote_code=False)
    options = {"num_labels": num_labels} if num_labels else {}
    if device == "cuda":
        options["device_map"] = device  # straight onto the GPU, shard by shard: no full copy in host memory
    torch.manual_seed(HEAD_SEED)
    model, info = model_class(family, config).from_pretrained(
        str(directory),
        dtype="auto",  # the stored dtype: bf16 stays bf16, no float32 copy on the way
        local_files_only=True,
        trust_remote_code=False,
        output_loading_info=True,
        **options,
    )
    model.eval()
    _check_hash(hash_backbone(model), content_hash)
    model.to(device)
    if device == "cuda" and model.dtype == torch.float32:
        model.to(torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    tokenizer = tokenizer_for(directory, model.config)
    return LoadedBackbone.of(model, family, num_labels, tokenizer, info["missing_keys"], content_hash)


def _check_hash(hashes: BackboneHashes, content_hash: str) -> None:
    if hashes.content_hash != content_hash:
        raise ValidationFailed(
            BACKBONE_HASH_MISMATCH,
            f"The backbone's uploaded weights hash to {hashes.content_hash[:12]}…, not its registered hash"
            f" {content_hash[:12]}…; refusing to evaluate on them.",
        )


def _head_names(model: torch.nn.Module) -> list[str]:
    from deltacenter.formats import head_names

    return head_names(model)


class BackboneCache:
    """Least-recently-used backbones kept loaded between jobs, within a memory budget.

    One entry serves every delta of its family (and label count) in turn: deltas are put on and taken off it.
    """

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._loaded = OrderedDict()
        self.loads = 0

    def get(
        self, content_hash: str, directory: str | Path, family: str, num_labels: int | None = None, device: str = "cpu"
    ) -> LoadedBackbone:
        key = (content_hash, family, num_labels)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        check_memory_budget(weights_bytes(directory), self.budget_bytes)
        self._make_room(weights_bytes(directory))
        loaded = load_backbone(directory, content_hash, family, num_labels, device)
        self.loads += 1
        self._loaded[key] = loaded
        self._evict()
        return loaded

    def discard(self, content_hash: str, family: str, num_labels: int | None = None) -> None:
        self._loaded.pop((content_hash, family, num_labels), None)

    def _make_room(self, incoming: int) -> None:
        # Free warm backbones before loading, not after: the new one must not need the memory they hold.
        while self._loaded and sum(b.nbytes for b in self._loaded.values()) + incoming > self.budget_bytes:
            self._loaded.popitem(last=False)

    def _evict(self) -> None:
        # The newest entry always stays, even alone over budget: the job at hand needs it.
        while len(self._loaded) > 1 and sum(b.nbytes for b in self._loaded.values()) > self.budget_bytes:
            self._loaded.popitem(last=False)
