"""The demo seeding publishes real MiniLM deltas, and the worker validates them on the real backbone."""

import pytest

from hub.deltas.models import Backbone, Delta
from hub.evaluation.models import EvalResult, ValidationJob
from tests.validation_helpers import wait_for_job
from workers.demo.seed import seed

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_seeding_publishes_deltas_that_pass_validation(celery_worker, capsys):
    seed(steps=2, suite_size=16)
    backbone = Backbone.objects.get(name="sentence-transformers/all-MiniLM-L6-v2")
    assert {f.path for f in backbone.files.all()} >= {"config.json", "model.safetensors", "tokenizer.json"}
    for repo in ("demo/minilm-rt-lora", "demo/minilm-rt-bitfit"):
        job = wait_for_job(repo, timeout=180)
        assert job.status == ValidationJob.Status.SCORED, job.reason
        assert EvalResult.objects.filter(version=job.version).count() == 2
    seed()
    assert "already seeded" in capsys.readouterr().out
    assert Delta.objects.filter(namespace__name="demo").count() == 2
