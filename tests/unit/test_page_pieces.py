"""Pieces of the pages and health report that need no database: module tree folding, cards, checks."""

from hub.core import health
from hub.web.cards import render_card
from hub.web.module_tree import build_tree
from tests.trees import labels


def test_identical_layers_fold_and_a_different_one_stays_apart():
    paths = {f"encoder.layer.{i}.attention.query" for i in range(4)} | {"embeddings.word"}
    touched = {f"encoder.layer.{i}.attention.query" for i in range(3)}
    assert labels(build_tree(paths, touched)) == [
        "embeddings",
        "  word",
        "encoder",
        "  layer",
        "    0–2 x3",
        "      attention",
        "        query*",
        "    3",
        "      attention",
        "        query",
    ]


def test_layers_sort_numerically_before_folding():
    paths = {f"layer.{i}.dense" for i in range(12)}
    tree = build_tree(paths, set())
    assert labels(tree)[:2] == ["layer", "  0–11 x12"]


def test_card_front_matter_is_not_shown():
    html = render_card("---\nlicense: mit\ntags:\n- lora\n---\n# Title\n\nBody")
    assert "license: mit" not in html and "<h1>Title</h1>" in html


def test_a_failing_check_is_reported_not_raised():
    def broken():
        raise ConnectionError("connection refused")

    report = health.run_checks({"thing": broken})
    assert report == {"thing": {"ok": False, "detail": "ConnectionError: connection refused"}}
