"""Owners manage a delta in the browser: its card (a new version), tags, visibility, and deleting it.

Others get the delta page's 404 when they cannot see it, and 403 when they can but may not change it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.core.errors import DomainError
from hub.core.validation import parse
from hub.deltas import owner_edits
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


def _submit(request, namespace, name, form_class, field, change):
    """One settings form: when it is valid, `change(user, delta, cleaned_data)` makes the change and gives the
    message to show, (level, text); a DomainError it raises is shown on the form's `field`."""
    delta = _editable_delta(request, namespace, name)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            level, text = change(request.user, delta, form.cleaned_data)
        except DomainError as exc:
            form.add_error(field, exc.message)
        else:
            messages.add_message(request, level, text)
            return _to_settings(delta)
    return _render(request, delta, status=400, **{f"{field}_form": form})


def _save_card(user, delta, data):
    outcome = owner_edits.edit_card(user, delta, data["card"], data["message"], data["parent_commit"] or None)
    if outcome.created:
        return messages.SUCCESS, f"Card saved as version {outcome.version.number}."
    return messages.INFO, "The card is unchanged: no new version."


def _save_tags(user, delta, data):
    owner_edits.set_tags(user, delta, parse(DeltaSettingsRequest, {"tags": data["tags"]})["tags"])
    return messages.SUCCESS, "Tags saved."


def _save_visibility(user, delta, data):
    private = data["visibility"] == "private"
    owner_edits.set_visibility(user, delta, private)
    return messages.SUCCESS, f"{delta.full_name} is now {'private' if private else 'public'}."


@require_POST
@login_required
def edit_card(request, namespace, name):
    return _submit(request, namespace, name, CardForm, "card", _save_card)


@require_POST
@login_required
def edit_tags(request, namespace, name):
    return _submit(request, namespace, name, TagsForm, "tags", _save_tags)


@require_POST
@login_required
def edit_visibility(request, namespace, name):
    return _submit(request, namespace, name, VisibilityForm, "visibility", _save_visibility)


@require_POST
@login_required
def delete(request, namespace, name):
    delta = _editable_delta(request, namespace, name)
    form = DeleteDeltaForm(request.POST, full_name=delta.full_name)
    if not form.is_valid():
        return _render(request, delta, status=400, delete_form=form)
    owner_edits.delete_delta(request.user, delta)
    messages.success(request, f"{delta.full_name} was deleted.")
    if delta.namespace.organization_id:
        return redirect("web:org", name=delta.namespace.name)
    return redirect("web:profile", username=delta.namespace.name)
