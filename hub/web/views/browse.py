from django.shortcuts import render

from hub.deltas.models import Backbone
from hub.web.browse import PAGE_SIZES, SORT_CHOICES, browse
from hub.web.querystring import toggled, with_page


def home(request):
    result = browse(request.user, request.GET)
    searching = bool(request.GET.get("q", "").strip())
    for facet in result.facets:
        for value in facet.values:
            value.url = toggled(request.GET, facet.param, value.value)
    page = result.page
    context = {
        "result": result,
        "page": page,
        "deltas": page.object_list,
        "sorts": [(key, label) for key, label in SORT_CHOICES if key != "relevance" or searching],
        "page_sizes": PAGE_SIZES,
        "scored_url": toggled(request.GET, "validation", "scored"),
        "scored_active": "scored" in request.GET.getlist("validation"),
        "prev_url": with_page(request.GET, page.previous_page_number()) if page.has_previous() else None,
        "next_url": with_page(request.GET, page.next_page_number()) if page.has_next() else None,
        "backbone_count": Backbone.objects.count(),
        "filtering": any(k for k in request.GET if k not in ("page", "sort", "per_page")),
    }
    return render(request, "deltas/home.html", context)
