"""The API reference renders in a browser that can reach no host but the hub's."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_the_api_docs_render_with_other_hosts_unreachable(page, live_server):
    hub_host = urlsplit(live_server.url).netloc
    elsewhere, problems = [], []

    def only_the_hub(route):
        if urlsplit(route.request.url).netloc in (hub_host, ""):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_hub)
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/api/docs")
    expect(page.get_by_role("heading", name="Delta Center API").first).to_be_visible()
    expect(page.locator("#api-docs").get_by_text("/api/deltas/{namespace}/{name}/commit").first).to_be_attached()
    # The search runs in a worker Redoc starts from a blob: URL, which the page's policy allows.
    page.get_by_placeholder("Search...").fill("multipart")
    results = page.locator("[data-role='search:results']")
    expect(results.get_by_role("menuitem", name="Finish a multipart upload")).to_be_visible()
    assert elsewhere == []
    # Redoc's bundle hard-codes its footer logo on a CDN; the policy stops it before any request leaves.
    assert [p for p in problems if REDOC_LOGO not in p] == []
