from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hub.accounts.models import Namespace
from hub.accounts.namespaces import create_organization
from hub.deltas.models import Delta
from hub.web.forms import MemberForm, OrganizationForm
from hub.web.orgs import is_org_admin, remove_member, set_member
from hub.web.views.common import error_message, login_required


def _organization(name):
    namespace = Namespace.objects.select_related("organization").filter(name__iexact=name).first()
    if namespace is None or namespace.organization is None:
        raise Http404("No such organisation.")
    return namespace.organization


@login_required
def create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = create_organization(form.cleaned_data["name"], request.user, form.cleaned_data["display_name"])
        except ValidationError as exc:
            form.add_error("name", error_message(exc))
        else:
            return redirect("web:org", name=org.namespace.name)
    return render(request, "web/org_new.html", {"form": form})


def detail(request, name):
    org = _organization(name)
    context = {
        "org": org,
        "memberships": org.memberships.select_related("user").order_by("user__username"),
        "deltas": Delta.objects.visible_to(request.user)
        .filter(namespace=org.namespace)
        .select_related("namespace", "backbone")
        .order_by("-updated_at"),
        "is_admin": is_org_admin(request.user, org),
        "form": MemberForm(),
    }
    return render(request, "web/org.html", context)


@require_POST
@login_required
def members(request, name):
    org = _organization(name)
    form = MemberForm(request.POST)
    try:
        if request.POST.get("remove"):
            user = get_object_or_404(get_user_model(), pk=request.POST["remove"])
            remove_member(org, request.user, user)
        elif form.is_valid():
            set_member(org, request.user, form.cleaned_data["username"], form.cleaned_data["role"])
        else:
            messages.error(request, "Give a username and a role.")
    except PermissionDenied:
        raise Http404("No such organisation.") from None
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect("web:org", name=org.namespace.name)
