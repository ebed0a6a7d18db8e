"""What every kind of suite run shares: batching in a stable order, forward passes, token counting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import torch
    from transformers import PretrainedConfig
    from transformers.utils import ModelOutput

    from workers.validation.child import SuiteSpec
    from workers.validation.tokenizers import Tokenizer

T = TypeVar("T")


@dataclass(frozen=True)
class Harness:
    model: torch.nn.Module  # the backbone with the delta attached
    tokenizer: Tokenizer
    max_length: int
    batch_size: int

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def config(self) -> PretrainedConfig:
        return self.model.config


class SuiteRun:
    """One suite over its rows. Subclasses build `items` and say how to batch, run and score them."""

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        self.harness, self.suite, self.rows = harness, suite, rows
        self.tokens = 0

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        """(inputs, items) pairs: model inputs as CPU tensors, and the items they hold."""
        raise NotImplementedError

    def forward(self, inputs: dict[str, torch.Tensor]) -> ModelOutput:
        return self.harness.model(**inputs)

    def take(self, outputs: ModelOutput | torch.Tensor, inputs: dict[str, torch.Tensor], items: list) -> None:
        raise NotImplementedError

    def metrics(self) -> dict[str, float]:
        raise NotImplementedError

    def run(self) -> dict[str, float]:
        import torch

        device = self.harness.device
        with torch.inference_mode():
            for inputs, items in self.batches():
                inputs = {k: v.to(device) for k, v in inputs.items()}
                self.tokens += int(inputs["attention_mask"].sum())
                self.take(self.forward(inputs), inputs, items)
        return self.metrics()


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def longest_first(items: Iterable[T], length: Callable[[T], int]) -> list[T]:
    """Items sorted by length, longest first: less padding per batch, and the largest batch meets memory first."""
    return sorted(items, key=lambda item: -length(item))


def token_log_probs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log p(target) at each position, in float32 whatever the model's dtype: the target's logit less the
    log-sum-exp of all, which never materialises log-probabilities over the whole vocabulary."""
    logits = logits.float()
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(dim=-1)
