"""Load a backbone offline from its directory, prove its weights match the hash, keep it warm.

Runs in the evaluator child, which has no database: the worker finds and downloads the files first, and
forgets them if they fail the hash.
"""

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from workers.validation.errors import ValidationFailed
from workers.validation.tokenizers import tokenizer_for

BACKBONE_HASH_MISMATCH = "backbone_hash_mismatch"
# The classification head is not part of the backbone: seed its initialisation so every worker builds the same.
HEAD_SEED = 0


@dataclass
class LoadedBackbone:
    content_hash: str
    num_labels: int
    model: object
    tokenizer: object
    nbytes: int


def load_backbone(directory, content_hash, num_labels):
    import torch
    from transformers import AutoModelForSequenceClassification

    from deltacenter.backbone_hash import hash_backbone

    directory = Path(directory)
    torch.manual_seed(HEAD_SEED)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(directory), num_labels=num_labels, local_files_only=True, trust_remote_code=False
    ).eval()
    hashes = hash_backbone(model)
    if hashes.content_hash != content_hash:
        raise ValidationFailed(
            BACKBONE_HASH_MISMATCH,
            f"The backbone's uploaded weights hash to {hashes.content_hash[:12]}…, not its registered hash"
            f" {content_hash[:12]}…; refusing to evaluate on them.",
        )
    nbytes = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    return LoadedBackbone(content_hash, num_labels, model, tokenizer_for(directory, model.config), nbytes)


class BackboneCache:
    """Least-recently-used backbones kept loaded between jobs, within a memory budget."""

    def __init__(self, budget_bytes):
        self.budget_bytes = budget_bytes
        self._loaded = OrderedDict()
        self.loads = 0

    def get(self, content_hash, directory, num_labels, device="cpu"):
        key = (content_hash, num_labels)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        loaded = load_backbone(directory, content_hash, num_labels)
        loaded.model.to(device)
        self.loads += 1
        self._loaded[key] = loaded
        self._evict()
        return loaded

    def discard(self, content_hash, num_labels):
        self._loaded.pop((content_hash, num_labels), None)

    def _evict(self):
        # The newest entry always stays, even alone over budget: the job at hand needs it.
        while len(self._loaded) > 1 and sum(b.nbytes for b in self._loaded.values()) > self.budget_bytes:
            self._loaded.popitem(last=False)
