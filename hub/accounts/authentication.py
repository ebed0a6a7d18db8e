from rest_framework import authentication, exceptions

from hub.accounts.tokens import find_active_token


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
            raise exceptions.AuthenticationFailed(
                "This token is unknown or has been revoked. Create a new one on your tokens page."
            )
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="deltacenter"'
