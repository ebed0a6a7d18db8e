from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render

from hub.core.errors import NotFound
from hub.deltas.backbone_search import MAX_RESULTS, list_backbones, search_backbones
from hub.deltas.models import Delta
from hub.deltas.services import get_backbone
from hub.web.backbone_code import delta_types, generator

MAX_DELTAS = 500
PAGE_SIZE = MAX_RESULTS


def index(request):
    query = request.GET.get("q", "").strip()
    before = request.GET.get("before", "")
    if before and not before.isdigit():
        return HttpResponseBadRequest("before: expected the id a “Next” link gives, a whole number.")
    if query:
        found, older = search_backbones(request.user, query, PAGE_SIZE), None
    else:
        page = list_backbones(request.user, int(before) if before else None, PAGE_SIZE)
        found, older = page.backbones, page.older
    context = {"backbones": found, "query": query, "older": older, "first_page": not before, "limit": PAGE_SIZE}
    return render(request, "web/backbones.html", context)


def backbone_detail(request, content_hash):
    try:
        backbone = get_backbone(request.user, content_hash)
    except NotFound as exc:
        raise Http404(exc.message) from None
    deltas = (
        Delta.objects.visible_to(request.user)
        .filter(backbone=backbone)
        .select_related("namespace", "backbone")
        .order_by("task", "-downloads_count", "-id")[:MAX_DELTAS]
    )
    files = backbone.files.select_related("object").order_by("path")
    context = {
        "backbone": backbone,
        "deltas": deltas,
        "files": files,
        "generator": generator(backbone, request.GET),
        "delta_types": delta_types(),
    }
    return render(request, "web/backbone.html", context)
