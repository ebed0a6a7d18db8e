"""What every kind of suite run shares: batching in a stable order, forward passes, token counting."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Harness:
    model: object  # the backbone with the delta attached
    tokenizer: object
    max_length: int
    batch_size: int

    @property
    def device(self):
        return next(self.model.parameters()).device

    @property
    def config(self):
        return self.model.config


class SuiteRun:
    """One suite over its rows. Subclasses build `items` and say how to batch, run and score them."""

    def __init__(self, harness, suite, rows):
        self.harness, self.suite, self.rows = harness, suite, rows
        self.tokens = 0

    def batches(self):
        """(inputs, items) pairs: model inputs as CPU tensors, and the items they hold."""
        raise NotImplementedError

    def forward(self, inputs):
        return self.harness.model(**inputs)

    def take(self, outputs, inputs, items):
        raise NotImplementedError

    def metrics(self):
        raise NotImplementedError

    def run(self):
        import torch

        device = self.harness.device
        with torch.inference_mode():
            for inputs, items in self.batches():
                inputs = {k: v.to(device) for k, v in inputs.items()}
                self.tokens += int(inputs["attention_mask"].sum())
                self.take(self.forward(inputs), inputs, items)
        return self.metrics()


def chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def longest_first(items, length):
    """Items sorted by length, longest first: less padding per batch, and the largest batch meets memory first."""
    return sorted(items, key=lambda item: -length(item))


def token_log_probs(logits, targets):
    """log p(target) at each position, in float32 whatever the model's dtype: the target's logit less the
    log-sum-exp of all, which never materialises log-probabilities over the whole vocabulary."""
    logits = logits.float()
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(dim=-1)
