from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.deltas import services
from hub.web.details import delta_page
from hub.web.views.common import login_required, visible_delta_or_404


def delta_detail(request, namespace, name):
    delta = visible_delta_or_404(request.user, namespace, name)
    return render(request, "web/delta.html", delta_page(request.user, delta))


@require_POST
@login_required
def like(request, namespace, name):
    delta = visible_delta_or_404(request.user, namespace, name)
    if request.POST.get("action") == "unlike":
        services.unlike(request.user, delta)
    else:
        services.like(request.user, delta)
    return redirect("web:delta", namespace=delta.namespace.name, name=delta.name)
