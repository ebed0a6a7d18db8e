"""Organisation membership, managed by the organisation's admins."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from hub.accounts.models import Membership, Namespace
from hub.accounts.namespaces import WRITER_ROLES

ADMIN = Membership.Role.ADMIN


def is_org_admin(user, organization):
    return user.is_authenticated and organization.memberships.filter(user=user, role=ADMIN).exists()


def writable_namespaces(user):
    """Names the user may publish into: their own namespace and organisations where they write."""
    owned = Namespace.objects.filter(user=user)
    orgs = Namespace.objects.filter(
        organization__memberships__user=user,
        organization__memberships__role__in=WRITER_ROLES,
    )
    return [n.name for n in (owned | orgs).distinct().order_by("name")]


def set_member(organization, actor, username, role):
    """Add a member, or change their role."""
    _require_admin(actor, organization)
    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        raise ValidationError(f"There is no user named {username!r}.", code="no_such_user")
    if role not in Membership.Role.values:
        raise ValidationError(f"Unknown role {role!r}.", code="invalid_role")
    if user == actor and role != ADMIN:
        _keep_an_admin(organization, user)
    membership, _ = Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": role})
    return membership


def remove_member(organization, actor, user):
    _require_admin(actor, organization)
    _keep_an_admin(organization, user)
    organization.memberships.filter(user=user).delete()


def _require_admin(actor, organization):
    if not is_org_admin(actor, organization):
        raise PermissionDenied("Only the organisation's admins can manage its members.")


def _keep_an_admin(organization, leaving):
    others = organization.memberships.filter(role=ADMIN).exclude(user=leaving)
    if organization.memberships.filter(user=leaving, role=ADMIN).exists() and not others.exists():
        raise ValidationError("An organisation needs at least one admin; appoint another first.", code="last_admin")
