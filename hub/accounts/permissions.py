from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub.accounts.models import ApiToken


class TokenScopes(BasePermission):
    """A bearer token may read with `read` and change things only with `write`. Sessions are not limited."""

    message = "This token is read-only. Create a token with the write scope to push, like or delete."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        return token.has_scope("read" if request.method in SAFE_METHODS else "write")
