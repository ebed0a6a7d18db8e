from django.http import Http404
from django.shortcuts import render

from hub.deltas.models import Backbone, Delta

MAX_DELTAS = 500


def backbone_detail(request, content_hash):
    backbone = Backbone.objects.filter(content_hash=content_hash.lower()).first()
    if backbone is None:
        raise Http404("No such backbone.")
    deltas = (
        Delta.objects.visible_to(request.user)
        .filter(backbone=backbone)
        .select_related("namespace", "backbone")
        .order_by("task", "-downloads_count", "-id")[:MAX_DELTAS]
    )
    files = backbone.files.select_related("object").order_by("path")
    return render(request, "web/backbone.html", {"backbone": backbone, "deltas": deltas, "files": files})
