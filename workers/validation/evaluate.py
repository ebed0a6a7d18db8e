"""Run one evaluation suite on an attached model and compute its metrics."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workers.validation.kinds import RUNS
from workers.validation.kinds.base import Harness

if TYPE_CHECKING:
    import torch

    from workers.validation.child import SuiteSpec
    from workers.validation.tokenizers import Tokenizer

CPU_BATCH_SIZE = 16
MAX_LENGTH = 128
MAX_GPU_BATCH_SIZE = 256
# Share of the free device memory one batch's activations and logits may take.
GPU_MEMORY_SHARE = 0.5


@dataclass(frozen=True)
class SuiteOutcome:
    metrics: dict
    score: float
    num_examples: int
    seed: int
    duration_seconds: float
    tokens: int = 0


def run_suite(harness: Harness, suite: SuiteSpec, rows: list[dict]) -> SuiteOutcome:
    import torch

    seed = int(suite.split.get("seed", 0))
    torch.manual_seed(seed)
    started = time.perf_counter()
    run = RUNS[suite.kind](harness, suite, rows)
    values = run.run()
    return SuiteOutcome(values, values[suite.metric], len(rows), seed, time.perf_counter() - started, run.tokens)


def harness_for(model: torch.nn.Module, tokenizer: Tokenizer, max_length: int = MAX_LENGTH) -> Harness:
    config = model.config
    limit = min(
        max_length,
        getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None) or max_length,
    )
    return Harness(model, tokenizer, limit, batch_size_for(model, limit))


def batch_size_for(model: torch.nn.Module, max_length: int) -> int:
    """A fixed batch on the CPU; on a GPU, as many sequences as half the free memory holds, by a rough
    per-sequence cost: activations of every layer plus float32 logits over the vocabulary."""
    import torch

    device = next(model.parameters()).device
    if device.type != "cuda":
        return CPU_BATCH_SIZE
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    hidden = getattr(config, "hidden_size", None) or getattr(config, "d_model", 1024)
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "num_layers", 24)
    vocab = getattr(config, "vocab_size", 32000)
    element = next(model.parameters()).element_size()
    per_sequence = max_length * (hidden * layers * 16 * element + vocab * (element + 8))
    free, _ = torch.cuda.mem_get_info(device)
    fitting = int(free * GPU_MEMORY_SHARE // per_sequence)
    return max(1, min(MAX_GPU_BATCH_SIZE, 1 << max(0, fitting.bit_length() - 1)))


HARNESS_VERSION = "deltacenter-validation/2"


def software_versions() -> dict[str, str]:
    import peft
    import torch
    import transformers

    return {
        "harness": HARNESS_VERSION,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
    }
