"""Honest verification on the pages and the API: states under way, baselines and margins, leaderboards that
sort, hide, export and compare, and the status a delta page polls."""

import csv
import io
import json

import pytest

from hub.deltas.models import Delta
from hub.evaluation import jobs
from hub.evaluation.models import ValidationJob
from tests.conftest import api_client_for
from tests.factories import make_delta, make_entry, make_suite, make_version

pytestmark = pytest.mark.django_db
Status = ValidationJob.Status


def scored(namespace, name, backbone, score, trivial=0.5, backbone_score=None, suite=None, status="approved"):
    """A delta with one approved result on `suite`, its baselines stored as the worker stores them."""
    delta = make_delta(namespace, name, backbone, task="sentiment")
    version = make_version(delta, share=0.001 * (1 + len(name)))
    ValidationJob.objects.create(version=version, status=Status.SCORED, stage="done")
    make_entry(version, suite or make_suite(), score, status, trivial=trivial, backbone_score=backbone_score)
    jobs.refresh_delta_validation(delta)
    delta.refresh_from_db()
    return delta


@pytest.fixture
def suite():
    return make_suite()


@pytest.fixture
def board(alice, bob, backbone, suite):
    return {
        "good": scored(alice.namespace, "good", backbone, 0.82, suite=suite),
        "fair": scored(bob.namespace, "fair", backbone, 0.61, suite=suite),
        "chance": scored(alice.namespace, "chance", backbone, 0.50, suite=suite),  # an untrained LoRA's score
    }


def test_the_state_follows_the_newest_job_through_queued_running_and_scored(alice, backbone, suite):
    delta = make_delta(alice.namespace, "d", backbone, task="sentiment")
    version = make_version(delta)
    job = jobs.request_validation(version)
    assert Delta.objects.get(pk=delta.pk).validation_state == "queued"
    jobs.start(job.pk, "w1")
    assert Delta.objects.get(pk=delta.pk).validation_state == "running"
    jobs.mark_error(job.pk, "S3 down")  # retried: as good as queued
    assert Delta.objects.get(pk=delta.pk).validation_state == "queued"
    jobs.start(job.pk, "w1")
    make_entry(version, suite, score=0.7, trivial=0.5)
    jobs.mark_scored(job.pk)
    delta.refresh_from_db()
    assert (delta.validation_state, delta.verified_score) == ("scored", 0.7)
    assert delta.verified_margin == pytest.approx(0.2)
    # A new version queued: the delta says so, and keeps the score of the version that was measured.
    jobs.request_validation(make_version(delta, number=2))
    delta.refresh_from_db()
    assert (delta.validation_state, delta.verified_score) == ("queued", 0.7)


def test_badges_claim_no_more_than_the_margin_shows(client, board):
    home = client.get("/?sort=score").content.decode()
    assert "✓ scored, beats baseline by 0.320" in home
    assert "scored, no better than baseline" in home  # the untrained LoRA, at chance
    page = client.get("/alice/chance").content.decode()
    assert "scored, no better than baseline" in page and "✓" not in page.split("<main")[1].split("Model card")[0]


def test_cards_and_the_api_show_deltas_under_way(client, alice, backbone):
    for name, state in (("q", "queued"), ("r", "running"), ("f", "failed")):
        make_delta(alice.namespace, name, backbone, validation_state=state)
    home = client.get("/").content.decode()
    assert "validation queued" in home and "validating…" in home and "failed validation" in home
    listed = client.get("/api/deltas?validation=queued&validation=running").json()["results"]
    assert {(d["name"], d["validation_state"]) for d in listed} == {("q", "queued"), ("r", "running")}
    assert all("verified_margin" in d for d in listed)
    facets = client.get("/api/deltas/facets").json()["facets"]
    validation = next(f for f in facets if f["param"] == "validation")
    assert {v["value"]: v["count"]["count"] for v in validation["values"]} == {"queued": 1, "running": 1, "failed": 1}


def test_a_failed_delta_shows_its_failure_at_the_top_and_no_usage_box(client, alice, backbone):
    delta = make_delta(alice.namespace, "broken", backbone, validation_state="failed")
    ValidationJob.objects.create(
        version=make_version(delta), status=Status.FAILED, reason_code="shape_mismatch", reason="Shapes differ."
    )
    body = client.get("/alice/broken").content.decode()
    panel = body.index("data-validation-panel")
    assert panel < body.index('aria-label="Model card"')
    assert "shape_mismatch" in body[panel : body.index('aria-label="Model card"')]
    assert 'id="use"' not in body and "data-status-url" not in body


def test_the_status_endpoint_says_what_the_page_polls_and_hides_private_deltas(client, alice, bob, backbone):
    delta = make_delta(alice.namespace, "wip", backbone, private=True)
    jobs.start(jobs.request_validation(make_version(delta)).pk, "w1")
    owner = api_client_for(alice).get("/api/deltas/alice/wip/status")
    assert owner.status_code == 200
    body = owner.json()
    assert (body["state"], body["final"], body["job_status"], body["label"]) == (
        "running",
        False,
        "running",
        "validating…",
    )
    assert api_client_for(bob).get("/api/deltas/alice/wip/status").status_code == 404
    assert client.get("/api/deltas/alice/wip/status").status_code == 404
    client.force_login(alice)
    page = client.get("/alice/wip").content.decode()
    assert 'data-status-url="/api/deltas/alice/wip/status"' in page and "validation-status.js" in page


def test_a_leaderboard_shows_baselines_and_can_hide_entries_that_do_not_beat_them(client, board):
    response = client.get("/leaderboards/sst2/1")
    names = [row.delta.name for row in response.context["rows"]]
    assert names == ["good", "fair", "chance"]
    body = response.content.decode()
    assert body.count("data-baseline") == 1 and "trivial predictor" in body and "Legend" in body
    assert "+0.3200" in body and "no better" in body
    hidden = client.get("/leaderboards/sst2/1?beats_baseline=1")
    assert [row.delta.name for row in hidden.context["rows"]] == ["good", "fair"]


def test_a_leaderboard_sorts_by_its_columns_keeping_the_rank(client, board):
    by_share = client.get("/leaderboards/sst2/1?sort=share&dir=asc").context["rows"]
    assert [(row.delta.name, row.rank) for row in by_share] == [("good", 1), ("fair", 2), ("chance", 3)]
    by_margin = client.get("/leaderboards/sst2/1?sort=margin&dir=asc")
    assert [row.delta.name for row in by_margin.context["rows"]] == ["chance", "fair", "good"]
    assert 'aria-sort="ascending"' in by_margin.content.decode()
    by_name = client.get("/leaderboards/sst2/1?sort=delta&dir=desc").context["rows"]
    assert [row.delta.full_name for row in by_name] == ["bob/fair", "alice/good", "alice/chance"]
    assert client.get("/leaderboards/sst2/1?sort=nonsense&dir=sideways").status_code == 200


def test_a_leaderboard_exports_as_csv_and_json(client, board):
    response = client.get("/leaderboards/sst2/1/export.csv?beats_baseline=1")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["rank"], r["delta"], r["score"], r["baseline_score"]) for r in rows] == [
        ("1", "alice/good", "0.82", "0.5"),
        ("2", "bob/fair", "0.61", "0.5"),
    ]
    assert float(rows[0]["margin"]) == pytest.approx(0.32) and rows[0]["beats_baseline"] == "True"
    exported = client.get("/leaderboards/sst2/1/export.json")
    assert exported["Content-Type"] == "application/json"
    body = json.loads(exported.content)
    assert body["suite"]["baselines"] == [{"label": "trivial predictor", "score": 0.5}]
    assert [e["delta"] for e in body["entries"]] == ["alice/good", "bob/fair", "alice/chance"]
    assert body["entries"][2]["beats_baseline"] is False


def test_private_deltas_stay_out_of_exports(client, board, alice):
    Delta.objects.filter(pk=board["good"].pk).update(private=True)
    assert "alice/good" not in client.get("/leaderboards/sst2/1/export.csv").content.decode()
    client.force_login(alice)
    assert "alice/good" in client.get("/leaderboards/sst2/1/export.csv").content.decode()


def test_the_compare_view_puts_deltas_side_by_side(client, board, suite):
    response = client.get("/compare?delta=alice/good&delta=bob/fair&delta=alice/good")
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [c.delta.full_name for c in comparison.deltas] == ["alice/good", "bob/fair"]
    [(row_suite, results, best)] = list(comparison.rows())
    assert row_suite == suite and [r.score for r in results] == [0.82, 0.61] and best == 0
    body = response.content.decode()
    assert "Trainable share" in body and "1 file" in body and "tiny-bert" in body and "margin +0.3200" in body


@pytest.mark.parametrize(
    "query", ["delta=alice/good", "delta=a/b&delta=c/d&delta=e/f&delta=g/h&delta=i/j", "delta=x&delta=y"]
)
def test_the_compare_view_asks_for_two_to_four_deltas(client, board, query):
    response = client.get(f"/compare?{query}")
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_the_compare_view_does_not_reveal_private_deltas(client, board):
    Delta.objects.filter(pk=board["good"].pk).update(private=True)
    assert client.get("/compare?delta=alice/good&delta=bob/fair").status_code == 404


def test_an_empty_board_says_results_wait_for_review(client, alice, backbone, suite):
    scored(alice.namespace, "waiting", backbone, 0.9, suite=suite, status="pending")
    body = client.get("/leaderboards/sst2/1").content.decode()
    assert "1 result is waiting for a moderator's review" in body
    index = client.get("/leaderboards/").content.decode()
    assert "Waiting for review" in index


def test_a_moderator_sees_the_margin_before_approving(client, moderator, alice, backbone, suite):
    scored(alice.namespace, "flat", backbone, 0.5, suite=suite, status="pending")
    client.force_login(moderator)
    body = client.get("/review/").content.decode()
    assert "no better than baseline" in body and "+0.0000" in body
