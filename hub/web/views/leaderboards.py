import json
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from hub.core.errors import DomainError, NotFound
from hub.deltas.models import Delta
from hub.evaluation.models import EvalSuite
from hub.web import compare as comparing
from hub.web import exports, leaderboards
from hub.web.charts import score_vs_share
from hub.web.leaderboards import COLUMNS, BoardFilters


def index(request):
    return render(request, "web/leaderboards.html", {"suites": leaderboards.suites(request.user)})


def suite_board(request, suite_name, version):
    suite, filters = _suite(suite_name, version), _filters(request.GET)
    rows, hidden = leaderboards.ranked_counting_hidden(request.user, suite, filters)
    column, direction = _sort(request.GET)
    lines, query = leaderboards.baselines(suite, rows), _query(filters)
    context = {
        "suite": suite,
        "rows": leaderboards.sorted_rows(rows, column, direction),
        "chart": score_vs_share(
            _chart_rows(rows), suite.higher_is_better, [(line.label, line.value) for line in lines]
        ),
        "baselines": lines,
        "backbones": leaderboards.suite_backbones(request.user, suite),
        "delta_types": Delta.DeltaType.choices,
        "filters": filters,
        "headers": _headers(query, column, direction),
        "query": query,
        "waiting": leaderboards.waiting_for_review(request.user, suite) if not rows else 0,
        "hidden": hidden,
    }
    return render(request, "web/leaderboard.html", context)


def export_csv(request, suite_name, version):
    suite, rows = _board(request, suite_name, version)
    return _download(suite, exports.board_csv(suite, rows), "csv", "text/csv; charset=utf-8")


def export_json(request, suite_name, version):
    suite, rows = _board(request, suite_name, version)
    body = exports.board_json(suite, rows, leaderboards.baselines(suite, rows))
    return _download(suite, json.dumps(body, indent=1), "json", "application/json")


def _board(request, suite_name, version):
    suite = _suite(suite_name, version)
    return suite, leaderboards.ranked(request.user, suite, _filters(request.GET))


def _download(suite, body, extension, content_type):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{suite.name}-v{suite.version}-leaderboard.{extension}"'
    return response


def compare(request):
    try:
        comparison = comparing.compare(request.user, comparing.parse_names(request.GET.getlist("delta")))
    except NotFound:
        raise Http404("No such delta.") from None
    except DomainError as exc:
        return render(request, "web/compare.html", {"error": exc.message}, status=400)
    return render(request, "web/compare.html", {"comparison": comparison})


def _suite(name, version):
    return get_object_or_404(EvalSuite, name=name, version=version)


def _filters(params):
    delta_type = params.get("delta_type", "")
    return BoardFilters(
        backbone=params.get("backbone", "").strip().lower(),
        delta_type=delta_type if delta_type in Delta.DeltaType.values else "",
        beats_baseline=params.get("beats_baseline") == "1",
    )


def _query(filters):
    pairs = [("backbone", filters.backbone), ("delta_type", filters.delta_type)]
    pairs.append(("beats_baseline", "1" if filters.beats_baseline else ""))
    return urlencode([(k, v) for k, v in pairs if v])


def _sort(params):
    column = params.get("sort", "rank")
    column = column if column in COLUMNS else "rank"
    direction = params.get("dir", COLUMNS[column][1])
    return column, direction if direction in ("asc", "desc") else COLUMNS[column][1]


def _headers(query, column, direction):
    """Per sortable column: the link that sorts by it (the other way round when it is the current sort), and
    the aria-sort value of its header."""
    headers = {}
    for name, (_, first) in COLUMNS.items():
        current = name == column
        next_direction = ("desc" if direction == "asc" else "asc") if current else first
        sorted_by = "&".join(q for q in (query, urlencode({"sort": name, "dir": next_direction})) if q)
        aria = ("ascending" if direction == "asc" else "descending") if current else "none"
        headers[name] = {"url": f"?{sorted_by}", "aria": aria}
    return headers


def _chart_rows(rows):
    for row in rows:
        version = row.version
        yield version.trainable_share, row.result.score, row.delta.full_name, f"/{row.delta.full_name}"
