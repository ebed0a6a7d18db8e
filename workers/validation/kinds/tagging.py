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


class TaggingRun(SuiteRun):
    """The delta's token classifier tags each word by its first token; words cut off by the length limit are
    tagged O. Entity F1 follows the CoNLL rules (seqeval)."""

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        self.items = [(i, *harness.tokenizer.word_ids(row["tokens"], harness.max_length)) for i, row in enumerate(rows)]
        self.predictions = {}

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        for batch in chunks(longest_first(self.items, lambda item: len(item[1])), self.harness.batch_size):
            yield pad([ids for _, ids, _ in batch], self.harness.tokenizer.pad_id), batch

    def take(self, outputs: ModelOutput, inputs: dict[str, torch.Tensor], items: list) -> None:
        names = self.suite.label_names
        for (index, ids, word_ids), predicted in zip(items, outputs.logits.argmax(-1).tolist(), strict=True):
            tags = ["O"] * len(self.rows[index]["tokens"])
            for position, word in reversed(list(enumerate(word_ids[: len(ids)]))):
                if word is not None:
                    tags[word] = names[predicted[position]] if predicted[position] < len(names) else "O"
            self.predictions[index] = tags

    def metrics(self) -> dict[str, float]:
        names = self.suite.label_names
        references = [[names[t] for t in row["tags"]] for row in self.rows]
        return metrics.tagging(references, [self.predictions[i] for i in range(len(self.rows))])
