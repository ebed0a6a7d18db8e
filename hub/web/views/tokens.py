from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hub.accounts.models import ApiToken, Namespace
from hub.accounts.tokens import create_token, revoke_token
from hub.deltas.quotas import storage_of
from hub.web.forms import TokenForm
from hub.web.views.common import login_required

NEW_SECRET = "new_token_secret"


@login_required
def tokens(request):
    form = TokenForm(request.POST or None, first_token=not request.user.api_tokens.exists())
    if request.method == "POST" and form.is_valid():
        _, secret = create_token(request.user, form.cleaned_data["name"], [form.cleaned_data["scopes"]])
        # Redirect so a reload cannot create a second token; the session holds the secret for one page view.
        request.session[NEW_SECRET] = secret
        return redirect("web:tokens")
    secret = request.session.pop(NEW_SECRET, None)
    context = {
        "form": form,
        "secret": secret,
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "storage": storage_of(_namespaces(request.user)),
    }
    # The secret appears in this one answer only, so the page must not be cached.
    response = render(request, "web/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _namespaces(user):
    """The user's own namespace and their organisations', whose storage they share."""
    owned = Namespace.objects.filter(user=user) | Namespace.objects.filter(organization__memberships__user=user)
    return owned.distinct().order_by("name")


@require_POST
@login_required
def revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("web:tokens")
