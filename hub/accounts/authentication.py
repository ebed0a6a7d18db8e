from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions
from rest_framework.throttling import BaseThrottle

from hub.accounts.tokens import find_active_token


class TokenFailures:
    """Unknown tokens sent from one address, counted in a window: past the limit, guessing answers 429."""

    WINDOW_SECONDS = 600

    def __init__(self, request):
        self.key = f"token-failures:{BaseThrottle().get_ident(request)}"

    def refuse_when_exceeded(self):
        if (cache.get(self.key) or 0) >= settings.DELTACENTER_TOKEN_FAILURES:
            raise exceptions.Throttled(
                wait=self.WINDOW_SECONDS, detail="Too many unknown tokens from your address; wait and try again."
            )

    def count(self):
        if cache.add(self.key, 1, self.WINDOW_SECONDS):
            return
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, self.WINDOW_SECONDS)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer dc_...`. request.auth is the ApiToken, so views can check its scopes."""

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, secret = header.partition(" ")
        if keyword.lower() != self.keyword:
            return None
        secret = secret.strip()
        if not secret:
            raise exceptions.AuthenticationFailed("The Authorization header has no token after 'Bearer'.")
        token = find_active_token(secret)
        if token is None:
            # Only a miss is counted and checked: a known token costs no trip to the cache.
            failures = TokenFailures(request)
            failures.refuse_when_exceeded()
            failures.count()
            raise exceptions.AuthenticationFailed(
                "This token is unknown or has been revoked. Create a new one on your tokens page."
            )
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="deltacenter"'
