"""API tokens: creation, lookup by hash, scopes and revocation."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Func, OuterRef
from django.utils import timezone

from hub.accounts.models import ApiToken
from hub.accounts.namespaces import readable_namespaces

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
    # Listings need the namespaces whose private deltas the user may see: they are read in the same query.
    own, organisations = readable_namespaces(OuterRef("user_id"))
    namespace_ids = Func(ArraySubquery(own), ArraySubquery(organisations), function="array_cat")
    found = ApiToken.objects.select_related("user").annotate(namespace_ids=namespace_ids)
    try:
        token = found.get(key_hash=hash_secret(secret))
    except ApiToken.DoesNotExist:
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    token.user.known_namespace_ids = token.namespace_ids
    _touch(token)
    return token


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
