from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks

if TYPE_CHECKING:
    import torch
    from transformers.utils import ModelOutput

    from workers.validation.child import SuiteSpec
    from workers.validation.kinds.base import Harness


class ClassificationRun(SuiteRun):
    """The delta's classifier head picks a label (or, for a regression suite, gives a value) per text."""

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        self.predictions = []

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        for batch in chunks(self.rows, self.harness.batch_size):
            yield self.harness.tokenizer([row["text"] for row in batch], self.harness.max_length), batch

    def take(self, outputs: ModelOutput, inputs: dict[str, torch.Tensor], items: list) -> None:
        logits = outputs.logits
        batch = logits[:, 0].float() if metrics.is_regression(self.suite.metric) else logits.argmax(dim=-1)
        self.predictions += batch.cpu().tolist()

    def metrics(self) -> dict[str, float]:
        return metrics.compute(self.suite.metric, [row["label"] for row in self.rows], self.predictions)
