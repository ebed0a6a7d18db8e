"""How close backbone_hash comes to the speed of plain sha256 over the same bytes.

    python bench/bench_backbone_hash.py

Builds a randomly initialised BertModel (hidden 768, 6 layers, vocabulary 8000: ~200 MB of float32 weights),
then times, best of 3: (a) hashlib.sha256 fed every tensor's bytes, (b) backbone_hash(model). The target is a
ratio of at least 0.8; the script exits with status 1 below it.
"""

import hashlib
import sys
import time
from pathlib import Path

import torch
from transformers import BertConfig, BertModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))

from deltacenter.backbone_hash import backbone_hash

TARGET_RATIO = 0.8
REPEATS = 3
CONFIG = BertConfig(
    vocab_size=8000, hidden_size=768, num_hidden_layers=6, num_attention_heads=12, intermediate_size=3072
)


def best_seconds(function):
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def raw_sha256(byte_views):
    digest = hashlib.sha256()
    for view in byte_views:
        digest.update(view)
    return digest.hexdigest()


def main():
    torch.manual_seed(0)
    model = BertModel(CONFIG).eval()
    tensors = model.state_dict().values()
    byte_views = [memoryview(t.contiguous().reshape(-1).view(torch.uint8).numpy()) for t in tensors]
    megabytes = sum(len(view) for view in byte_views) / 1e6

    sha256_seconds = best_seconds(lambda: raw_sha256(byte_views))
    hash_seconds = best_seconds(lambda: backbone_hash(model))
    ratio = sha256_seconds / hash_seconds

    print(f"model:          BertModel, {megabytes:.1f} MB of float32 in {len(byte_views)} tensors")
    print(f"sha256:         {megabytes / sha256_seconds:8.1f} MB/s  (best of {REPEATS}: {sha256_seconds:.3f} s)")
    print(f"backbone_hash:  {megabytes / hash_seconds:8.1f} MB/s  (best of {REPEATS}: {hash_seconds:.3f} s)")
    print(f"ratio:          {ratio:.3f}")
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(f"{verdict}: backbone_hash runs at {ratio:.2f}x the speed of raw sha256 (target >= {TARGET_RATIO})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
