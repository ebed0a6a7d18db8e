"""A suite's examples, downloaded by the digest the suite recorded and verified before use."""

import csv

from django.conf import settings

from hub.evaluation import metrics


def suite_dataset_path(suite):
    """The suite's examples on local disk, downloaded on first use."""
    # Imported here: the evaluator child reads rows with this module but has no database to fetch with.
    from workers.validation.fetch import download_verified

    path = settings.DELTACENTER_WORKER_CACHE / "datasets" / f"{suite.dataset_sha256}.csv"
    if not path.is_file():
        download_verified(suite.dataset_sha256, path, failure_code="suite_dataset_corrupt")
    return path


def rows_from(path, suite):
    """The suite's examples as (text, label) pairs."""
    with open(path, encoding="utf-8", newline="") as handle:
        return read_rows(handle, suite)


def read_rows(handle, suite):
    fields = list(suite.input_fields) or ["text"]
    return [
        (" ".join(row[f] for f in fields), _label(row[suite.label_field], suite.metric))
        for row in csv.DictReader(handle)
    ]


def _label(value, metric):
    return float(value) if metrics.is_regression(metric) else int(value)
