"""A leaderboard as data: one record per row, written as CSV or JSON for download."""

import csv
import io

from django.conf import settings

FIELDS = (
    "rank", "delta", "url", "version", "commit_id", "delta_type", "backbone", "backbone_hash", "metric",
    "higher_is_better", "score", "trivial_score", "backbone_score", "baseline_score", "margin", "beats_baseline",
    "claimed_score", "trainable_share", "num_examples", "seed", "device", "reviewed_at",
)  # fmt: skip


def record(suite, row) -> dict:
    result, version, delta = row.result, row.version, row.delta
    return {
        "rank": row.rank,
        "delta": delta.full_name,
        "url": f"{settings.SITE_URL}/{delta.full_name}",
        "version": version.number,
        "commit_id": version.commit_id,
        "delta_type": delta.delta_type,
        "backbone": delta.backbone.label,
        "backbone_hash": delta.backbone.content_hash,
        "metric": suite.metric,
        "higher_is_better": suite.higher_is_better,
        "score": result.score,
        "trivial_score": result.trivial_score,
        "backbone_score": result.backbone_score,
        "baseline_score": result.baseline_score,
        "margin": result.margin,
        "beats_baseline": row.beats_baseline,
        "claimed_score": result.claimed_score,
        "trainable_share": version.trainable_share,
        "num_examples": result.num_examples,
        "seed": result.seed,
        "device": result.device,
        "reviewed_at": row.entry.reviewed_at.isoformat() if row.entry.reviewed_at else None,
    }


def board_json(suite, rows, baselines) -> dict:
    return {
        "suite": {
            "name": suite.name,
            "version": suite.version,
            "task": suite.task,
            "metric": suite.metric,
            "higher_is_better": suite.higher_is_better,
            "baselines": [{"label": line.label, "score": line.value} for line in baselines],
        },
        "entries": [record(suite, row) for row in rows],
    }


def board_csv(suite, rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_neutralised(record(suite, row)) for row in rows)
    return out.getvalue()


def _neutralised(values):
    # A cell starting with =, +, - or @ is a formula to spreadsheets; names are user-chosen, so quote them.
    return {k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for k, v in values.items()}
