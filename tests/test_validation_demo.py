"""The demo seeding publishes real MiniLM deltas, and the worker validates them on the real backbone."""

import pytest

from hub.deltas.models import Backbone, Delta
from hub.evaluation.models import EvalResult, LeaderboardEntry, ReviewEvent, ValidationJob
from hub.evaluation.moderators import is_moderator
from tests.validation_helpers import wait_for_job
from workers.demo.seed import seed

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_seeding_publishes_deltas_that_are_scored(celery_worker, capsys, client):
    seed(steps=2, suite_size=200)
    backbone = Backbone.objects.get(name="sentence-transformers/all-MiniLM-L6-v2")
    assert {f.path for f in backbone.files.all()} >= {"config.json", "model.safetensors", "tokenizer.json"}
    scores = {}
    for repo in ("demo/minilm-rt-lora", "demo/minilm-rt-bitfit"):
        job = wait_for_job(repo, timeout=240)
        assert job.status == ValidationJob.Status.SCORED, job.reason
        results = EvalResult.objects.filter(version=job.version).select_related("suite")
        scores[repo] = {r.suite.name: r.score for r in results}
        assert len(scores[repo]) == 2
    for delta in Delta.objects.filter(namespace__name="demo"):  # the README.md each version holds is a real card
        assert "base_model_hash: " + backbone.content_hash in delta.card and "More Information Needed" not in delta.card
    bitfit = Delta.objects.get(name="minilm-rt-bitfit").versions.get()
    assert "head.safetensors" in {f.path for f in bitfit.files.all()}
    # Its own trained head, not a random one: above chance on 200 held-out reviews even after two steps.
    assert scores["demo/minilm-rt-bitfit"]["rotten-tomatoes-sentiment"] >= 0.58, scores
    # Its leaderboard entries were approved by the demo's moderator, each with a review event, so the first
    # visit shows them, with the suite's baseline beside them.
    entries = LeaderboardEntry.objects.filter(result__version__delta__namespace__name="demo")
    assert entries.count() == 4 and {e.status for e in entries} == {"approved"}
    events = ReviewEvent.objects.filter(entry__in=entries)
    assert {(e.actor.username, e.from_status, e.to_status) for e in events} == {
        ("demo-moderator", "pending", "approved")
    }
    assert is_moderator(events.first().actor) and events.count() == 4
    board = client.get("/leaderboards/rotten-tomatoes-sentiment/1")
    assert [row.delta.full_name for row in board.context["rows"]]
    assert {line.label for line in board.context["baselines"]} == {"trivial predictor"}
    assert board.context["baselines"][0].value == 0.5  # a balanced split: the majority class is right half the time
    seed()
    assert "already seeded" in capsys.readouterr().out
    assert Delta.objects.filter(namespace__name="demo").count() == 2
