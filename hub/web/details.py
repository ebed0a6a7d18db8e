"""What the delta page shows, gathered with a fixed number of queries."""

from deltacenter.usage import INSTALL
from hub.deltas.history import downloads_by_month, version_page
from hub.deltas.models import Like
from hub.deltas.owner_edits import may_edit
from hub.deltas.services import latest_version
from hub.evaluation.models import EvalResult, ValidationJob
from hub.web.cards import card_view
from hub.web.module_tree import module_tree, rows
from hub.web.snippets import usage_snippets

RECENT_VERSIONS = 10


def delta_page(user, delta):
    version = latest_version(delta)
    tree = module_tree(delta, version) if version else None
    recent = version_page(delta, per_page=RECENT_VERSIONS)
    card = card_view(delta.card)
    return {
        "delta": delta,
        "version": version,
        "files": list(version.files.all()) if version else [],
        "versions": recent.versions,
        "more_versions": recent.older_than is not None,
        "job": latest_job(version),
        "results": results_of(version),
        "monthly_downloads": downloads_by_month(delta),
        "card": card,
        "liked": user.is_authenticated and Like.objects.filter(user=user, delta=delta).exists(),
        "snippets": usage_snippets(delta, version, card.metadata),
        "install_line": INSTALL,
        "tree": tree,
        "tree_rows": rows(tree) if tree else None,
        "can_edit": may_edit(user, delta),
    }


def latest_job(version):
    if version is None:
        return None
    return ValidationJob.objects.newest_for_version(version)


def results_of(version):
    if version is None:
        return []
    rows = EvalResult.objects.filter(version=version).select_related("suite", "leaderboard_entry")
    # The worker stores each result's claimed score beside it, by the same rule for every page and the API.
    return list(rows.order_by("suite__name"))
