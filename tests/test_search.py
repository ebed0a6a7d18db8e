"""Full-text search ranks by relevance unless a sort is chosen, in the API and on the browse page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.deltas.search import refresh_search_vector
from tests.factories import make_delta

pytestmark = pytest.mark.django_db


@pytest.fixture
def deltas(alice, backbone):
    long_ago = timezone.now() - timedelta(days=30)
    best = make_delta(alice.namespace, "movie-review-sentiment", backbone, task="sentiment", created_at=long_ago)
    weak = make_delta(alice.namespace, "news-topics", backbone, card="Trained on news; it also saw one movie review.")
    unrelated = make_delta(alice.namespace, "spelling", backbone)
    for delta in (best, weak, unrelated):
        refresh_search_vector(delta)
    return best, weak


def test_a_search_lists_the_best_match_first_though_it_is_older(client, deltas):
    names = [d["name"] for d in client.get("/api/deltas?q=movie review").json()["results"]]
    assert names == ["movie-review-sentiment", "news-topics"]


def test_a_chosen_sort_wins_over_relevance(client, deltas):
    names = [d["name"] for d in client.get("/api/deltas?q=movie review&sort=recent").json()["results"]]
    assert names == ["news-topics", "movie-review-sentiment"]


def test_relevance_without_a_search_falls_back_to_newest(client, deltas):
    names = [d["name"] for d in client.get("/api/deltas?sort=relevance").json()["results"]]
    assert names[0] == "spelling"


def test_the_browse_page_ranks_the_same_way_and_offers_best_match(client, deltas):
    page = client.get("/?q=movie review").content.decode()
    assert page.index("movie-review-sentiment") < page.index("news-topics")
    assert '<option value="relevance" selected>Best match</option>' in page
    assert 'value="relevance"' not in client.get("/").content.decode()
