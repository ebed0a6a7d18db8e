"""The demo seeding publishes real MiniLM deltas, and the worker validates them on the real backbone."""

import pytest

from hub.deltas.models import Backbone, Delta
from hub.evaluation.models import EvalResult, ValidationJob
from tests.validation_helpers import wait_for_job
from workers.demo.seed import seed

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_seeding_publishes_deltas_that_are_scored(celery_worker, capsys):
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
    seed()
    assert "already seeded" in capsys.readouterr().out
    assert Delta.objects.filter(namespace__name="demo").count() == 2
