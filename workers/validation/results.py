"""Store what a validation measured: results per suite, pending leaderboard entries, trainable parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from hub.deltas.models import DeltaVersion
from hub.evaluation.baselines import baseline_fields
from hub.evaluation.models import EvalResult, LeaderboardEntry

if TYPE_CHECKING:
    from hub.evaluation.models import EvalSuite, ValidationJob
    from workers.validation.evaluate import SuiteOutcome


def claimed_score(claimed_metrics: object, suite: EvalSuite) -> float | None:
    """The author's claim for this suite: {"<suite name>": {"<metric>": x}}, or a bare {"<metric>": x}."""
    claims = claimed_metrics if isinstance(claimed_metrics, dict) else {}
    for_suite = claims.get(suite.name)
    value = for_suite.get(suite.metric) if isinstance(for_suite, dict) else claims.get(suite.metric)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def known_backbone_scores(backbone_id: int, suites: list) -> dict:
    """The backbone's own score on each of `suites` already measured: the same examples and harness give the
    same number, so the backbone alone is run once per suite, not once per delta."""
    known = EvalResult.objects.filter(
        suite__in=suites, version__delta__backbone_id=backbone_id, backbone_score__isnull=False
    )
    return dict(
        known.order_by("suite__name", "-created_at")
        .distinct("suite__name")
        .values_list("suite__name", "backbone_score")
    )


@transaction.atomic
def record_result(
    job: ValidationJob, suite: EvalSuite, outcome: SuiteOutcome, runtime: dict, baseline: dict
) -> EvalResult:
    """Store one suite's outcome with its baselines ({"trivial", "backbone"}, either may be missing)."""
    claimed = claimed_score(job.version.claimed_metrics, suite)
    result, _ = EvalResult.objects.update_or_create(
        version=job.version,
        suite=suite,
        defaults={
            "job": job,
            "metrics": outcome.metrics,
            "score": outcome.score,
            "num_examples": outcome.num_examples,
            "seed": outcome.seed,
            "duration_seconds": outcome.duration_seconds,
            "device": runtime["device"],
            "software": runtime["software"],
            "claimed_score": claimed,
            "differs_from_claim": claimed is not None
            and abs(claimed - outcome.score) > settings.DELTACENTER_CLAIM_TOLERANCE,
            **baseline_fields(suite.metric, outcome.score, baseline.get("trivial"), baseline.get("backbone")),
        },
    )
    LeaderboardEntry.objects.get_or_create(result=result)
    return result


def record_trainable(version: DeltaVersion, count: int, backbone_parameters: int) -> None:
    DeltaVersion.objects.filter(pk=version.pk).update(**DeltaVersion.trainable_fields(count, backbone_parameters))
