from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks, longest_first
from workers.validation.tokenizers import pad

if TYPE_CHECKING:
    import torch
    from transformers.utils import ModelOutput

    from workers.validation.child import SuiteSpec
    from workers.validation.kinds.base import Harness


class RetrievalRun(SuiteRun):
    """Each query's own document among all the suite's documents, by cosine similarity of mean-pooled last
    hidden states (an encoder-decoder's encoder alone)."""

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        texts = [row["query"] for row in rows] + [row["document"] for row in rows]
        self.items = [(i, harness.tokenizer.encoder_ids(text, harness.max_length)) for i, text in enumerate(texts)]
        self.embeddings = {}

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        for batch in chunks(longest_first(self.items, lambda item: len(item[1])), self.harness.batch_size):
            yield pad([ids for _, ids in batch], self.harness.tokenizer.pad_id), batch

    def forward(self, inputs: dict[str, torch.Tensor]) -> ModelOutput:
        model = self.harness.model
        if getattr(self.harness.config, "is_encoder_decoder", False):
            return model.get_encoder()(**inputs)
        return model(**inputs)

    def take(self, outputs: ModelOutput, inputs: dict[str, torch.Tensor], items: list) -> None:
        mask = inputs["attention_mask"].unsqueeze(-1).float()
        pooled = (outputs[0].float() * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        for (index, _), vector in zip(items, pooled.cpu(), strict=True):
            self.embeddings[index] = vector

    def metrics(self) -> dict[str, float]:
        import torch

        count = len(self.rows)
        vectors = torch.nn.functional.normalize(torch.stack([self.embeddings[i] for i in range(2 * count)]), dim=-1)
        similarity = vectors[:count] @ vectors[count:].T
        own = similarity.diagonal().unsqueeze(1)
        ranks = (similarity >= own).sum(dim=1)  # ties count against: a constant embedding ranks last, not first
        return metrics.retrieval(ranks.tolist())
