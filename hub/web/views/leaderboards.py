from django.shortcuts import get_object_or_404, render

from hub.deltas.models import Delta
from hub.evaluation.models import EvalSuite
from hub.web import leaderboards
from hub.web.charts import score_vs_share


def index(request):
    return render(request, "web/leaderboards.html", {"suites": leaderboards.suites(request.user)})


def suite_board(request, suite_name, version):
    suite = get_object_or_404(EvalSuite, name=suite_name, version=version)
    backbone, delta_type = request.GET.get("backbone", ""), request.GET.get("delta_type", "")
    rows = leaderboards.ranked(request.user, suite, backbone, delta_type)
    context = {
        "suite": suite,
        "rows": rows,
        "chart": score_vs_share(_chart_rows(rows), higher_is_better=suite.higher_is_better),
        "backbones": leaderboards.suite_backbones(request.user, suite),
        "delta_types": Delta.DeltaType.choices,
        "chosen_backbone": backbone,
        "chosen_type": delta_type,
    }
    return render(request, "web/leaderboard.html", context)


def _chart_rows(rows):
    for entry in rows:
        version = entry.result.version
        yield version.trainable_share, entry.result.score, version.delta.full_name, f"/{version.delta.full_name}"
