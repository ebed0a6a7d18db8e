"""How each kind of suite runs: rows into batches, batches through the model, outputs into metrics."""

from workers.validation.kinds.choice import ChoiceRun
from workers.validation.kinds.classification import ClassificationRun
from workers.validation.kinds.generation import GenerationRun
from workers.validation.kinds.perplexity import PerplexityRun
from workers.validation.kinds.retrieval import RetrievalRun
from workers.validation.kinds.tagging import TaggingRun

RUNS = {
    "classification": ClassificationRun,
    "choice": ChoiceRun,
    "perplexity": PerplexityRun,
    "generation": GenerationRun,
    "tagging": TaggingRun,
    "retrieval": RetrievalRun,
}
