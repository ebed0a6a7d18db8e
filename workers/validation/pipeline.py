"""The stages of one validation, in order; each raises ValidationFailed or BackboneUnavailable to stop."""

import tempfile
import time
from collections import defaultdict

from hub.evaluation import jobs
from hub.evaluation.suites import active_suites_for
from workers.validation.attach import attached
from workers.validation.backbones import warm_cache
from workers.validation.datasets import suite_rows
from workers.validation.evaluate import MAX_LENGTH, run_suite
from workers.validation.fetch import fetch_version_files
from workers.validation.results import record_result, record_trainable
from workers.validation.static_checks import check_delta_directory

DEFAULT_NUM_LABELS = 2


class Stages:
    """Records the job's current stage and times each one."""

    def __init__(self, job_pk):
        self.job_pk = job_pk
        self.timings = {}

    def run(self, name, function, *args):
        jobs.set_stage(self.job_pk, name)
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.timings[name] = round(self.timings.get(name, 0) + time.perf_counter() - started, 4)


def validate(job, device, stages):
    version = job.version
    delta = version.delta
    with tempfile.TemporaryDirectory(prefix="deltacenter-validate-") as tmp:
        stages.run("fetch", fetch_version_files, version, tmp)
        stages.run("static_checks", check_delta_directory, tmp, delta.delta_type)
        suites = list(active_suites_for(delta.task))
        for num_labels, group in _by_label_count(suites).items():
            loaded = stages.run("load_backbone", warm_cache().get, delta.backbone, num_labels, device)
            with attached(loaded.model, tmp) as (model, trainable):
                record_trainable(version, trainable, delta.backbone.num_parameters)
                for suite in group:
                    stages.run(f"evaluate:{suite.name}", _evaluate, job, model, loaded, suite, device)


def _by_label_count(suites):
    groups = defaultdict(list)
    for suite in suites:
        groups[max(1, len(suite.label_names))].append(suite)
    # With no suite for its task, the delta is still loaded and attached: proving it fits is worth a pass.
    return groups or {DEFAULT_NUM_LABELS: []}


def _evaluate(job, model, loaded, suite, device):
    rows = suite_rows(suite)
    max_length = min(MAX_LENGTH, getattr(loaded.model.config, "max_position_embeddings", MAX_LENGTH))
    outcome = run_suite(model, loaded.tokenizer, suite, rows, max_length)
    return record_result(job, suite, outcome, job.device or device)
