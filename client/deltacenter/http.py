"""A requests session that speaks to the hub, retries what is safe to retry, and turns its JSON errors into
HubError."""

import random
import time
from typing import Any

import requests

from deltacenter.config import resolve_endpoint, resolve_token
from deltacenter.errors import HubError

TIMEOUT = (10, 300)
ATTEMPTS = 5
# Answers that say "try again": the hub or a proxy in front of it was busy or restarting.
RETRY_STATUSES = {429, 502, 503, 504}


def backoff_seconds(attempt: int, base: float = 0.25, cap: float = 30.0) -> float:
    """Exponential backoff with jitter: about base, 2·base, 4·base... up to `cap`."""
    delay = min(cap, base * 2**attempt)
    return delay / 2 + random.uniform(0, delay / 2)


class HubSession:
    def __init__(self, endpoint: str | None = None, token: str | None = None) -> None:
        self.endpoint = resolve_endpoint(endpoint)
        self.token = resolve_token(token)
        self.session = requests.Session()
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):  # the hub's own links, such as the next page
            return path
        return f"{self.endpoint}/{path.lstrip('/')}"

    def request(self, method: str, path: str, attempts: int = ATTEMPTS, **kwargs: Any) -> requests.Response:
        """Send a request, again after a broken connection or a "try again" answer. Every call the client makes
        is safe to repeat: plans, signing and completing are idempotent, and a commit sent twice finds its
        version made already."""
        kwargs.setdefault("timeout", TIMEOUT)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.request(method, self.url(path), **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                if last:
                    raise HubError("unreachable", f"Cannot reach the hub at {self.endpoint}. Is it running?") from None
                time.sleep(backoff_seconds(attempt))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                time.sleep(_retry_after(response) or backoff_seconds(attempt))
                continue
            if response.status_code >= 400:
                raise _error_from(response)
            return response
        raise AssertionError("unreachable")

    def get_json(self, path: str, **kwargs: Any) -> dict:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: dict) -> dict:
        return self.request("POST", path, json=body).json()


def _retry_after(response: requests.Response) -> float | None:
    try:
        return min(60.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _error_from(response: requests.Response) -> HubError:
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
