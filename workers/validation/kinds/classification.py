from hub.evaluation import metrics
from workers.validation.kinds.base import SuiteRun, chunks


class ClassificationRun(SuiteRun):
    """The delta's classifier head picks a label (or, for a regression suite, gives a value) per text."""

    def __init__(self, harness, suite, rows):
        super().__init__(harness, suite, rows)
        self.predictions = []

    def batches(self):
        for batch in chunks(self.rows, self.harness.batch_size):
            yield self.harness.tokenizer([row["text"] for row in batch], self.harness.max_length), batch

    def take(self, outputs, inputs, items):
        logits = outputs.logits
        batch = logits[:, 0].float() if metrics.is_regression(self.suite.metric) else logits.argmax(dim=-1)
        self.predictions += batch.cpu().tolist()

    def metrics(self):
        return metrics.compute(self.suite.metric, [row["label"] for row in self.rows], self.predictions)
