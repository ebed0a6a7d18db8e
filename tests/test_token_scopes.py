"""Tokens made in the browser ask read or write; a read-only token that tries to push is told what it lacks."""

import re

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from deltacenter import DeltaCenterError, push_to_hub
from hub.accounts.models import ApiToken
from hub.accounts.tokens import create_token
from tests.conftest import api_client_for
from tests.models import tiny_bert, tiny_lora
from tests.uploads import declare, lora_files

pytestmark = pytest.mark.django_db(transaction=True)


def checked_scopes(client):
    page = client.get("/settings/tokens").content.decode()
    radios = re.findall(r'<input type="radio" name="scopes" value="(\w+)"([^>]*)>', page)
    assert [value for value, _ in radios] == ["read", "write"]
    return [value for value, attributes in radios if "checked" in attributes]


def test_a_first_token_is_preselected_write_and_later_ones_read(client, alice):
    client.force_login(alice)
    assert checked_scopes(client) == ["write"]
    client.post("/settings/tokens", {"name": "laptop", "scopes": "write"})
    assert ApiToken.objects.get(name="laptop").scopes == ["read", "write"]
    assert checked_scopes(client) == ["read"]


def test_a_read_only_token_is_told_to_get_a_write_token_by_the_api(alice, settings):
    response = api_client_for(alice, ["read"]).post(
        "/api/deltas/alice/x/upload", {"files": declare(lora_files())}, format="json"
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert "`write` scope" in error["message"] and f"{settings.SITE_URL}/settings/tokens" in error["message"]


def test_a_read_only_token_is_told_the_same_by_the_hugging_face_protocol(alice, live_server):
    _, token = create_token(alice, "reader", ["read"])
    with pytest.raises(HfHubHTTPError) as raised:
        HfApi(endpoint=live_server.url, token=token).create_repo("alice/x")
    assert raised.value.response.status_code == 403
    assert raised.value.response.headers["X-Error-Message"].startswith("This token lacks the `write` scope")
    assert "/settings/tokens" in str(raised.value)


def test_the_client_passes_the_hint_on(hub_env, alice, monkeypatch):
    _, token = create_token(alice, "reader", ["read"])
    monkeypatch.setenv("DELTACENTER_TOKEN", token)
    with pytest.raises(DeltaCenterError, match=r"lacks the `write` scope.*/settings/tokens.*\[insufficient_scope\]"):
        push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/x")
