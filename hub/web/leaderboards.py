"""Selectors for leaderboards and the review queue; private deltas stay out of every list."""

from django.db.models import Count, Q

from hub.deltas.models import Backbone, Delta
from hub.evaluation.models import EvalSuite, LeaderboardEntry, ReviewEvent

APPROVED = LeaderboardEntry.Review.APPROVED
ENTRY_RELATIONS = (
    "result__suite",
    "result__version__delta__namespace",
    "result__version__delta__backbone",
    "reviewer",
)


def suites(user):
    visible = Delta.objects.visible_to(user).values("pk")
    approved = Q(results__leaderboard_entry__status=APPROVED, results__version__delta__in=visible)
    return (
        EvalSuite.objects.filter(is_active=True)
        .annotate(entries=Count("results", filter=approved))
        .order_by("name", "-version")
    )


def entries(user, **filters):
    visible = Delta.objects.visible_to(user).values("pk")
    return LeaderboardEntry.objects.filter(result__version__delta__in=visible, **filters).select_related(
        *ENTRY_RELATIONS
    )


def ranked(user, suite, backbone="", delta_type=""):
    rows = entries(user, status=APPROVED, result__suite=suite)
    if backbone:
        rows = rows.filter(result__version__delta__backbone__content_hash=backbone)
    if delta_type:
        rows = rows.filter(result__version__delta__delta_type=delta_type)
    # A delta's best approved version stands for it, so one delta with many versions takes one row; best is
    # highest or lowest as the suite's metric says.
    by_score = "-result__score" if suite.higher_is_better else "result__score"
    best = rows.order_by("result__version__delta_id", by_score, "result__created_at").distinct(
        "result__version__delta_id"
    )
    sign = -1 if suite.higher_is_better else 1
    return sorted(best, key=lambda entry: (sign * entry.result.score, entry.result.created_at))


def suite_backbones(user, suite):
    keys = entries(user, status=APPROVED, result__suite=suite).values("result__version__delta__backbone")
    return Backbone.objects.filter(pk__in=keys).order_by("name")


def review_queue(user, status=LeaderboardEntry.Review.PENDING):
    return entries(user, status=status).order_by("created_at")


def audit_trail(user, limit=50):
    visible = Delta.objects.visible_to(user).values("pk")
    return (
        ReviewEvent.objects.filter(entry__result__version__delta__in=visible)
        .select_related("actor", "entry__result__suite", "entry__result__version__delta__namespace")
        .order_by("-created_at")[:limit]
    )
