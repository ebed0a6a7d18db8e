"""Read endpoints: delta info with validation and verified metrics, jobs, backbones, schema."""

import pytest

from hub.deltas.models import DeltaVersion
from hub.evaluation.models import EvalResult, EvalSuite, LeaderboardEntry, ValidationJob
from tests.conftest import api_client_for
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db


@pytest.fixture
def validated_version(alice, backbone):
    push(api_client_for(alice), "alice/tiny-lora", lora_files(), backbone, claimed_metrics={"accuracy": 0.9})
    version = DeltaVersion.objects.get()
    job = ValidationJob.objects.create(version=version, status="scored", stage="done", device="cpu")
    suite = EvalSuite.objects.create(
        name="rotten-tomatoes",
        version="1",
        task="sentiment",
        metric="accuracy",
        dataset_sha256="a" * 64,
        input_fields=["text"],
        label_names=["neg", "pos"],
    )
    result = EvalResult.objects.create(
        version=version,
        suite=suite,
        job=job,
        metrics={"accuracy": 0.8},
        score=0.8,
        num_examples=100,
        seed=0,
        duration_seconds=1.5,
        device="cpu",
        claimed_score=0.9,
        differs_from_claim=True,
    )
    LeaderboardEntry.objects.create(result=result)
    return version, job


def test_delta_info_shows_validation_and_verified_metrics(validated_version, client):
    version, job = validated_version
    body = client.get("/api/deltas/alice/tiny-lora").json()
    assert body["latest"]["commit_id"] == version.commit_id
    assert body["latest"]["claimed_metrics"] == {"accuracy": 0.9}
    assert body["validation"]["status"] == "scored" and body["validation"]["id"] == job.pk
    [verified] = body["verified_metrics"]
    assert verified["suite"] == "rotten-tomatoes" and verified["score"] == 0.8
    assert verified["differs_from_claim"] is True and verified["review"] == "pending"


def test_a_job_is_visible_exactly_when_its_delta_is(validated_version, alice, bob, client):
    version, job = validated_version
    assert client.get(f"/api/jobs/{job.pk}").json()["status"] == "scored"
    version.delta.private = True
    version.delta.save()
    assert client.get(f"/api/jobs/{job.pk}").status_code == 404
    assert api_client_for(bob).get(f"/api/jobs/{job.pk}").status_code == 404
    assert api_client_for(alice).get(f"/api/jobs/{job.pk}").status_code == 200


def test_backbones_list_counts_only_visible_deltas(alice, backbone, client):
    push(api_client_for(alice), "alice/open", lora_files(), backbone)
    push(api_client_for(alice), "alice/hidden", lora_files(values=(9.0, 8.0)), backbone, private=True)
    [listed] = client.get("/api/backbones").json()
    assert listed["content_hash"] == backbone.content_hash and listed["delta_count"] == 1
    assert api_client_for(alice).get("/api/backbones").json()[0]["delta_count"] == 2


def test_filters_and_sorts_of_the_listing(alice, backbone, client):
    push(
        api_client_for(alice),
        "alice/sst",
        lora_files(),
        backbone,
        task="sentiment",
        tags=["small"],
        train_datasets=["sst2"],
    )
    push(
        api_client_for(alice),
        "alice/news",
        lora_files(values=(3.0, 1.0)),
        backbone,
        task="topic",
        delta_type="bitfit",
        card="Trained on BBC news articles.",
        license="mit",
        test_datasets=["bbc"],
    )
    ids = lambda query: [d["id"] for d in client.get(f"/api/deltas?{query}").json()["results"]]  # noqa: E731
    assert ids("task=sentiment") == ["alice/sst"]
    assert ids("delta_type=bitfit") == ["alice/news"]
    assert ids("tag=small") == ["alice/sst"]
    assert ids("dataset=sst2") == ["alice/sst"]
    assert ids("q=bbc") == ["alice/news"]
    assert ids(f"backbone={backbone.content_hash}") == ["alice/news", "alice/sst"]
    assert ids("backbone=tiny-bert&author=alice&sort=likes") == ["alice/news", "alice/sst"]
    assert ids("validation=scored") == []
    # Task and licence in any case; a dataset in either list; several types at once; unknown names match nothing.
    assert ids("task=SENTIMENT") == ["alice/sst"]
    assert ids("license=MIT") == ["alice/news"]
    assert ids("dataset=bbc") == ["alice/news"]
    assert ids("delta_type=bitfit&delta_type=lora") == ["alice/news", "alice/sst"]
    assert ids("author=nobody") == ids("backbone=no-such-backbone") == []
    # A name's start is matched literally: "_" is no wildcard.
    assert ids("q=s_t") == [] and ids("q=ss") == ["alice/sst"]


def test_listing_pages_with_a_cursor(alice, backbone, client):
    for i in range(3):
        push(api_client_for(alice), f"alice/d{i}", lora_files(values=(float(i), 0.0)), backbone)
    first = client.get("/api/deltas?limit=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/deltas" in paths and "/api/deltas/{namespace}/{name}/commit" in paths
    assert client.get("/api/docs").status_code == 200


def test_the_listing_query_count_does_not_grow_with_the_page(alice, backbone, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.deltas.models import Delta

    def queries_for(count):
        Delta.objects.all().delete()
        Delta.objects.bulk_create(
            Delta(namespace=alice.namespace, name=f"d{i}", delta_type="lora", backbone=backbone) for i in range(count)
        )
        with CaptureQueriesContext(connection) as captured:
            assert len(client.get("/api/deltas?limit=50").json()["results"]) == count
        return len(captured)

    assert queries_for(2) == queries_for(12)


def test_listed_deltas_serialise_as_the_summary_serializer_does(alice, backbone, settings):
    from hub.api.serializers import DeltaSummarySerializer, ListedDeltaSerializer
    from hub.deltas.listing import NO_FILTERS, list_deltas
    from tests.factories import make_delta

    plain = make_delta(alice.namespace, "plain", backbone)
    full = make_delta(
        alice.namespace,
        "full",
        backbone,
        task="sentiment",
        tags=["a", "b"],
        train_datasets=["sst2"],
        test_datasets=["imdb"],
        license="mit",
        private=True,
        likes_count=3,
        downloads_count=7,
        validation_state="scored",
        verified_score=0.75,
        verified_metric="accuracy",
        verified_rank=0.75,
    )
    unbound = make_delta(alice.namespace, "unbound", None, base_model_name="some/model", backbone_binding="unresolved")
    rows = {row.name: row for row in list_deltas(alice, NO_FILTERS, "recent").rows}
    for time_zone in ("UTC", "Europe/Paris"):
        settings.TIME_ZONE = time_zone
        for delta in (plain, full, unbound):
            assert ListedDeltaSerializer(rows[delta.name]).data == DeltaSummarySerializer(delta).data
