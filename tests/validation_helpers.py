"""Helpers for tests that push deltas through the client and wait for a real worker to validate them."""

import time

from deltacenter import push_to_hub
from hub.evaluation.models import ValidationJob
from tests.models import tiny_bert, tiny_lora

Status = ValidationJob.Status
WAIT_STATES = (Status.SCORED, Status.FITS, Status.FAILED, Status.BACKBONE_UNAVAILABLE)
SUITE_SIZE = 24


def wait_for_job(repo, states=WAIT_STATES, timeout=90):
    namespace, name = repo.split("/")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = (
            ValidationJob.objects.filter(version__delta__namespace__name=namespace, version__delta__name=name)
            .order_by("-pk")
            .first()
        )
        if job is not None and job.status in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"The validation of {repo} did not finish: {job and (job.status, job.stage, job.reason)}")


def push_lora(repo, backbone_hash, model=None, **metadata):
    model = model if model is not None else tiny_lora(tiny_bert(seed=0))
    metadata.setdefault("task", "sentiment")
    return push_to_hub(model, repo, backbone=backbone_hash, **metadata)
