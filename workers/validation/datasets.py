"""A suite's examples, downloaded by the digest the suite recorded and verified before use."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from hub.evaluation import metrics

if TYPE_CHECKING:
    from hub.evaluation.models import EvalSuite
    from workers.validation.child import SuiteSpec

LABELLED_KINDS = ("classification", "choice")


def suite_dataset_path(suite: EvalSuite) -> Path:
    """The suite's examples on local disk, downloaded on first use."""
    # Imported here: the evaluator child reads rows with this module but has no database to fetch with.
    from workers.validation.fetch import download_verified

    path = settings.DELTACENTER_WORKER_CACHE / "datasets" / f"{suite.dataset_sha256}.csv"
    if not path.is_file():
        download_verified(suite.dataset_sha256, path, failure_code="suite_dataset_corrupt")
    return path


def rows_from(path: str | Path, suite: EvalSuite | SuiteSpec) -> list[dict]:
    """The suite's examples as dicts: {"text", "label"} for labelled kinds, else the dataset's own columns."""
    with open(path, encoding="utf-8", newline="") as handle:
        return read_rows(handle, suite)


def read_rows(handle: Iterable[str], suite: EvalSuite | SuiteSpec) -> list[dict]:
    rows = list(csv.DictReader(handle))
    if suite.kind in LABELLED_KINDS:
        fields = list(suite.input_fields) or ["text"]
        return [
            {"text": " ".join(row[f] for f in fields), "label": _label(row[suite.label_field], suite.metric)}
            for row in rows
        ]
    if suite.kind == "tagging":
        return [{"tokens": json.loads(row["tokens"]), "tags": json.loads(row["tags"])} for row in rows]
    return rows


def _label(value: str, metric: str) -> float | int:
    return float(value) if metrics.is_regression(metric) else int(value)
