"""API tokens: creation, lookup by hash, scopes and revocation."""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from hub.accounts.models import ApiToken
from hub.accounts.namespaces import readable_namespace_ids_sql

TOKEN_PREFIX = "dc_"
# Writing last_used_at on every request would turn each read into a write; once a minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A scope grants the ones it implies: write lets you read, admin lets you do both.
_IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}


def hash_secret(secret):
    # Tokens carry 256 random bits, so a fast unsalted hash cannot be brute-forced.
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_scopes(scopes):
    unknown = set(scopes) - set(_IMPLIED)
    if unknown:
        raise ValueError(f"Unknown token scope(s): {', '.join(sorted(unknown))}. Use read, write or admin.")
    granted = set()
    for scope in scopes:
        granted |= _IMPLIED[scope]
    return sorted(granted)


def create_token(user, name, scopes=("read",)):
    """Create a token and return (token row, secret). The secret is not stored anywhere."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        scopes=normalise_scopes(scopes),
    )
    return token, secret


def find_active_token(secret):
    """Return the live token for `secret`, or None when it is unknown, revoked or its user is inactive."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    statement = _token_statement()
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [hash_secret(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token = statement.token_of(row)
    if token.revoked_at is not None or not token.user.is_active:
        return None
    _touch(token)
    return token


@dataclass(frozen=True)
class _TokenStatement:
    """Every API call with a token reads it: one statement of fixed text, with its user and the namespaces whose
    private deltas the user may see (what listings need), rather than an ORM query compiled on each call."""

    sql: str
    token_fields: tuple  # attribute names, in the statement's order
    user_fields: tuple

    def token_of(self, row):
        tokens, users = len(self.token_fields), len(self.user_fields)
        token = ApiToken.from_db(connection.alias, self.token_fields, row[:tokens])
        token.user = get_user_model().from_db(connection.alias, self.user_fields, row[tokens : tokens + users])
        token.user.known_namespace_ids = row[-1]
        return token


@functools.cache
def _token_statement():
    token_fields, user_model = ApiToken._meta.concrete_fields, get_user_model()
    user_fields = user_model._meta.concrete_fields
    columns = [*(f"t.{f.column}" for f in token_fields), *(f"u.{f.column}" for f in user_fields)]
    sql = (
        f"SELECT {', '.join(columns)}, {readable_namespace_ids_sql('t.user_id')} FROM {ApiToken._meta.db_table} AS t"
        f" JOIN {user_model._meta.db_table} AS u ON u.id = t.user_id WHERE t.key_hash = %s"
    )
    return _TokenStatement(sql, tuple(f.attname for f in token_fields), tuple(f.attname for f in user_fields))


def _touch(token):
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke_token(token):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
