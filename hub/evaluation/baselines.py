"""What a score is worth: the score of a predictor that learned nothing, and a delta's margin over it.

Each kind of suite has its trivial predictor, computed from the suite's own examples: the majority label for
every text (classification, choice), the mean for a regression (whose correlation is then 0), the most frequent
tag for every word (tagging), a ranking by chance (retrieval). Generation and perplexity have none that means
anything; there the backbone with the delta detached is the baseline (the worker measures it where defined).
The evaluator child calls this with numpy alone; the pages read the stored numbers.
"""

from collections import Counter

from hub.evaluation import metrics


def trivial_score(kind: str, metric: str, rows: list, label_names: list = ()) -> float | None:
    """The suite's main metric for its trivial predictor on `rows` (as workers.validation.datasets reads them);
    `label_names` names a tagging suite's tag indices."""
    if not rows:
        return None
    if kind in ("classification", "choice"):
        return _majority(metric, [row["label"] for row in rows])
    if kind == "tagging":
        return _most_frequent_tag(metric, rows, list(label_names))
    if kind == "retrieval":
        return _chance_ranking(metric, len(rows))
    return None


def _majority(metric: str, labels: list) -> float:
    guess = sum(labels) / len(labels) if metrics.is_regression(metric) else _most_common(labels)
    return metrics.compute(metric, labels, [guess] * len(labels))[metric]


def _most_frequent_tag(metric: str, rows: list, names: list) -> float | None:
    tags = [tag for row in rows for tag in row["tags"]]
    if not tags or max(tags) >= len(names):
        return None
    tag = names[_most_common(tags)]
    references = [[names[t] for t in row["tags"]] for row in rows]
    return metrics.tagging(references, [[tag] * len(row["tags"]) for row in rows])[metric]


def _most_common(values: list) -> object:
    """The smallest of the most common values, so ties break the same way every run."""
    counts = Counter(values)
    return min(counts, key=lambda value: (-counts[value], value))


def _chance_ranking(metric: str, count: int) -> float:
    """The expected value under a uniformly random rank among `count` documents: each rank equally likely."""
    return metrics.retrieval(range(1, count + 1))[metric]


def beats(margin: float | None) -> bool:
    """Does a score `margin` over its baseline (None: no baseline measured) show the delta does better than it?"""
    return margin is not None and margin > 0


def stronger(metric: str, *scores: float | None) -> float | None:
    """The best of the baselines that exist, by the metric's direction."""
    known = [s for s in scores if s is not None]
    if not known:
        return None
    return max(known, key=lambda s: metrics.oriented(metric, s))


def margin(metric: str, score: float, baseline: float | None) -> float | None:
    """How far `score` beats `baseline`, positive when better whatever the metric's direction."""
    if baseline is None:
        return None
    return metrics.oriented(metric, score) - metrics.oriented(metric, baseline)


def baseline_fields(metric: str, score: float, trivial: float | None, backbone: float | None) -> dict:
    """The EvalResult fields that put `score` next to its baselines."""
    baseline = stronger(metric, trivial, backbone)
    return {
        "trivial_score": trivial,
        "backbone_score": backbone,
        "baseline_score": baseline,
        "margin": margin(metric, score, baseline),
    }
