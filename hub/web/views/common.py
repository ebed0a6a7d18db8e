"""Helpers the page views share."""

from functools import partial

from django.contrib.auth.decorators import login_required as _login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse_lazy

from hub.core.errors import DomainError, NotFound
from hub.deltas.services import get_visible_delta

login_required = partial(_login_required, login_url=reverse_lazy("web:login"))


def visible_delta_or_404(user, namespace, name):
    """The delta page's 404 is the same whether the delta is private or does not exist."""
    try:
        return get_visible_delta(user, namespace, name)
    except NotFound:
        raise Http404("No such delta.") from None


def rate_limited(request, exception):
    """Too many attempts from this address: 429, with how long to wait."""
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def error_message(exc):
    """A service's error as one line for a form."""
    if isinstance(exc, DomainError):
        return exc.message
    return " ".join(getattr(exc, "messages", [str(exc)]))
