"""Owners manage a delta in the browser: its card (a new version), tags, visibility, and deleting it.

Others get the delta page's 404 when they cannot see it, and 403 when they can but may not change it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.core.errors import DomainError
from hub.core.validation import parse
from hub.deltas import owner_edits, services
from hub.deltas.inputs import DeltaSettingsRequest
from hub.web.forms import CardForm, DeleteDeltaForm, TagsForm, VisibilityForm
from hub.web.views.common import login_required, visible_delta_or_404


def _editable_delta(request, namespace, name):
    delta = visible_delta_or_404(request.user, namespace, name)
    if not owner_edits.may_edit(request.user, delta):
        raise PermissionDenied("Only the delta's owners can change it.")
    return delta


def _to_settings(delta):
    return redirect("web:delta-settings", namespace=delta.namespace.name, name=delta.name)


def _initial_forms(delta):
    version = delta.versions.order_by("-number").values_list("commit_id", flat=True).first()
    return {
        "card_form": CardForm(initial={"card": delta.card, "parent_commit": version or ""}),
        "tags_form": TagsForm(initial={"tags": ", ".join(delta.tags)}),
        "visibility_form": VisibilityForm(initial={"visibility": "private" if delta.private else "public"}),
        "delete_form": DeleteDeltaForm(full_name=delta.full_name),
    }


def _render(request, delta, status=200, **forms):
    context = {"delta": delta, **_initial_forms(delta), **forms, "changes": owner_edits.history(delta)}
    return render(request, "web/delta_settings.html", context, status=status)


@login_required
def settings_page(request, namespace, name):
    return _render(request, _editable_delta(request, namespace, name))


@require_POST
@login_required
def edit_card(request, namespace, name):
    delta = _editable_delta(request, namespace, name)
    form = CardForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = owner_edits.edit_card(
                request.user, delta, data["card"], data["message"], data["parent_commit"] or None
            )
        except DomainError as exc:
            form.add_error("card", exc.message)
        else:
            if outcome.created:
                messages.success(request, f"Card saved as version {outcome.version.number}.")
            else:
                messages.info(request, "The card is unchanged: no new version.")
            return _to_settings(delta)
    return _render(request, delta, status=400, card_form=form)


@require_POST
@login_required
def edit_tags(request, namespace, name):
    delta = _editable_delta(request, namespace, name)
    form = TagsForm(request.POST)
    if form.is_valid():
        try:
            tags = parse(DeltaSettingsRequest, {"tags": form.cleaned_data["tags"]})["tags"]
            owner_edits.set_tags(request.user, delta, tags)
        except DomainError as exc:
            form.add_error("tags", exc.message)
        else:
            messages.success(request, "Tags saved.")
            return _to_settings(delta)
    return _render(request, delta, status=400, tags_form=form)


@require_POST
@login_required
def edit_visibility(request, namespace, name):
    delta = _editable_delta(request, namespace, name)
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        return _render(request, delta, status=400, visibility_form=form)
    private = form.cleaned_data["visibility"] == "private"
    owner_edits.set_visibility(request.user, delta, private)
    messages.success(request, f"{delta.full_name} is now {'private' if private else 'public'}.")
    return _to_settings(delta)


@require_POST
@login_required
def delete(request, namespace, name):
    delta = _editable_delta(request, namespace, name)
    form = DeleteDeltaForm(request.POST, full_name=delta.full_name)
    if not form.is_valid():
        return _render(request, delta, status=400, delete_form=form)
    services.delete_delta(request.user, delta)
    messages.success(request, f"{delta.full_name} was deleted.")
    if delta.namespace.organization_id:
        return redirect("web:org", name=delta.namespace.name)
    return redirect("web:profile", username=delta.namespace.name)
