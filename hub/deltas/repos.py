"""Repositories as git-based hubs manage them: created empty, made public or private, deleted."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from hub.accounts.models import Namespace
from hub.core.errors import Conflict, Forbidden, NotFound
from hub.deltas.binding import BackboneChoice
from hub.deltas.commit import create_delta, resolve_writable_namespace, validate_delta_name
from hub.deltas.models import Delta
from hub.deltas.search import refresh_search_vector


def create_repository(user, namespace_name: str, name: str, private: bool = False) -> Delta:
    """An empty delta: its first commit says what it is. Conflict when the name is taken (in any letter case)."""
    validate_delta_name(name)
    namespace = resolve_writable_namespace(user, namespace_name)
    existing = Delta.objects.filter(namespace=namespace, name__iexact=name).first()
    if existing is not None:
        raise _exists(existing)
    try:
        with transaction.atomic():
            delta = create_delta(namespace, name, Delta.DeltaType.OTHER, BackboneChoice.unresolved(), private=private)
    except IntegrityError:  # created concurrently
        raise _exists(Delta.objects.get(namespace=namespace, name__iexact=name)) from None
    refresh_search_vector(delta)
    return delta


def _exists(delta):
    if delta.deleted_at is not None:
        return Conflict("delta_deleted", f"{delta.full_name} was deleted; choose another name.", field="name")
    return Conflict("repo_exists", f"You already created {delta.full_name}.", details={"id": delta.full_name})


def user_by_id(pk: int):
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise Forbidden("forbidden", "The account this upload belongs to is no longer active.")
    return user


def personal_namespace(user) -> Namespace:
    namespace = Namespace.objects.filter(user=user).first()
    if namespace is None:
        raise NotFound("namespace_not_found", "Your account has no namespace of its own; name an organisation.")
    return namespace
