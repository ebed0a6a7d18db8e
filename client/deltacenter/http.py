"""A requests session that speaks to the hub and turns its JSON errors into HubError."""

import requests

from deltacenter.config import resolve_endpoint, resolve_token
from deltacenter.errors import HubError

TIMEOUT = (10, 300)


class HubSession:
    def __init__(self, endpoint=None, token=None):
        self.endpoint = resolve_endpoint(endpoint)
        self.token = resolve_token(token)
        self.session = requests.Session()
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path):
        if path.startswith(("http://", "https://")):  # the hub's own links, such as the next page
            return path
        return f"{self.endpoint}/{path.lstrip('/')}"

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        try:
            response = self.session.request(method, self.url(path), **kwargs)
        except requests.ConnectionError:
            raise HubError("unreachable", f"Cannot reach the hub at {self.endpoint}. Is it running?") from None
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    def get_json(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path, body):
        return self.request("POST", path, json=body).json()


def _error_from(response):
    """The hub's error: {"error": {"code", "message"}} from its API, {"error": message, "code"} from the routes it
    shares with Hugging Face clients."""
    try:
        body = response.json()
        error = body["error"]
        if isinstance(error, str):
            return HubError(body.get("code") or "http_error", error, response.status_code)
        return HubError(error["code"], error["message"], response.status_code)
    except (ValueError, KeyError, TypeError):
        return HubError(
            "http_error", f"The hub answered {response.status_code}: {response.text[:200]}", response.status_code
        )
