"""Pieces of the pages and health report that need no database: module tree folding, cards, checks."""

from hub.core import health
from hub.web.cards import card_view
from hub.web.module_tree import MAX_DEPTH, build_tree, rows
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
    html = card_view("---\nlicense: mit\ntags:\n- lora\n---\n# Title\n\nBody").html
    assert "license: mit" not in html and "<h1>Title</h1>" in html


def test_a_failing_check_is_reported_not_raised():
    def broken():
        raise ConnectionError("connection refused")

    report = health.run_checks({"thing": broken})
    assert report["thing"]["ok"] is False
    assert report["thing"]["detail"] == "ConnectionError: connection refused"


def test_labels_that_look_like_digits_but_are_not_numbers_do_not_break_the_tree():
    tree = build_tree({"layer.².dense", "layer.1.dense", "layer.2.dense"}, set())
    assert labels(tree) == ["layer", "  1–2 x2", "    dense", "  ²", "    dense"]


def test_a_very_deep_name_is_cut_at_the_depth_limit_without_recursion():
    deep = ".".join(f"m{i}" for i in range(5000))
    tree = build_tree({deep}, {deep})
    assert len(labels(tree)) == MAX_DEPTH


def test_the_flattened_tree_nests_lists_like_the_tree_does():
    from html.parser import HTMLParser

    from django.template.loader import render_to_string

    paths = {f"encoder.layer.{i}.attention.{p}" for i in range(3) for p in ("query", "value")} | {"pooler.dense"}
    nodes = build_tree(paths, {"encoder.layer.1.attention.query"})
    html = render_to_string("web/_tree.html", {"rows": rows(nodes)})

    class Depth(HTMLParser):
        depth = deepest = 0
        balanced = True

        def handle_starttag(self, tag, attrs):
            if tag == "ul":
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)

        def handle_endtag(self, tag):
            if tag == "ul":
                self.depth -= 1
                self.balanced &= self.depth >= 0

    parser = Depth()
    parser.feed(html)
    assert parser.balanced and parser.depth == 0
    assert parser.deepest == max(len(line) - len(line.lstrip()) for line in labels(nodes)) // 2 + 1
    assert html.count("<li>") == len(labels(nodes))
