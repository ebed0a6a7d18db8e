"""What a delta's validation state may honestly claim, in the words badges, panels and the API use.

"Scored" alone says only that the worker measured it; the margin over the suite's baseline (hub.evaluation.
baselines) says whether the measurement shows the delta does anything. The badge never claims more than that.
"""

from dataclasses import dataclass

from hub.deltas.models import Delta
from hub.evaluation import jobs
from hub.evaluation.baselines import beats
from hub.evaluation.models import ValidationJob

State = Delta.Validation
# The delta states a job still under way shows (hub.evaluation.jobs.UNDER_WAY): the outcome is yet to come.
PENDING_STATES = set(jobs.UNDER_WAY.values())


@dataclass(frozen=True)
class Verdict:
    state: str
    label: str
    title: str
    tone: str  # the badge's style: good, flat, neutral, bad, pending
    final: bool  # nothing more will change until a new version is pushed


def verdict(state: str, margin: float | None = None) -> Verdict:
    """The badge for a delta in validation `state` whose main score beats its baseline by `margin`."""
    if state == State.SCORED:
        return _scored(margin)
    label, title, tone = PLAIN.get(state, PLAIN[State.UNVALIDATED])
    return Verdict(state, label, title, tone, state not in PENDING_STATES)


def _scored(margin):
    if margin is None:
        title = "Measured on the hub's evaluation suites; no baseline was measured to compare it with."
        return Verdict(State.SCORED, "scored", title, "neutral", True)
    if beats(margin):
        title = "Measured on the hub's suites, and better than its baseline (see its validation)."
        return Verdict(State.SCORED, f"✓ scored, beats baseline by {margin:.3f}", title, "good", True)
    title = "Measured on the hub's suites, and no better than its baseline (see its validation)."
    return Verdict(State.SCORED, "scored, no better than baseline", title, "flat", True)


PLAIN = {
    State.FITS: ("fits", "Re-attached to its backbone; no suite measured it (see its validation).", "neutral"),
    State.FAILED: ("failed validation", "The hub could not attach or run it (see its validation).", "bad"),
    State.QUEUED: ("validation queued", "Waiting for a worker to validate its newest version.", "pending"),
    State.RUNNING: ("validating…", "A worker is validating its newest version now.", "pending"),
    State.UNVALIDATED: ("not validated", "No validation has run yet.", "neutral"),
}


def delta_status(delta) -> dict:
    """The delta's validation in a few fields, read with one query: what a page polls while it runs."""
    only = ("pk", "status", "stage", "reason_code", "reason")
    job = ValidationJob.objects.newest_first_for_delta(delta).only(*only).first()
    found = verdict(delta.validation_state, delta.verified_margin)
    return {
        "state": found.state,
        "label": found.label,
        "title": found.title,
        "tone": found.tone,
        "final": found.final,
        "job": job.pk if job else None,
        "job_status": job.status if job else None,
        "stage": job.stage if job else "",
        "reason_code": job.reason_code if job else "",
        "reason": job.reason if job else "",
        "verified_score": delta.verified_score,
        "verified_metric": delta.verified_metric,
        "verified_margin": delta.verified_margin,
    }
