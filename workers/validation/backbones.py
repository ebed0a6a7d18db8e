"""Find a backbone by its content hash, load it offline, prove its weights match the hash, keep it warm."""

import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from hub.deltas.models import BackboneFile
from workers.validation.config import backbone_memory_budget_bytes, cache_dir
from workers.validation.errors import BackboneUnavailable, ValidationFailed
from workers.validation.fetch import download_verified
from workers.validation.tokenizers import tokenizer_for

# The classification head is not part of the backbone: seed its initialisation so every worker builds the same.
HEAD_SEED = 0


@dataclass
class LoadedBackbone:
    content_hash: str
    num_labels: int
    model: object
    tokenizer: object
    nbytes: int


def backbone_directory(backbone):
    """A local directory with the backbone's config and weights: the cache, else downloaded from the bucket."""
    directory = cache_dir() / "backbones" / backbone.content_hash
    if (directory / "config.json").is_file():
        return directory
    files = list(BackboneFile.objects.filter(backbone=backbone).select_related("object"))
    if not any(f.path.endswith(".safetensors") for f in files):
        raise BackboneUnavailable(
            f"Backbone {backbone.content_hash[:12]}… has no uploaded weights; validation resumes once they arrive."
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{backbone.content_hash[:12]}-", dir=directory.parent))
    try:
        for f in files:
            download_verified(f.object.sha256, staging / f.path, failure_code="backbone_checksum_mismatch")
        staging.rename(directory)  # atomic: another worker process never sees a half-written directory
    except OSError:
        if not (directory / "config.json").is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def load_backbone(backbone, num_labels):
    import torch
    from deltacenter.backbone_hash import hash_backbone
    from transformers import AutoModelForSequenceClassification

    directory = backbone_directory(backbone)
    torch.manual_seed(HEAD_SEED)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(directory), num_labels=num_labels, local_files_only=True, trust_remote_code=False
    ).eval()
    hashes = hash_backbone(model)
    if hashes.content_hash != backbone.content_hash:
        shutil.rmtree(directory, ignore_errors=True)
        raise ValidationFailed(
            "backbone_hash_mismatch",
            f"The backbone's uploaded weights hash to {hashes.content_hash[:12]}…, not its registered hash"
            f" {backbone.content_hash[:12]}…; refusing to evaluate on them.",
        )
    nbytes = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    return LoadedBackbone(backbone.content_hash, num_labels, model, tokenizer_for(directory, model.config), nbytes)


class BackboneCache:
    """Least-recently-used backbones kept loaded between jobs, within a memory budget."""

    def __init__(self, budget_bytes):
        self.budget_bytes = budget_bytes
        self._loaded = OrderedDict()
        self.loads = 0

    def get(self, backbone, num_labels, device="cpu"):
        key = (backbone.content_hash, num_labels)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        loaded = load_backbone(backbone, num_labels)
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


_cache = None


def warm_cache():
    global _cache
    if _cache is None:
        _cache = BackboneCache(backbone_memory_budget_bytes())
    return _cache
