"""The API reference is served whole by the hub: no asset from another host, each one answering 200."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_api_docs_reference_only_assets_of_the_hub_that_answer(live_server):
    answer = requests.get(f"{live_server.url}/api/docs", timeout=10)
    assert answer.status_code == 200
    assets = ASSET.findall(answer.text)
    assert any(a.endswith("redoc.standalone.js") for a in assets)
    for asset in assets:
        url = urljoin(answer.url, asset)
        assert urlsplit(url).netloc == urlsplit(live_server.url).netloc, f"{asset} is on another host"
        assert requests.get(url, timeout=10).status_code == 200, asset


def test_the_api_docs_page_alone_allows_inline_styles_and_scripts_stay_the_hubs(client):
    docs = client.get("/api/docs")["Content-Security-Policy"]
    home = client.get("/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in docs and "script-src 'self';" in docs
    assert "unsafe-inline" not in home
