from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub.accounts.models import ApiToken

INSUFFICIENT_SCOPE = "insufficient_scope"


def missing_scope_message(scope: str) -> str:
    """What a token lacking `scope` is told: the scope by name and where to get a token that has it."""
    return (
        f"This token lacks the `{scope}` scope this request needs (pushing, liking and binding need `{scope}`)."
        f" Create a token with {scope} access at {settings.SITE_URL}/settings/tokens and use it instead."
    )


class TokenScopes(BasePermission):
    """A bearer token may read with `read` and change things only with `write`. Sessions are not limited."""

    code = INSUFFICIENT_SCOPE
    message = missing_scope_message("write")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = "read" if request.method in SAFE_METHODS else "write"
        self.message = missing_scope_message(needed)
        return token.has_scope(needed)
