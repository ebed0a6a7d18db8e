import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from hub.accounts.models import ApiToken
from hub.accounts.tokens import create_token, find_active_token, hash_secret, revoke_token

pytestmark = pytest.mark.django_db


def test_it_stores_only_the_hash_of_the_secret(alice):
    token, secret = create_token(alice, "laptop", ["write"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.key_hash == hash_secret(secret)
    assert secret.startswith(stored.prefix)


def test_it_finds_a_live_token_and_records_last_use(alice):
    token, secret = create_token(alice, "ci")
    assert token.last_used_at is None
    found = find_active_token(secret)
    assert found.pk == token.pk
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_it_refuses_revoked_unknown_and_inactive_tokens(alice):
    token, secret = create_token(alice, "old")
    revoke_token(token)
    assert find_active_token(secret) is None
    assert find_active_token("dc_" + "x" * 43) is None
    assert find_active_token("not-even-a-token") is None
    _, other_secret = create_token(alice, "new")
    alice.is_active = False
    alice.save()
    assert find_active_token(other_secret) is None


def test_api_rejects_a_revoked_token_with_a_json_error(alice):
    token, secret = create_token(alice, "old")
    revoke_token(token)
    client = APIClient()
    response = client.get("/api/deltas", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert "revoked" in response.json()["error"]["message"]


def test_create_token_command_creates_the_user_and_prints_the_token_last(django_user_model):
    out = io.StringIO()
    call_command("create_token", "carol", "--write", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    token = find_active_token(secret)
    assert token.user.username == "carol"
    assert token.scopes == ["read", "write"]
    assert token.user.namespace.name == "carol"
    assert not token.user.is_staff


def test_create_token_command_with_admin_makes_a_site_admin(django_user_model):
    out = io.StringIO()
    call_command("create_token", "root-user", "--admin", stdout=out)
    token = find_active_token(out.getvalue().strip().splitlines()[-1])
    assert token.user.is_superuser and token.user.is_staff
    assert token.has_scope("admin")


def test_a_token_lists_the_private_deltas_of_its_user_and_their_organisations_in_one_query(alice, bob, backbone):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.accounts.models import Membership
    from hub.accounts.namespaces import create_organization
    from tests.factories import make_delta

    lab, other = create_organization("lab", owner=alice), create_organization("other-lab", owner=alice)
    Membership.objects.create(organization=lab, user=bob, role=Membership.Role.READ)
    for namespace, name in ((bob.namespace, "own"), (lab.namespace, "lab"), (other.namespace, "not-bobs")):
        make_delta(namespace, name, backbone, private=True)
    _, secret = create_token(bob, "reader", ["read"])
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get("/api/deltas")  # its first use is recorded
    with CaptureQueriesContext(connection) as captured:
        listed = client.get("/api/deltas").json()["results"]
    assert sorted(d["name"] for d in listed) == ["lab", "own"]
    assert len(captured) == 2, "the token, with its user's namespaces, then the listing"
    assert APIClient().get("/api/deltas").json()["results"] == []
