from django.shortcuts import render

from hub.deltas.models import Backbone, Delta


def home(request):
    deltas = (
        Delta.objects.visible_to(request.user)
        .select_related("namespace", "backbone")
        .order_by("-created_at")[:24]
    )
    context = {"deltas": deltas, "backbone_count": Backbone.objects.count()}
    return render(request, "deltas/home.html", context)
