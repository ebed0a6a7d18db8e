"""The trivial predictors each kind of suite is measured against, and the margin over them."""

import pytest

from hub.evaluation.baselines import baseline_fields, margin, stronger, trivial_score


def test_a_classification_baseline_predicts_the_majority_label():
    rows = [{"label": label} for label in (0, 1, 1, 1, 2)]
    assert trivial_score("classification", "accuracy", rows) == 0.6
    assert trivial_score("choice", "accuracy", rows) == 0.6
    # Always the same class: macro-F1 counts the classes never predicted as zero.
    assert trivial_score("classification", "macro_f1", rows) == pytest.approx((0 + 0.75 + 0) / 3)
    assert trivial_score("classification", "matthews", rows) == 0.0


def test_a_tie_for_the_majority_breaks_the_same_way_every_time():
    assert trivial_score("classification", "accuracy", [{"label": 1}, {"label": 0}]) == 0.5
    # Tagging every word "O" (index 0, the smaller) finds no entity; "B-person" would find one.
    rows = [{"tokens": ["a", "b"], "tags": [1, 0]}]
    assert trivial_score("tagging", "entity_f1", rows, ["O", "B-person"]) == 0.0


def test_a_regression_baseline_predicts_the_mean_and_correlates_with_nothing():
    assert trivial_score("classification", "pearson", [{"label": v} for v in (0.1, 0.5, 0.9)]) == 0.0


def test_a_tagging_baseline_tags_every_word_with_the_most_frequent_tag():
    rows = [{"tokens": ["a", "b", "c"], "tags": [0, 0, 1]}, {"tokens": ["d"], "tags": [0]}]
    names = ["O", "B-person"]
    assert trivial_score("tagging", "token_accuracy", rows, names) == 0.75
    assert trivial_score("tagging", "entity_f1", rows, names) == 0.0


def test_a_retrieval_baseline_ranks_by_chance():
    rows = [{}] * 4
    assert trivial_score("retrieval", "recall_at_1", rows) == 0.25
    assert trivial_score("retrieval", "mrr", rows) == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)


def test_generation_and_perplexity_have_no_trivial_baseline():
    assert trivial_score("generation", "rouge_l", [{"target": "x"}]) is None
    assert trivial_score("perplexity", "bits_per_byte", [{"text": "x"}]) is None
    assert trivial_score("classification", "accuracy", []) is None


def test_the_margin_is_positive_when_better_whatever_the_direction():
    assert margin("accuracy", 0.8, 0.5) == pytest.approx(0.3)
    assert margin("bits_per_byte", 1.2, 1.5) == pytest.approx(0.3)
    assert margin("bits_per_byte", 1.6, 1.5) == pytest.approx(-0.1)
    assert margin("accuracy", 0.8, None) is None


def test_the_baseline_is_the_stronger_of_the_two():
    assert stronger("accuracy", 0.5, 0.62) == 0.62
    assert stronger("bits_per_byte", 1.5, 2.0) == 1.5
    assert stronger("accuracy", None, None) is None
    fields = baseline_fields("accuracy", 0.6, 0.5, 0.62)
    assert fields["baseline_score"] == 0.62 and fields["margin"] == pytest.approx(-0.02)
