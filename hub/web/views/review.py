from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.evaluation.models import LeaderboardEntry
from hub.evaluation.moderators import is_moderator
from hub.evaluation.review import review_entry
from hub.web import leaderboards
from hub.web.forms import ReviewForm
from hub.web.views.common import error_message


def _moderator_only(request):
    # Everyone else gets the same 404 as for a page that does not exist.
    if not is_moderator(request.user):
        raise Http404("No such page.")


def queue(request):
    _moderator_only(request)
    status = request.GET.get("status", LeaderboardEntry.Review.PENDING)
    if status not in LeaderboardEntry.Review.values:
        status = LeaderboardEntry.Review.PENDING
    context = {
        "entries": leaderboards.review_queue(request.user, status),
        "status": status,
        "statuses": LeaderboardEntry.Review.choices,
        "events": leaderboards.audit_trail(request.user),
    }
    return render(request, "web/review.html", context)


@require_POST
def review(request, entry_id):
    _moderator_only(request)
    entry = leaderboards.entries(request.user, pk=entry_id).first()
    if entry is None:
        raise Http404("No such entry.")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve, reject or flag.")
        return redirect("web:review")
    try:
        review_entry(entry, request.user, form.cleaned_data["action"], form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, f"{entry.result.version.delta.full_name}: {form.cleaned_data['action']} recorded.")
    return redirect("web:review")
