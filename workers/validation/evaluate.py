"""Run one evaluation suite on an attached model and compute its metrics."""

import platform
import time
from dataclasses import dataclass

from hub.evaluation import metrics

BATCH_SIZE = 32
MAX_LENGTH = 128


@dataclass(frozen=True)
class SuiteOutcome:
    metrics: dict
    score: float
    num_examples: int
    seed: int
    duration_seconds: float


def run_suite(model, tokenizer, suite, rows, max_length=MAX_LENGTH):
    import torch

    seed = int(suite.split.get("seed", 0))
    torch.manual_seed(seed)
    started = time.perf_counter()
    predictions = _predict(model, tokenizer, [text for text, _ in rows], suite.metric, max_length)
    labels = [label for _, label in rows]
    values = metrics.compute(suite.metric, labels, predictions)
    return SuiteOutcome(values, values[suite.metric], len(rows), seed, time.perf_counter() - started)


def _predict(model, tokenizer, texts, metric, max_length):
    import torch

    device = next(model.parameters()).device
    predictions = []
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            inputs = tokenizer(texts[start : start + BATCH_SIZE], max_length)
            logits = model(**{k: v.to(device) for k, v in inputs.items()}).logits
            batch = logits[:, 0].float() if metrics.is_regression(metric) else logits.argmax(dim=-1)
            predictions += batch.cpu().tolist()
    return predictions


HARNESS_VERSION = "deltacenter-validation/1"


def software_versions():
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
