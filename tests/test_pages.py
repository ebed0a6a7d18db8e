"""The server-rendered pages: they render, filter, and keep private deltas and moderator tools hidden."""

import html

import pytest
from django.test import Client

from hub.accounts.models import ApiToken, Membership
from hub.accounts.namespaces import create_organization
from hub.accounts.tokens import find_active_token
from hub.deltas.counting import Count
from hub.deltas.models import Delta, Like
from hub.evaluation.models import LeaderboardEntry, ReviewEvent, ValidationJob
from tests.factories import make_delta, make_entry, make_suite, make_version
from tests.uploads import upload_form

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def catalogue(alice, bob, backbone):
    """Three public deltas and one private one, with facets to filter on."""
    return {
        "sentiment": make_delta(
            alice.namespace,
            "sst2-lora",
            backbone,
            task="sentiment",
            tags=["english", "small"],
            train_datasets=["sst2"],
            license="mit",
            downloads_count=50,
            likes_count=1,
            validation_state="scored",
            verified_score=0.91,
            verified_metric="accuracy",
            verified_rank=0.91,
        ),
        "topics": make_delta(
            alice.namespace,
            "news-adapter",
            backbone,
            delta_type="adapter",
            task="topics",
            tags=["english"],
            train_datasets=["bbc"],
            license="apache-2.0",
            downloads_count=5,
            likes_count=7,
        ),
        "bitfit": make_delta(
            bob.namespace,
            "imdb-bitfit",
            backbone,
            delta_type="bitfit",
            task="sentiment",
            test_datasets=["sst2"],
            downloads_count=500,
        ),
        "secret": make_delta(
            alice.namespace, "secret-lora", backbone, task="sentiment", tags=["english"], private=True
        ),
    }


# Home / browse


def test_home_lists_public_deltas_with_facet_counts(client, catalogue):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice/sst2-lora" in body and "bob/imdb-bitfit" in body
    assert "secret-lora" not in body
    facets = {f.param: {v.value: v.count.n for v in f.values} for f in response.context["result"].facets}
    assert facets["task"] == {"sentiment": 2, "topics": 1}
    assert facets["delta_type"] == {"lora": 1, "adapter": 1, "bitfit": 1}
    assert facets["tag"] == {"english": 2, "small": 1}
    assert facets["dataset"] == {"sst2": 2, "bbc": 1}
    assert facets["license"] == {"mit": 1, "apache-2.0": 1}
    assert response.context["result"].scored_count.n == 1
    assert response.context["result"].total == Count(3, exact=True)


def test_private_deltas_count_in_facets_only_for_their_owner(client, alice, catalogue):
    response = login(client, alice).get("/?task=sentiment")
    facets = {f.param: {v.value: v.count.n for v in f.values} for f in response.context["result"].facets}
    assert facets["task"] == {"sentiment": 3}
    assert "alice/secret-lora" in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("task=sentiment", {"sst2-lora", "imdb-bitfit"}),
        ("delta_type=adapter&delta_type=bitfit", {"news-adapter", "imdb-bitfit"}),
        ("dataset=sst2", {"sst2-lora", "imdb-bitfit"}),
        ("tag=small", {"sst2-lora"}),
        ("license=mit", {"sst2-lora"}),
        ("validation=scored", {"sst2-lora"}),
        ("validation=unvalidated&validation=fits", {"news-adapter", "imdb-bitfit"}),
        ("q=news", {"news-adapter"}),
    ],
)
def test_home_filters_from_the_query_string(client, catalogue, query, expected):
    from hub.deltas.search import refresh_search_vector

    for delta in catalogue.values():
        refresh_search_vector(delta)
    response = client.get(f"/?{query}")
    assert {d.name for d in response.context["deltas"]} == expected


def test_home_filters_by_backbone_hash(client, catalogue, backbone):
    response = client.get(f"/?backbone={backbone.content_hash}")
    assert len(response.context["deltas"]) == 3


def test_home_sorts_by_downloads_likes_and_score(client, catalogue):
    names = lambda sort: [d.name for d in client.get(f"/?sort={sort}").context["deltas"]]  # noqa: E731
    assert names("downloads") == ["imdb-bitfit", "sst2-lora", "news-adapter"]
    assert names("likes")[0] == "news-adapter"
    # Unscored deltas follow the scored ones (newest first) instead of dropping out of the listing.
    assert names("score")[0] == "sst2-lora" and len(names("score")) == 3


def test_facet_links_toggle_their_value(client, catalogue):
    response = client.get("/?task=sentiment")
    task = next(f for f in response.context["result"].facets if f.param == "task")
    chosen = next(v for v in task.values if v.value == "sentiment")
    assert chosen.active and chosen.url == "?"


def test_home_query_count_does_not_grow_with_page_size(client, alice, backbone):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        make_delta(alice.namespace, f"q{i}", backbone, tags=["t"], train_datasets=["d"])
    counts = []
    for size in (12, 96):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/?per_page={size}")
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 4  # facets and totals, backbone names, the page's rows, the backbone count


# Delta page


def test_delta_page_shows_card_files_versions_validation_and_usage(client, alice, carol, catalogue, backbone):
    delta = catalogue["sentiment"]
    delta.card = "# Hello\n\nSome **bold** text.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    delta.save()
    version = make_version(delta, claimed_metrics={"accuracy": 0.95})
    ValidationJob.objects.create(
        version=version,
        status="failed",
        stage="attach",
        reason_code="shape_mismatch",
        reason="lora_A has the wrong shape",
        log="line one",
    )
    make_entry(version, make_suite(), score=0.8, claimed=0.95)
    body = client.get("/alice/sst2-lora").content.decode()
    assert "<strong>bold</strong>" in body
    assert "<script>alert(1)" not in body and "javascript:alert" not in body
    assert "adapter_model.safetensors" in body and f"{delta.pk:064x}" in body and "2.0\xa0KB" in body
    assert "shape_mismatch" in body and "lora_A has the wrong shape" in body
    assert "line one" not in body  # the worker's log is for the site's staff
    carol.is_staff = True
    carol.save()
    assert "line one" in login(client, carol).get("/alice/sst2-lora").content.decode()
    assert "0.9500" in body and "0.8000" in body and "differs from claim" in body
    assert 'from_finetuned("alice/sst2-lora", backbone, endpoint="http' in html.unescape(body)
    assert "deltacenter pull alice/sst2-lora" in body
    assert backbone.content_hash in body


def test_delta_page_is_404_for_private_deltas_of_others(client, bob, catalogue):
    assert client.get("/alice/secret-lora").status_code == 404
    assert login(client, bob).get("/alice/secret-lora").status_code == 404
    assert client.get("/alice/no-such-delta").status_code == 404


def test_owner_sees_their_private_delta(client, alice, catalogue):
    assert login(client, alice).get("/alice/secret-lora").status_code == 200


def test_like_button_likes_and_unlikes(client, bob, catalogue):
    login(client, bob)
    client.post("/alice/sst2-lora/like", {"action": "like"})
    assert Like.objects.filter(user=bob, delta=catalogue["sentiment"]).exists()
    assert Delta.objects.get(pk=catalogue["sentiment"].pk).likes_count == 2
    client.post("/alice/sst2-lora/like", {"action": "unlike"})
    assert Delta.objects.get(pk=catalogue["sentiment"].pk).likes_count == 1


def test_liking_a_private_delta_of_someone_else_is_404(client, bob, catalogue):
    assert login(client, bob).post("/alice/secret-lora/like").status_code == 404


def test_like_needs_login(client, catalogue):
    response = client.post("/alice/sst2-lora/like")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_like_form_is_refused_without_csrf_token(alice, bob, catalogue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post("/alice/sst2-lora/like").status_code == 403
    assert not Like.objects.filter(user=bob).exists()


def test_like_form_works_with_its_csrf_token(bob, catalogue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    page = client.get("/alice/sst2-lora")
    token = page.context["csrf_token"]
    response = client.post("/alice/sst2-lora/like", {"csrfmiddlewaretoken": str(token), "action": "like"})
    assert response.status_code == 302
    assert Like.objects.filter(user=bob).count() == 1


def test_resolve_route_still_answers_after_the_pages(client, alice, catalogue):
    version = make_version(catalogue["sentiment"])
    response = client.get(f"/alice/sst2-lora/resolve/{version.commit_id}/missing.json")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


# Backbone page


def test_backbone_page_groups_visible_deltas_by_task(client, catalogue, backbone):
    response = client.get(f"/backbones/{backbone.content_hash}")
    body = response.content.decode()
    assert response.status_code == 200
    assert backbone.content_hash in body and "tiny-bert" in body
    assert "sst2-lora" in body and "news-adapter" in body and "secret-lora" not in body
    assert client.get(f"/backbones/{'9' * 64}").status_code == 404


# Leaderboards


@pytest.fixture
def board(alice, bob, catalogue):
    suite = make_suite()
    entries = {
        "good": make_entry(make_version(catalogue["sentiment"], share=0.001), suite, 0.91, "approved"),
        "bitfit": make_entry(make_version(catalogue["bitfit"], share=0.0005), suite, 0.85, "approved"),
        "pending": make_entry(make_version(catalogue["topics"], share=0.02), suite, 0.99, "pending"),
        "secret": make_entry(make_version(catalogue["secret"], share=0.01), suite, 0.97, "approved"),
    }
    return suite, entries


def test_leaderboards_index_counts_visible_approved_entries(client, board):
    response = client.get("/leaderboards/")
    assert response.status_code == 200
    assert [s.entries for s in response.context["suites"]] == [2]


def test_leaderboard_ranks_approved_visible_results_with_a_chart(client, board):
    response = client.get("/leaderboards/sst2/1")
    body = response.content.decode()
    assert [e.result.version.delta.name for e in response.context["rows"]] == ["sst2-lora", "imdb-bitfit"]
    assert "news-adapter" not in body and "secret-lora" not in body
    assert "<svg" in body and body.count('class="dot"') == 2
    assert "0.1%" in body  # trainable share of the best entry


def test_leaderboard_shows_a_delta_once_with_its_best_version(client, board, catalogue):
    suite, _ = board
    make_entry(make_version(catalogue["sentiment"], number=2, share=0.001), suite, 0.95, "approved")
    rows = client.get("/leaderboards/sst2/1").context["rows"]
    assert [(e.result.version.delta.name, e.result.score) for e in rows] == [("sst2-lora", 0.95), ("imdb-bitfit", 0.85)]


def test_a_lower_is_better_leaderboard_ranks_the_lowest_first_and_charts_it_on_top(client, catalogue):
    suite = make_suite("news-perplexity", metric="bits_per_byte", task="language-modeling")
    make_entry(make_version(catalogue["sentiment"]), suite, 1.4, "approved", claimed=None)
    make_entry(make_version(catalogue["bitfit"]), suite, 0.9, "approved", claimed=None)
    make_entry(make_version(catalogue["bitfit"], number=2), suite, 1.1, "approved", claimed=None)
    response = client.get("/leaderboards/news-perplexity/1")
    rows = response.context["rows"]
    assert [(e.result.version.delta.name, e.result.score) for e in rows] == [("imdb-bitfit", 0.9), ("sst2-lora", 1.4)]
    dots = {d.label: d.cy for d in response.context["chart"].dots}
    assert dots["bob/imdb-bitfit"] < dots["alice/sst2-lora"]  # better is up: the lower score sits higher
    assert "lower is better" in response.content.decode()


def test_leaderboard_filters_by_delta_type_and_backbone(client, board, backbone):
    rows = client.get("/leaderboards/sst2/1?delta_type=bitfit").context["rows"]
    assert [e.result.version.delta.name for e in rows] == ["imdb-bitfit"]
    assert len(client.get(f"/leaderboards/sst2/1?backbone={backbone.content_hash}").context["rows"]) == 2
    assert len(client.get(f"/leaderboards/sst2/1?backbone={'9' * 64}").context["rows"]) == 0


def test_owner_sees_their_private_entry_on_the_leaderboard(client, alice, board):
    rows = login(client, alice).get("/leaderboards/sst2/1").context["rows"]
    assert "secret-lora" in [e.result.version.delta.name for e in rows]


def test_unknown_leaderboard_is_404(client, board):
    assert client.get("/leaderboards/sst2/9").status_code == 404


# Review queue


def test_review_queue_is_404_for_everyone_but_moderators(client, alice, board):
    assert client.get("/review/").status_code == 404
    assert login(client, alice).get("/review/").status_code == 404
    _, entries = board
    assert client.post(f"/review/{entries['pending'].pk}", {"action": "approve"}).status_code == 404
    assert LeaderboardEntry.objects.get(pk=entries["pending"].pk).status == "pending"


def test_moderator_sees_pending_entries_with_claimed_and_verified(client, moderator, board):
    response = login(client, moderator).get("/review/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice/news-adapter" in body and "0.9500" in body and "0.9900" in body


def test_moderator_approves_and_the_audit_trail_records_it(client, moderator, board):
    _, entries = board
    login(client, moderator).post(f"/review/{entries['pending'].pk}", {"action": "approve", "reason": "checked"})
    entry = LeaderboardEntry.objects.get(pk=entries["pending"].pk)
    assert entry.status == "approved" and entry.reviewer == moderator and entry.reviewed_at
    event = ReviewEvent.objects.get(entry=entry)
    assert (event.actor, event.from_status, event.to_status) == (moderator, "pending", "approved")
    assert event.reason == "checked"
    assert "pending → approved" in client.get("/review/").content.decode()


def test_rejecting_needs_a_reason(client, moderator, board):
    _, entries = board
    response = login(client, moderator).post(f"/review/{entries['pending'].pk}", {"action": "reject"}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert LeaderboardEntry.objects.get(pk=entries["pending"].pk).status == "pending"


def test_moderator_flags_with_a_reason(client, moderator, board):
    _, entries = board
    login(client, moderator).post(f"/review/{entries['good'].pk}", {"action": "flag", "reason": "too good"})
    assert LeaderboardEntry.objects.get(pk=entries["good"].pk).status == "flagged"
    flagged = client.get("/review/?status=flagged")
    assert flagged.status_code == 200 and "too good" in flagged.content.decode()


# Accounts


def test_signup_creates_a_user_with_a_namespace_and_logs_them_in(client):
    response = client.post(
        "/signup/",
        {
            "username": "dora",
            "email": "d@example.org",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/users/dora"
    assert client.get("/users/dora").context["is_me"]


def test_login_and_logout(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302 and response["Location"] == "/users/alice"
    assert client.post("/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_login_page_renders(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/signup/").status_code == 200


def test_profile_lists_visible_deltas(client, alice, catalogue):
    body = client.get("/users/alice").content.decode()
    assert "sst2-lora" in body and "secret-lora" not in body
    assert "secret-lora" in login(client, alice).get("/users/alice").content.decode()
    assert client.get("/users/nobody").status_code == 404


def test_tokens_page_shows_the_secret_once_and_revokes(client, alice):
    login(client, alice)
    response = client.post("/settings/tokens", {"name": "laptop", "scopes": ["write"]}, follow=True)
    secret = response.context["secret"]
    assert secret.startswith("dc_") and secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=alice, name="laptop")
    assert token.scopes == ["read", "write"]
    listing = client.get("/settings/tokens").content.decode()
    assert secret not in listing and token.prefix in listing
    client.post(f"/settings/tokens/{token.pk}/revoke")
    assert find_active_token(secret) is None


def test_tokens_of_others_cannot_be_revoked(client, alice, bob):
    login(client, alice).post("/settings/tokens", {"name": "mine", "scopes": ["read"]})
    token = ApiToken.objects.get(user=alice)
    assert login(client, bob).post(f"/settings/tokens/{token.pk}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_tokens_page_needs_login(client):
    response = client.get("/settings/tokens")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_create_organisation_and_manage_members(client, alice, bob):
    login(client, alice)
    response = client.post("/orgs/new", {"name": "lab", "display_name": "The Lab"})
    assert response.status_code == 302 and response["Location"] == "/orgs/lab"
    client.post("/orgs/lab/members", {"username": "bob", "role": "write"})
    membership = Membership.objects.get(user=bob)
    assert membership.role == "write" and membership.organization.namespace.name == "lab"
    assert "bob" in client.get("/orgs/lab").content.decode()
    client.post("/orgs/lab/members", {"remove": bob.pk})
    assert not Membership.objects.filter(user=bob).exists()


def test_taken_organisation_names_are_refused(client, alice):
    response = login(client, alice).post("/orgs/new", {"name": "alice"})
    assert response.status_code == 200 and "already taken" in response.content.decode()


def test_only_org_admins_manage_members(client, alice, bob, carol):
    create_organization("lab", alice)
    response = login(client, bob).post("/orgs/lab/members", {"username": "carol", "role": "admin"})
    assert response.status_code == 404
    assert not Membership.objects.filter(user=carol).exists()


def test_the_last_admin_cannot_leave(client, alice):
    org = create_organization("lab", alice)
    login(client, alice).post("/orgs/lab/members", {"remove": alice.pk}, follow=True)
    assert org.memberships.filter(user=alice, role="admin").exists()


def test_org_page_hides_private_deltas_from_outsiders(client, alice, bob, backbone):
    org = create_organization("lab", alice)
    make_delta(org.namespace, "hidden", backbone, private=True)
    assert "hidden" not in client.get("/orgs/lab").content.decode()
    assert "hidden" in login(client, alice).get("/orgs/lab").content.decode()


# Upload in the browser


def test_upload_form_commits_a_version_through_the_verified_path(client, alice, backbone):
    from tests.uploads import lora_files

    response = login(client, alice).post("/new", upload_form(backbone, lora_files()))
    assert response.status_code == 302 and response["Location"] == "/alice/web-lora"
    delta = Delta.objects.get(name="web-lora")
    version = delta.versions.get()
    assert sorted(f.path for f in version.files.all()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert version.trainable_parameters == 2 and version.delta_config == {"peft_type": "LORA", "r": 2}
    assert delta.tags == ["english", "small"] and delta.task == "sentiment"
    assert "Web upload" in client.get("/alice/web-lora").content.decode()


def test_upload_form_reports_the_verification_error(client, alice, backbone):
    files = {"adapter_model.safetensors": b"\xff" * 16}
    response = login(client, alice).post("/new", upload_form(backbone, files))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Delta.objects.filter(name="web-lora").exists()


def test_upload_form_refuses_pickles(client, alice, backbone):
    response = login(client, alice).post("/new", upload_form(backbone, {"model.bin": b"x"}))
    assert "safetensors" in " ".join(response.context["form"].non_field_errors())


def test_upload_form_offers_only_writable_namespaces(client, alice, bob, backbone):
    from tests.uploads import lora_files

    response = login(client, alice).post("/new", upload_form(backbone, lora_files(), namespace="bob"))
    assert response.status_code == 200 and "namespace" in response.context["form"].errors
    assert not Delta.objects.filter(namespace=bob.namespace).exists()


def test_upload_page_needs_login(client):
    assert client.get("/new").status_code == 302


@pytest.mark.parametrize(
    "path", ["/", "/new", "/settings/tokens", "/orgs/new", "/users/alice", "/leaderboards/", "/login/", "/signup/"]
)
def test_every_page_renders_for_a_signed_in_user(client, alice, catalogue, path):
    response = login(client, alice).get(path)
    # Someone signed in is sent on from the log-in and sign-up pages; every other page renders.
    assert response.status_code == (302 if path in ("/login/", "/signup/") else 200)


@pytest.mark.parametrize(
    "query",
    [
        "delta_type=bogus",
        "validation=maybe",
        "page=abc",
        "per_page=7",
        "sort=nope",
        "page=999",
        "backbone=%00",
        "q=%22unbalanced",
    ],
)
def test_home_survives_odd_query_strings(client, catalogue, query):
    assert client.get(f"/?{query}").status_code == 200


def test_facet_counts_do_not_change_with_the_score_sort(client, catalogue):
    response = client.get("/?sort=score")
    task = next(f for f in response.context["result"].facets if f.param == "task")
    assert {v.value: v.count.n for v in task.values} == {"sentiment": 2, "topics": 1}


@pytest.mark.parametrize("username", ["admin", "lab", "bad..name"])
def test_signup_refuses_names_that_cannot_be_namespaces(client, alice, username):
    create_organization("lab", alice)
    response = client.post(
        "/signup/", {"username": username, "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"}
    )
    assert response.status_code == 200 and "username" in response.context["form"].errors
