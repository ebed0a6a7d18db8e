"""Moderators approve, reject or flag leaderboard entries; the pages and the admin both call this."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from hub.evaluation.models import LeaderboardEntry, ReviewEvent
from hub.evaluation.moderators import is_moderator

Review = LeaderboardEntry.Review
ACTIONS = {"approve": Review.APPROVED, "reject": Review.REJECTED, "flag": Review.FLAGGED}
# Approving needs no words; turning an entry down must say why, for the author and the audit trail.
REASON_REQUIRED = {"reject", "flag"}


def review_entry(entry, moderator, action, reason=""):
    """Move `entry` to the status `action` names and record who did it, when and why."""
    if not is_moderator(moderator):
        raise PermissionDenied("Only moderators can review leaderboard entries.")
    if action not in ACTIONS:
        raise ValidationError(f"Unknown action {action!r}; use approve, reject or flag.", code="invalid_action")
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise ValidationError(f"Give a reason to {action} an entry.", code="reason_required")
    return _apply(entry.pk, moderator, ACTIONS[action], reason)


@transaction.atomic
def _apply(entry_pk, moderator, to_status, reason):
    # Lock the row so two moderators acting at once leave a consistent from/to chain in the trail.
    entry = LeaderboardEntry.objects.select_for_update().get(pk=entry_pk)
    from_status = entry.status
    entry.status, entry.reviewer, entry.reason, entry.reviewed_at = to_status, moderator, reason, timezone.now()
    entry.save(update_fields=["status", "reviewer", "reason", "reviewed_at"])
    ReviewEvent.objects.create(
        entry=entry, actor=moderator, from_status=from_status, to_status=to_status, reason=reason
    )
    return entry
