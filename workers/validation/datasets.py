"""A suite's examples, downloaded by the digest the suite recorded and verified before use."""

import csv
import json

from django.conf import settings

from hub.evaluation import metrics

LABELLED_KINDS = ("classification", "choice")


def suite_dataset_path(suite):
    """The suite's examples on local disk, downloaded on first use."""
    # Imported here: the evaluator child reads rows with this module but has no database to fetch with.
    from workers.validation.fetch import download_verified

    path = settings.DELTACENTER_WORKER_CACHE / "datasets" / f"{suite.dataset_sha256}.csv"
    if not path.is_file():
        download_verified(suite.dataset_sha256, path, failure_code="suite_dataset_corrupt")
    return path


def rows_from(path, suite):
    """The suite's examples as dicts: {"text", "label"} for labelled kinds, else the dataset's own columns."""
    with open(path, encoding="utf-8", newline="") as handle:
        return read_rows(handle, suite)


def read_rows(handle, suite):
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


def _label(value, metric):
    return float(value) if metrics.is_regression(metric) else int(value)
