"""Selectors for leaderboards and the review queue; private deltas stay out of every list."""

from dataclasses import dataclass

from django.db.models import Count, Q

from hub.deltas.models import Backbone, Delta
from hub.evaluation.models import EvalResult, EvalSuite, LeaderboardEntry, ReviewEvent

APPROVED = LeaderboardEntry.Review.APPROVED
PENDING = LeaderboardEntry.Review.PENDING
ENTRY_RELATIONS = (
    "result__suite",
    "result__version__delta__namespace",
    "result__version__delta__backbone",
    "reviewer",
)


def suites(user):
    visible = Delta.objects.visible_to(user).values("pk")
    on_board = Q(results__version__delta__in=visible)
    return (
        EvalSuite.objects.filter(is_active=True)
        .annotate(
            entries=Count("results", filter=on_board & Q(results__leaderboard_entry__status=APPROVED)),
            waiting=Count("results", filter=on_board & Q(results__leaderboard_entry__status=PENDING)),
        )
        .order_by("name", "-version")
    )


def entries(user, **filters):
    visible = Delta.objects.visible_to(user).values("pk")
    return LeaderboardEntry.objects.filter(result__version__delta__in=visible, **filters).select_related(
        *ENTRY_RELATIONS
    )


@dataclass(frozen=True)
class BoardFilters:
    backbone: str = ""
    delta_type: str = ""
    beats_baseline: bool = False  # hide entries no better than their suite's baseline

    @property
    def narrowing(self):
        return bool(self.backbone or self.delta_type)


@dataclass(frozen=True)
class BoardRow:
    rank: int  # by score, whatever order the table is shown in
    entry: LeaderboardEntry

    @property
    def result(self):
        return self.entry.result

    @property
    def version(self):
        return self.entry.result.version

    @property
    def delta(self):
        return self.entry.result.version.delta

    @property
    def beats_baseline(self):
        return self.result.beats_baseline


def ranked(user, suite, filters=BoardFilters()):
    """The suite's approved entries, best first, one per delta (its best approved version), as BoardRows."""
    return ranked_counting_hidden(user, suite, filters)[0]


def ranked_counting_hidden(user, suite, filters=BoardFilters()) -> tuple[list[BoardRow], int]:
    """`ranked`'s rows, and how many rows the beats-baseline filter left out of them."""
    rows = entries(user, status=APPROVED, result__suite=suite)
    if filters.backbone:
        rows = rows.filter(result__version__delta__backbone__content_hash=filters.backbone)
    if filters.delta_type:
        rows = rows.filter(result__version__delta__delta_type=filters.delta_type)
    # A delta's best approved version stands for it, so one delta with many versions takes one row; best is
    # highest or lowest as the suite's metric says.
    by_score = "-result__score" if suite.higher_is_better else "result__score"
    best = rows.order_by("result__version__delta_id", by_score, "result__created_at").distinct(
        "result__version__delta_id"
    )
    sign = -1 if suite.higher_is_better else 1
    ordered = sorted(best, key=lambda entry: (sign * entry.result.score, entry.result.created_at))
    board = [BoardRow(rank, entry) for rank, entry in enumerate(ordered, start=1)]
    shown = [row for row in board if row.beats_baseline] if filters.beats_baseline else board
    return shown, len(board) - len(shown)


# Columns a board sorts by: each a key on BoardRow, and the direction a first click sorts in.
COLUMNS = {
    "rank": (lambda row: row.rank, "asc"),
    "delta": (lambda row: row.delta.full_name.lower(), "asc"),
    "type": (lambda row: row.delta.delta_type, "asc"),
    "backbone": (lambda row: row.delta.backbone.label.lower(), "asc"),
    "margin": (lambda row: row.result.margin, "desc"),
    "share": (lambda row: row.version.trainable_share, "asc"),
}


def sorted_rows(rows, column, direction):
    """`rows` by `column` (a key of COLUMNS) in `direction` ("asc" or "desc"); rows lacking the value last."""
    key, _ = COLUMNS[column]
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=direction == "desc") + unknown


def waiting_for_review(user, suite):
    return entries(user, status=PENDING, result__suite=suite).count()


@dataclass(frozen=True)
class Baseline:
    label: str
    value: float


def baselines(suite, rows):
    """The lines a board's chart draws: the suite's trivial predictor (the same for every entry), and the
    backbone alone when every entry shown stands on one backbone that has a score of its own."""
    lines = []
    trivial = (
        EvalResult.objects.filter(suite=suite, trivial_score__isnull=False)
        .values_list("trivial_score", flat=True)
        .first()
    )
    if trivial is not None:
        lines.append(Baseline("trivial predictor", trivial))
    backbones = {row.delta.backbone_id for row in rows}
    scores = {row.result.backbone_score for row in rows} - {None}
    if len(backbones) == 1 and len(scores) == 1:
        lines.append(Baseline("backbone alone", scores.pop()))
    return lines


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
