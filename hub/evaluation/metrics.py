"""Suite metrics: their names, labels and directions, and the scoring functions the workers call.

Numbers are computed in plain numpy here, or by the standard scorer of their field (rouge-score for ROUGE,
seqeval for entity F1); the web side imports this module for the names and directions alone.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    higher_is_better: bool = True


METRICS = {
    m.name: m
    for m in (
        Metric("accuracy", "Accuracy"),
        Metric("accuracy_norm", "Accuracy (length-normalised)"),
        Metric("macro_f1", "Macro-F1"),
        Metric("matthews", "Matthews correlation"),
        Metric("pearson", "Pearson correlation"),
        Metric("bits_per_byte", "Bits per byte", higher_is_better=False),
        Metric("perplexity", "Token perplexity", higher_is_better=False),
        Metric("rouge_l", "ROUGE-L"),
        Metric("rouge_1", "ROUGE-1"),
        Metric("exact_match", "Exact match"),
        Metric("entity_f1", "Entity F1"),
        Metric("token_accuracy", "Token accuracy"),
        Metric("recall_at_1", "Recall@1"),
        Metric("mrr", "Mean reciprocal rank"),
    )
}
CHOICES = [(m.name, m.label) for m in METRICS.values()]


def higher_is_better(metric):
    return METRICS[metric].higher_is_better if metric in METRICS else True


def oriented(metric, value):
    """`value` turned so that larger is better, for sorting scores of any metric one way."""
    return value if higher_is_better(metric) else -value


# Classification: the predicted class index against the label index.


def accuracy(labels, predictions):
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    return float(np.mean(labels == predictions)) if labels.size else 0.0


def macro_f1(labels, predictions):
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    scores = []
    for cls in np.union1d(labels, predictions):
        true_positive = np.sum((predictions == cls) & (labels == cls))
        predicted, actual = np.sum(predictions == cls), np.sum(labels == cls)
        denominator = predicted + actual
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def matthews(labels, predictions):
    """Multiclass Matthews correlation (Gorodkin's R_K); 0 when either side is constant."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    classes = np.union1d(labels, predictions)
    confusion = np.array([[np.sum((labels == t) & (predictions == p)) for p in classes] for t in classes], float)
    total, correct = confusion.sum(), np.trace(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    numerator = correct * total - predicted @ actual
    denominator = np.sqrt((total**2 - predicted @ predicted) * (total**2 - actual @ actual))
    return float(numerator / denominator) if denominator else 0.0


def pearson(labels, predictions):
    labels, predictions = np.asarray(labels, float), np.asarray(predictions, float)
    if labels.size < 2 or labels.std() == 0 or predictions.std() == 0:
        return 0.0
    return float(np.corrcoef(labels, predictions)[0, 1])


CLASSIFICATION = {"accuracy": accuracy, "macro_f1": macro_f1, "matthews": matthews}
REGRESSION = {"pearson": pearson}


def is_regression(metric):
    return metric in REGRESSION


def compute(metric, labels, predictions):
    """Every metric of the suite's family, keyed by name; the suite's own metric is among them."""
    family = REGRESSION if is_regression(metric) else CLASSIFICATION
    return {name: function(labels, predictions) for name, function in family.items()}


# Language modelling: summed negative log-likelihood (nats) over the tokens and bytes of the texts.


def language_modelling(total_nll, tokens, utf8_bytes):
    return {
        "bits_per_byte": float(total_nll / np.log(2) / utf8_bytes) if utf8_bytes else 0.0,
        # Capped so that an untrained model's perplexity stays a finite number JSON can hold.
        "perplexity": float(np.exp(min(total_nll / tokens, 700.0))) if tokens else 0.0,
    }


# Generation: references and predictions as text.


def generation(references, predictions, tokenizer=None):
    """Exact match (after whitespace and case folding) and mean ROUGE-1 / ROUGE-L F-measures.

    `tokenizer` (an object with `tokenize(text) -> list[str]`) replaces rouge-score's own, which keeps only
    ASCII letters and digits.
    """
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], tokenizer=tokenizer)
    scores = [scorer.score(ref, pred) for ref, pred in zip(references, predictions, strict=True)]
    exact = [_folded(ref) == _folded(pred) for ref, pred in zip(references, predictions, strict=True)]
    return {
        "exact_match": float(np.mean(exact)) if exact else 0.0,
        "rouge_1": float(np.mean([s["rouge1"].fmeasure for s in scores])) if scores else 0.0,
        "rouge_l": float(np.mean([s["rougeL"].fmeasure for s in scores])) if scores else 0.0,
    }


def _folded(text):
    return " ".join(text.lower().split())


# Token tagging: one BIO tag name per word.


def tagging(references, predictions):
    """Entity-level F1 (seqeval, CoNLL rules) and the share of words tagged right."""
    from seqeval.metrics import f1_score

    words = [(r, p) for ref, pred in zip(references, predictions, strict=True) for r, p in zip(ref, pred, strict=True)]
    return {
        "entity_f1": float(f1_score(references, predictions, zero_division=0)),
        "token_accuracy": float(np.mean([r == p for r, p in words])) if words else 0.0,
    }


# Retrieval: the rank (1 = first) of each query's own document among all documents.


def retrieval(ranks):
    ranks = np.asarray(ranks, float)
    if not ranks.size:
        return {"recall_at_1": 0.0, "mrr": 0.0}
    return {"recall_at_1": float(np.mean(ranks == 1)), "mrr": float(np.mean(1 / ranks))}
