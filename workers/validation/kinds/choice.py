from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks, longest_first, token_log_probs
from workers.validation.tokenizers import pad

if TYPE_CHECKING:
    import torch
    from transformers.utils import ModelOutput

    from workers.validation.child import SuiteSpec
    from workers.validation.kinds.base import Harness


class ChoiceRun(SuiteRun):
    """Each choice's log-likelihood as the continuation of the prompt; the likeliest is the answer.

    As lm-evaluation-harness does: a causal LM reads prompt and choice as one sequence (the prompt cut from
    the left when too long) and the choice's tokens are scored; a seq2seq LM reads the prompt and scores the
    choice as its decoder's output. Accuracy takes the summed log-likelihood; the normalised accuracy divides
    it by the choice's length in bytes.
    """

    def __init__(self, harness: Harness, suite: SuiteSpec, rows: list[dict]) -> None:
        super().__init__(harness, suite, rows)
        self.seq2seq = bool(getattr(harness.config, "is_encoder_decoder", False))
        template, choices = suite.options["template"], suite.options["choices"]
        tokenizer, limit = harness.tokenizer, harness.max_length
        self.choice_bytes = [len(c.encode()) for c in choices]
        self.requests = []
        for index, row in enumerate(rows):
            prompt = template.format(**row)
            for choice_index, choice in enumerate(choices):
                if self.seq2seq:
                    context, target = tokenizer.encoder_ids(prompt, limit), tokenizer.encode(choice)[:limit]
                else:
                    target = tokenizer.encode(choice)[: limit - 1]
                    context = (tokenizer.start_ids() + tokenizer.encode(prompt))[-(limit - len(target)) :]
                self.requests.append((index, choice_index, context, target))
        self.log_likelihoods = defaultdict(dict)

    def batches(self) -> Iterator[tuple[dict[str, torch.Tensor], list]]:
        ordered = longest_first(self.requests, lambda r: len(r[2]) + len(r[3]))
        pad_id = self.harness.tokenizer.pad_id
        for batch in chunks(ordered, self.harness.batch_size):
            if self.seq2seq:
                inputs = pad([context for _, _, context, _ in batch], pad_id)
                inputs["labels"] = pad([target for *_, target in batch], -100)["input_ids"]
            else:
                inputs = pad([context + target for _, _, context, target in batch], pad_id)
            yield inputs, batch

    def take(self, outputs: ModelOutput, inputs: dict[str, torch.Tensor], items: list) -> None:
        import torch

        for row, (index, choice_index, context, target) in enumerate(items):
            # A decoder's logits at p predict label p; a causal LM's predict the token after p.
            start = 0 if self.seq2seq else len(context) - 1
            logits = outputs.logits[row, start : start + len(target)]
            targets = torch.tensor(target, device=logits.device)
            self.log_likelihoods[index][choice_index] = float(token_log_probs(logits, targets).sum())

    def metrics(self) -> dict[str, float]:
        labels = [row["label"] for row in self.rows]
        scores = [[self.log_likelihoods[i][c] for c in range(len(self.choice_bytes))] for i in range(len(self.rows))]
        normalised = [[s / n for s, n in zip(row, self.choice_bytes, strict=True)] for row in scores]
        values = metrics.compute("accuracy", labels, [_argmax(row) for row in scores])
        values["accuracy_norm"] = metrics.accuracy(labels, [_argmax(row) for row in normalised])
        return values


def _argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)
