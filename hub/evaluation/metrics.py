"""Suite metrics in plain numpy, so the web side and the workers compute them the same way."""

import numpy as np


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
