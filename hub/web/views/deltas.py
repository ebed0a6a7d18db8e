from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.core.errors import DomainError, Invalid
from hub.deltas import binding, services
from hub.deltas.models import is_sha256
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


@require_POST
@login_required
def bind_backbone(request, namespace, name):
    delta = visible_delta_or_404(request.user, namespace, name)
    content_hash = request.POST.get("content_hash", "").strip().lower()
    try:
        if not is_sha256(content_hash):
            raise Invalid("invalid_field", "Give the backbone's content hash: 64 hexadecimal characters.")
        binding.bind(request.user, delta, content_hash)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Bound. Validation of its versions starts now.")
    return redirect("web:delta", namespace=delta.namespace.name, name=delta.name)
