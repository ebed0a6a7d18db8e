"""The stages of one validation, in order; each raises ValidationFailed or BackboneUnavailable to stop.

Fetching and static checks run here; everything that loads tensors into torch runs in the evaluator child.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings

from deltacenter.errors import DeltaCenterError
from deltacenter.families import HEAD_FAMILIES, declared_family
from hub.evaluation import jobs
from hub.evaluation.suites import suites_for
from workers.validation.backbone_files import backbone_directory, forget_backbone_directory
from workers.validation.backbones import BACKBONE_HASH_MISMATCH
from workers.validation.datasets import suite_dataset_path
from workers.validation.errors import BackboneUnavailable, ValidationFailed
from workers.validation.evaluate import SuiteOutcome
from workers.validation.evaluator import EvaluationTimedOut, EvaluatorDied, evaluator
from workers.validation.fetch import fetch_version_files
from workers.validation.results import known_backbone_scores, record_result, record_trainable
from workers.validation.static_checks import check_delta_directory

if TYPE_CHECKING:
    from hub.evaluation.models import EvalSuite, ValidationJob

T = TypeVar("T")

DEFAULT_NUM_LABELS = 2
# Stages in which the child runs the delta's own weights: a death there is the delta's doing.
DELTA_STAGES = ("attach", "evaluate:")


class EvaluationError(Exception):
    """The child reported an unexpected exception; its text comes with it."""


class Stages:
    """Records the job's current stage and times each one; a stage lasts until the next begins."""

    def __init__(self, job_pk: int) -> None:
        self.job_pk = job_pk
        self.timings = {}
        self.current = None
        self._started = None

    def run(self, name: str, function: Callable[..., T], *args: object) -> T:
        self.enter(name)
        try:
            return function(*args)
        finally:
            self.leave()

    def enter(self, name: str) -> None:
        self.leave()
        jobs.set_stage(self.job_pk, name)
        self.current, self._started = name, time.perf_counter()

    def leave(self) -> None:
        if self._started is not None:
            elapsed = time.perf_counter() - self._started
            self.timings[self.current] = round(self.timings.get(self.current, 0) + elapsed, 4)
        self.current = self._started = None


@dataclass
class Verdict:
    """How a validation that raised nothing ends: scored, or it fits with the reason nothing measured it."""

    scored: bool
    code: str = ""
    message: str = ""


class Tally:
    """What the child reported across requests: results recorded, and why a delta was left unscored."""

    def __init__(self) -> None:
        self.results = 0
        self.unscored = None

    def verdict(self, family: str, task: str, suites: list[EvalSuite]) -> Verdict:
        if self.results:
            return Verdict(scored=True)
        if self.unscored and suites:
            return Verdict(False, self.unscored["code"], self.unscored["message"])
        for_task = f" for the task {task!r}" if family in HEAD_FAMILIES else ""
        return Verdict(
            False,
            "no_suite",
            f"No active evaluation suite measures {family} deltas{for_task}; the delta attached to its backbone.",
        )


def validate(job: ValidationJob, device: str, stages: Stages) -> Verdict:
    """Run every stage; returns the Verdict, or raises ValidationFailed / BackboneUnavailable."""
    delta = job.version.delta
    tally = Tally()
    # Inside the worker's cache: the only writable place the confined evaluator can read from.
    scratch = settings.DELTACENTER_WORKER_CACHE / "jobs"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="validate-", dir=scratch) as tmp:
        stages.run("fetch", fetch_version_files, job.version, tmp)
        stages.run("static_checks", check_delta_directory, tmp, delta.delta_type)
        family = _family(tmp)
        suites = list(suites_for(family, delta.task))
        backbone_dir = stages.run("fetch_backbone", backbone_directory, delta.backbone)
        datasets = stages.run("fetch_suites", _dataset_paths, suites)
        deadline = time.monotonic() + settings.DELTACENTER_EVAL_TIMEOUT_SECONDS
        for num_labels, group in _by_label_count(family, suites).items():
            request = {
                "kind": "evaluate",
                "device": device,
                "delta_dir": tmp,
                "backbone_hash": delta.backbone.content_hash,
                "backbone_dir": str(backbone_dir),
                "family": family,
                "num_labels": num_labels,
                "suites": [_suite_spec(suite, datasets[suite.name]) for suite in group],
                "backbone_scores": known_backbone_scores(delta.backbone_id, group),
            }
            _evaluate_in_child(job, device, stages, request, {s.name: s for s in group}, deadline, tally)
    return tally.verdict(family, delta.task, suites)


def _family(directory: str | Path) -> str:
    try:
        return declared_family(directory)
    except DeltaCenterError as exc:
        raise ValidationFailed("unknown_task_type", f"The delta's task family cannot be told: {exc}") from None


def _by_label_count(family: str, suites: list[EvalSuite]) -> dict[int | None, list[EvalSuite]]:
    """Classifier suites grouped by their number of labels (one backbone load with a head that size each);
    other families need no head and take all their suites in one go."""
    if family not in HEAD_FAMILIES:
        return {None: suites}
    groups = defaultdict(list)
    for suite in suites:
        groups[max(1, len(suite.label_names))].append(suite)
    # With no suite for its task, the delta is still loaded and attached: proving it fits is worth a verdict.
    return groups or {DEFAULT_NUM_LABELS: []}


def _dataset_paths(suites: list[EvalSuite]) -> dict[str, str]:
    return {suite.name: str(suite_dataset_path(suite)) for suite in suites}


def _suite_spec(suite: EvalSuite, dataset_path: str) -> dict:
    return {
        "name": suite.name,
        "kind": suite.kind,
        "metric": suite.metric,
        "split": dict(suite.split),
        "options": dict(suite.options),
        "input_fields": list(suite.input_fields),
        "label_field": suite.label_field,
        "label_names": list(suite.label_names),
        "dataset_path": dataset_path,
    }


def _evaluate_in_child(
    job: ValidationJob,
    device: str,
    stages: Stages,
    request: dict,
    suites: dict[str, EvalSuite],
    deadline: float,
    tally: Tally,
) -> None:
    try:
        last = evaluator(device).request(request, _recorder(job, device, stages, suites, tally), deadline)
    except EvaluationTimedOut:
        raise ValidationFailed(
            "evaluation_timeout",
            f"The evaluation did not finish within {settings.DELTACENTER_EVAL_TIMEOUT_SECONDS} s and was stopped during"
            f" {stages.current or 'start-up'}.",
        ) from None
    except EvaluatorDied as exc:
        if not (stages.current or "").startswith(DELTA_STAGES):
            raise
        raise ValidationFailed(
            "evaluation_crashed",
            f"The evaluation process died during {stages.current} (exit code {exc.exitcode}): the delta crashed"
            f" it or took more than the {settings.DELTACENTER_EVAL_MEMORY_BYTES // 1024**2} MiB of memory allowed.",
        ) from None
    finally:
        stages.leave()
    if "failed" in last:
        if last["failed"]["code"] == BACKBONE_HASH_MISMATCH:
            forget_backbone_directory(job.version.delta.backbone)  # never trust these files again
        failed = last["failed"]
        raise ValidationFailed(failed["code"], failed["message"], str(failed.get("detail") or ""))
    if "unavailable" in last:
        raise BackboneUnavailable(last["unavailable"]["message"], code=last["unavailable"]["code"])
    if "error" in last:
        raise EvaluationError(last["error"])


def _recorder(
    job: ValidationJob, device: str, stages: Stages, suites: dict[str, EvalSuite], tally: Tally
) -> Callable[[dict], None]:
    """Turn the child's events into stage changes and stored results."""
    version = job.version
    runtime = {"device": device, "software": {}}

    def record(event: dict) -> None:
        if "runtime" in event:
            runtime.update(event["runtime"])
            jobs.record_device(job.pk, runtime["device"])
        elif "stage" in event:
            stages.enter(event["stage"])
        elif "trainable" in event:
            record_trainable(version, int(event["trainable"]), version.delta.backbone.num_parameters)
        elif "unscored" in event:
            tally.unscored = event["unscored"]
        elif "outcome" in event:
            outcome, baseline = SuiteOutcome(**event["outcome"]), event.get("baseline", {})
            record_result(job, suites[event["suite"]], outcome, runtime, baseline)
            tally.results += 1

    return record
