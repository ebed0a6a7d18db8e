from django.shortcuts import render

from hub.deltas.listing import RELEVANCE_POOL
from hub.deltas.listing_query import as_delta
from hub.deltas.models import Backbone
from hub.web.browse import PAGE_SIZES, SORT_CHOICES, browse
from hub.web.querystring import POSITION, toggled, with_cursor


def home(request):
    result = browse(request.user, request.GET)
    searching = bool(request.GET.get("q", "").strip())
    for facet in result.facets:
        for value in facet.values:
            value.url = toggled(request.GET, facet.param, value.value)
    listing = result.listing
    context = {
        "result": result,
        "deltas": [as_delta(row) for row in listing.rows],
        "sorts": [(key, label) for key, label in SORT_CHOICES if key != "relevance" or searching],
        "page_sizes": PAGE_SIZES,
        "scored_url": toggled(request.GET, "validation", "scored"),
        "scored_active": "scored" in request.GET.getlist("validation"),
        "prev_url": with_cursor(request.GET, listing.previous_cursor),
        "next_url": with_cursor(request.GET, listing.next_cursor),
        "backbone_count": Backbone.objects.count(),
        "filtering": any(k for k in request.GET if k not in (*POSITION, "sort", "per_page")),
        "position_params": POSITION,
        "relevance_pool": f"{RELEVANCE_POOL:,}",
    }
    return render(request, "deltas/home.html", context)
