from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks, longest_first, token_log_probs
from workers.validation.tokenizers import pad

if TYPE_CHECKING:
    import torch
    from transformers.utils import ModelOutput

    from workers.validation.child import SuiteSpec
    from workers.validation.kinds.base import Harness


class PerplexityRun(SuiteRun):
    """Negative log-likelihood of every token of each text, in windows of the context length.

    A text is preceded by the start token and cut into disjoint windows, each conditioned on the token before
    it (lm-evaluation-harness's rolling log-likelihood), so every token of the text is scored exactly once.
    Bits per byte divides by the text's UTF-8 bytes, which makes models with different tokenizers comparable.
    """

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        tokenizer, limit = harness.tokenizer, harness.max_length
        self.windows, self.text_bytes, self.text_tokens = [], 0, 0
        for row in rows:
            ids = tokenizer.start_ids()[:1] + tokenizer.encode(row["text"])
            self.text_bytes += len(row["text"].encode())
            self.text_tokens += len(ids) - 1
            for start in range(1, len(ids), limit):
                window = ids[start - 1 : min(start - 1 + limit, len(ids) - 1)]
                self.windows.append((window, ids[start : start + len(window)]))
        self.nll = 0.0

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        ordered = longest_first(self.windows, lambda w: len(w[0]))
        for batch in chunks(ordered, self.harness.batch_size):
            yield pad([window for window, _ in batch], self.harness.tokenizer.pad_id), batch

    def take(self, outputs: ModelOutput, inputs: dict[str, torch.Tensor], items: list) -> None:
        import torch

        # One pass over the batch: targets padded with 0 and masked out of the sum.
        width = outputs.logits.shape[1]
        targets = torch.tensor([t + [0] * (width - len(t)) for _, t in items], device=outputs.logits.device)
        mask = torch.tensor([[1] * len(t) + [0] * (width - len(t)) for _, t in items], device=targets.device)
        self.nll -= float((token_log_probs(outputs.logits, targets) * mask).sum())

    def metrics(self) -> dict[str, float]:
        return metrics.language_modelling(self.nll, self.text_tokens, self.text_bytes)
