"""Keyset pages, in the API and on the browse page: complete, never overlapping, and back again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.deltas.models import Delta
from hub.deltas.search import refresh_search_vector
from tests.conftest import api_client_for
from tests.factories import make_delta

pytestmark = pytest.mark.django_db
SORTS = ["recent", "updated", "downloads", "likes", "score", "relevance"]


def catalogue(namespace, backbone, count, first=0):
    """Deltas with many ties in every sort, all matching the search "lora"."""
    start = timezone.now() - timedelta(days=1)
    deltas = []
    for i in range(first, first + count):
        delta = make_delta(
            namespace,
            f"lora-{i}",
            backbone,
            task="qa",
            created_at=start + timedelta(seconds=i % 4),
            updated_at=start + timedelta(seconds=i % 3),
            downloads_count=i % 5,
            likes_count=i % 2,
            validation_state="scored",
            verified_score=(i % 4) / 4,
            verified_rank=(i % 4) / 4,
            verified_metric="accuracy",
        )
        refresh_search_vector(delta)
        deltas.append(delta)
    return deltas


def names(page):
    return [d["name"] for d in page["results"]]


def walk(client, url, step=None):
    """Every page from `url` on, following `next`; `step(i)` runs after page i."""
    pages = []
    while url:
        pages.append(client.get(url).json())
        if step:
            step(len(pages))
        url = pages[-1]["next"]
    return pages


def listed_names(client, url):
    return [name for page in walk(client, url) for name in names(page)]


def walk_forward_and_back(client, url):
    """The pages from `url` on, following `next`, then from the last page back, following `previous`."""
    forward = walk(client, url)
    backward = [forward[-1]]
    while backward[-1]["previous"]:
        backward.append(client.get(backward[-1]["previous"]).json())
    return forward, backward


@pytest.mark.parametrize("sort", SORTS)
def test_pages_are_complete_and_never_overlap_while_deltas_arrive(client, alice, backbone, sort):
    before = {d.name for d in catalogue(alice.namespace, backbone, 23)}
    added = iter(range(100, 200))

    def insert_two(_):  # new deltas land anywhere in the order: first, last and between ties
        catalogue(alice.namespace, backbone, 2, first=next(added) * 10)

    pages = walk(client, f"/api/deltas?q=lora&sort={sort}&limit=5", step=insert_two)
    listed = [name for page in pages for name in names(page)]
    assert len(listed) == len(set(listed)), "a delta was listed twice"
    assert before <= set(listed), "a delta was skipped"


@pytest.mark.parametrize("sort", SORTS)
def test_previous_links_walk_back_through_the_same_pages(client, alice, backbone, sort):
    catalogue(alice.namespace, backbone, 13)
    forward, backward = walk_forward_and_back(client, f"/api/deltas?q=lora&sort={sort}&limit=4")
    assert [names(page) for page in forward] == [names(page) for page in reversed(backward)]
    assert [page["previous"] is not None for page in forward] == [False, True, True, True]


def partly_scored(namespace, backbone, count, first=0):
    """Deltas of which every third has no score; the scored ones tie in pairs."""
    deltas = catalogue(namespace, backbone, count, first)
    Delta.objects.filter(pk__in=[d.pk for d in deltas[::3]]).update(
        validation_state="failed", verified_score=None, verified_rank=None, verified_metric=""
    )
    return deltas


def test_the_score_sort_keeps_unscored_deltas_last_across_keyset_pages(client, alice, backbone):
    partly_scored(alice.namespace, backbone, 14)
    added = iter(range(100, 200))

    def arrive(_):  # rows arrive between pages
        partly_scored(alice.namespace, backbone, 3, first=next(added) * 10)

    listed = [d for page in walk(client, "/api/deltas?sort=score&limit=4", step=arrive) for d in page["results"]]
    ids = [d["id"] for d in listed]
    assert len(ids) == len(set(ids)), "a delta was listed twice"
    original = {d.full_name for d in Delta.objects.filter(name__regex=r"^lora-\d$|^lora-1[0-3]$")}
    assert original <= set(ids), "a delta was skipped"
    scores = [d["verified_score"] for d in listed]
    first_null = scores.index(None)
    assert all(s is None for s in scores[first_null:]), "a scored delta came after an unscored one"
    assert scores[:first_null] == sorted(scores[:first_null], reverse=True)
    assert first_null < len(scores) - 1


def test_previous_links_cross_from_unscored_back_to_scored_deltas(client, alice, backbone):
    partly_scored(alice.namespace, backbone, 11)
    forward, backward = walk_forward_and_back(client, "/api/deltas?sort=score&limit=3")
    forward, backward = [names(page) for page in forward], [names(page) for page in backward]
    assert forward == backward[::-1] and len(forward) == 4
    assert sum(len(p) for p in forward) == 11


def test_going_back_past_deleted_rows_shows_the_first_page_whole(client, alice, backbone):
    catalogue(alice.namespace, backbone, 9)
    first = client.get("/api/deltas?limit=4").json()
    second = client.get(first["next"]).json()
    Delta.objects.filter(name__in=names(first)[:2]).delete()
    back = client.get(second["previous"]).json()
    assert len(back["results"]) == 4 and back["previous"] is None


def test_a_cursor_the_listing_did_not_give_is_a_400_naming_it(client, alice, backbone):
    catalogue(alice.namespace, backbone, 3)
    cursor = client.get("/api/deltas?limit=1").json()["next"].split("cursor=")[1]
    for query in ("cursor=not-a-cursor", f"cursor={cursor}&sort=downloads", "cursor=WyJyZWNlbnQiLCJ4IiwxLDBd"):
        response = client.get(f"/api/deltas?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    "query, field", [("limit=0", "limit"), ("limit=101", "limit"), ("delta_type=bogus", "delta_type")]
)
def test_bad_listing_parameters_are_a_400_naming_them(client, query, field):
    response = client.get(f"/api/deltas?{query}")
    assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_private_deltas_never_appear_in_someone_elses_pages(client, alice, bob, backbone):
    catalogue(alice.namespace, backbone, 6)
    Delta.objects.filter(name__in=["lora-1", "lora-4"]).update(private=True)
    everyone = set(listed_names(client, "/api/deltas?limit=2"))
    bobs = set(listed_names(api_client_for(bob), "/api/deltas?limit=2"))
    alices = set(listed_names(api_client_for(alice), "/api/deltas?limit=2"))
    assert everyone == bobs == {"lora-0", "lora-2", "lora-3", "lora-5"}
    assert alices == everyone | {"lora-1", "lora-4"}


def test_the_browse_page_links_next_and_previous_pages(client, alice, backbone):
    for i in range(15):
        make_delta(alice.namespace, f"d{i}", backbone, task="qa")
    first = client.get("/?task=qa&per_page=12")
    assert len(first.context["deltas"]) == 12 and first.context["prev_url"] is None
    next_url = first.context["next_url"]
    assert next_url.startswith("?task=qa&per_page=12&cursor=")
    second = client.get("/" + next_url)
    assert [d.name for d in second.context["deltas"]] == ["d2", "d1", "d0"]
    assert second.context["next_url"] is None
    body = second.content.decode()
    assert 'rel="prev"' in body and 'rel="next"' not in body
    back = client.get("/" + second.context["prev_url"])
    assert [d.name for d in back.context["deltas"]] == [d.name for d in first.context["deltas"]]


def test_the_browse_page_starts_again_on_a_cursor_it_cannot_read(client, alice, backbone):
    make_delta(alice.namespace, "only", backbone)
    response = client.get("/?cursor=garbage")
    assert response.status_code == 200 and [d.name for d in response.context["deltas"]] == ["only"]


def test_links_from_a_later_page_start_again_at_the_first(client, alice, backbone):
    for i in range(15):
        make_delta(alice.namespace, f"d{i}", backbone, task="qa")
    second = client.get("/" + client.get("/?per_page=12").context["next_url"])
    task = next(f for f in second.context["result"].facets if f.param == "task")
    assert task.values and all("cursor" not in v.url for v in task.values)
    assert 'name="cursor"' not in second.content.decode()  # nor do the search and sort forms keep it


def test_a_search_matches_names_by_their_start_and_ranks_those_first(client, alice, backbone):
    for name, card in (("sst2-lora", ""), ("other", "A delta like sst2-lora, but not it.")):
        refresh_search_vector(make_delta(alice.namespace, name, backbone, card=card))
    assert names(client.get("/api/deltas?q=sst2-lo").json()) == ["sst2-lora"]
    assert names(client.get("/api/deltas?q=SST2-LORA").json()) == ["sst2-lora", "other"]


def test_relevance_ranks_the_newest_matches_and_the_page_says_so(client, alice, backbone, monkeypatch):
    monkeypatch.setattr("hub.deltas.listing.RELEVANCE_POOL", 3)
    monkeypatch.setattr("hub.deltas.counting.COUNT_LIMIT", 3)
    start = timezone.now() - timedelta(days=1)
    for i in range(5):
        created_at = start + timedelta(minutes=i)
        refresh_search_vector(make_delta(alice.namespace, f"item-{i}", backbone, tags=["news"], created_at=created_at))
    assert sorted(names(client.get("/api/deltas?q=news").json())) == ["item-2", "item-3", "item-4"]
    assert len(client.get("/api/deltas?q=news&sort=downloads").json()["results"]) == 5
    assert "newest matches" in client.get("/?q=news").content.decode()
    assert "newest matches" not in client.get("/?q=news&sort=recent").content.decode()


def test_a_search_looks_up_the_backbones_it_names_once_for_the_page_and_its_counts(client, alice, backbone):
    refresh_search_vector(make_delta(alice.namespace, "sst2-lora", backbone))
    for url in ("/?q=sst2", "/api/deltas?q=sst2", "/api/deltas/facets?q=sst2"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        lookups = [q for q in captured if 'FROM "deltas_backbone"' in q["sql"] and "aliases" in q["sql"]]
        assert len(lookups) == 1, url


def test_relevance_also_ranks_the_first_names_that_start_with_the_search(client, alice, backbone, monkeypatch):
    monkeypatch.setattr("hub.deltas.listing.RELEVANCE_POOL", 2)
    start = timezone.now() - timedelta(days=1)
    for i, name in enumerate(("mov-c", "mov-a", "other-mov", "mov-b", "mov-d")):  # mov-d is the newest
        refresh_search_vector(make_delta(alice.namespace, name, backbone, created_at=start + timedelta(minutes=i)))
    # The two newest whose words match (mov-d, mov-b) and the first two names from "mov" on (mov-a, mov-b).
    ranked = names(client.get("/api/deltas?q=mov").json())
    assert sorted(ranked) == ["mov-a", "mov-b", "mov-d"]
    assert len(client.get("/api/deltas?q=mov&sort=recent").json()["results"]) == 5


def test_backbone_and_author_filters_take_names_in_any_case_and_match_nothing_unknown(client, alice, bob, backbone):
    make_delta(alice.namespace, "a", backbone)
    make_delta(bob.namespace, "b", backbone)
    assert names(client.get("/api/deltas?author=ALICE").json()) == ["a"]
    assert names(client.get("/api/deltas?backbone=TINY-BERT&author=bob").json()) == ["b"]
    assert names(client.get("/api/deltas?backbone=nothing-like-it").json()) == []
    counts = client.get("/api/deltas/facets?backbone=nothing-like-it").json()
    assert counts["total"] == {"count": 0, "exact": True, "display": "0"}
