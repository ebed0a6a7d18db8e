from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks, longest_first
from workers.validation.tokenizers import pad

if TYPE_CHECKING:
    import torch

    from workers.validation.child import SuiteSpec
    from workers.validation.kinds.base import Harness


class GenerationRun(SuiteRun):
    """Greedy decoding from the prompt, scored against the reference by exact match and ROUGE."""

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        template = suite.options["template"]
        self.max_new_tokens = int(suite.options.get("max_new_tokens", 32))
        limit = harness.max_length if harness.config.is_encoder_decoder else harness.max_length - self.max_new_tokens
        self.prompts = [(i, harness.tokenizer.encoder_ids(template.format(**row), limit)) for i, row in enumerate(rows)]
        self.predictions = {}

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        for batch in chunks(longest_first(self.prompts, lambda p: len(p[1])), self.harness.batch_size):
            yield pad([ids for _, ids in batch], self.harness.tokenizer.pad_id), batch

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.harness.model.generate(
            **inputs,
            max_new_tokens=self.max_new_tokens,
            do_sample=False,
            num_beams=1,
            pad_token_id=self.harness.tokenizer.pad_id,
        )

    def take(self, outputs: torch.Tensor, inputs: dict[str, torch.Tensor], items: list) -> None:
        # A decoder-only model returns the prompt before what it generated.
        generated = outputs if self.harness.config.is_encoder_decoder else outputs[:, inputs["input_ids"].shape[1] :]
        for (index, _), ids in zip(items, generated.tolist(), strict=True):
            self.predictions[index] = self.harness.tokenizer.decode(ids)

    def metrics(self) -> dict[str, float]:
        references = [self.harness.tokenizer.reference(row["target"]) for row in self.rows]
        return metrics.generation(references, [self.predictions[i] for i in range(len(self.rows))])
