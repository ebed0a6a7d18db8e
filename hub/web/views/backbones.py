from django.http import Http404
from django.shortcuts import render

from hub.core.errors import NotFound
from hub.deltas.models import Delta
from hub.deltas.services import get_backbone

MAX_DELTAS = 500


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
    return render(request, "web/backbone.html", {"backbone": backbone, "deltas": deltas, "files": files})
