"""A version's validation in a few fields, for listings and other clients' views of a delta."""

from hub.evaluation.models import ValidationJob


def validation_summary(version) -> dict | None:
    """The newest job's status and reason, with the scores it measured; None before any job exists."""
    job = ValidationJob.objects.newest_for_version(version)
    if job is None:
        return None
    results = version.eval_results.select_related("suite").order_by("suite__name")
    return {
        "status": job.status,
        "reason_code": job.reason_code,
        "reason": job.reason,
        "scores": [{"suite": r.suite.name, "metric": r.suite.metric, "score": r.score} for r in results],
    }
