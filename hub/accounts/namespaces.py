"""Who owns a namespace, and what a user may do in it."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from hub.accounts.models import Membership, Namespace, Organization
from hub.accounts.names import validate_namespace_name

WRITER_ROLES = (Membership.Role.ADMIN, Membership.Role.WRITE)


def ensure_user_namespace(user):
    """Give `user` the namespace named after them, if their username is a valid, free namespace name."""
    existing = Namespace.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        validate_namespace_name(user.username)
    except ValidationError:
        return None
    if Namespace.objects.filter(name__iexact=user.username).exists():
        return None
    return Namespace.objects.create(name=user.username, user=user)


@transaction.atomic
def create_organization(name, owner, display_name=""):
    validate_namespace_name(name)
    if Namespace.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"The name {name!r} is already taken.", code="name_taken")
    org = Organization.objects.create(display_name=display_name or name)
    Namespace.objects.create(name=name, organization=org)
    Membership.objects.create(organization=org, user=owner, role=Membership.Role.ADMIN)
    return org


def can_write(user, namespace):
    """May `user` publish into, or delete from, `namespace`?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if namespace.user_id is not None:
        return namespace.user_id == user.pk
    return Membership.objects.filter(
        organization_id=namespace.organization_id, user=user, role__in=WRITER_ROLES
    ).exists()


def can_manage(user, namespace):
    """May `user` change or delete what `namespace` published: those who may write to it, and site admins."""
    return can_write(user, namespace) or (user.is_authenticated and user.is_superuser)


def readable_namespace_ids_sql(user_id_sql):
    """SQL: the ids (a bigint[]) of the namespaces whose private deltas the user whose id is the SQL expression
    `user_id_sql` may see: their own and their organisations', each read through an index."""
    namespaces, memberships = Namespace._meta.db_table, Membership._meta.db_table
    own = f"SELECT id FROM {namespaces} WHERE user_id = {user_id_sql}"
    organisations = (
        f"SELECT n.id FROM {namespaces} AS n JOIN {memberships} AS m ON m.organization_id = n.organization_id"
        f" WHERE m.user_id = {user_id_sql}"
    )
    return f"array_cat(ARRAY({own}), ARRAY({organisations}))"


def readable_namespace_ids(user):
    """Ids of the namespaces whose private deltas `user` may see.

    A short list, read once: as literal ids it keeps listings' plans simple, where a subquery inside an OR
    would make Postgres evaluate it row by row. A user signed in by token has it already: it is read with the
    token (hub.accounts.tokens.find_active_token).
    """
    if not user.is_authenticated:
        return []
    known = getattr(user, "known_namespace_ids", None)
    if known is not None:
        return list(known)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {readable_namespace_ids_sql('%s')}", [user.pk, user.pk])
        return cursor.fetchone()[0]
