"""Facet counts: kept exact by the database through every change, and never counting what a viewer cannot see."""

from collections import Counter

import pgtrigger
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from hub.accounts.models import Membership
from hub.accounts.namespaces import create_organization
from hub.deltas.counting import Count
from hub.deltas.facets import FACETS
from hub.deltas.listing import count_facets, parse_filters
from hub.deltas.models import Delta, FacetCount
from hub.evaluation.jobs import refresh_delta_validation
from hub.evaluation.models import ValidationJob
from tests.conftest import api_client_for
from tests.factories import make_delta, make_entry, make_suite, make_version
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db

# What each declared facet counts of a delta, written out plainly to check the triggers' SQL against.
FACET_VALUES = {
    "backbone": lambda d: [str(d.backbone_id)],
    "delta_type": lambda d: [d.delta_type],
    "task": lambda d: [d.task],
    "dataset": lambda d: d.train_datasets + d.test_datasets,
    "tag": lambda d: d.tags,
    "license": lambda d: [d.license],
    "validation": lambda d: [d.validation_state],
}


def recounted():
    """(scope, facet, value) -> n, counted in Python from the deltas themselves."""
    counts = Counter()
    for delta in Delta.objects.filter(deleted_at__isnull=True):
        scope = delta.namespace_id if delta.private else 0
        counts[(scope, "", "")] += 1
        for param, values in FACET_VALUES.items():
            for value in {v for v in values(delta) if v}:
                counts[(scope, param, value)] += 1
    return counts


def kept():
    return Counter({(c.scope, c.facet, c.value): c.n for c in FacetCount.objects.filter(n__gt=0)})


def counts_for(user, query=""):
    from django.http import QueryDict

    return count_facets(user, parse_filters(QueryDict(query)))


def api_counts(client, query=""):
    body = client.get(f"/api/deltas/facets?{query}").json()
    facets = {f["param"]: {v["value"]: v["count"]["count"] for v in f["values"]} for f in body["facets"]}
    return body["total"]["count"], facets


def test_the_facet_list_and_its_plain_description_agree():
    assert [f.param for f in FACETS] == list(FACET_VALUES)


def test_counts_follow_pushes_deletes_visibility_and_validation(alice, bob, backbone, client):
    writer = api_client_for(alice)
    push(writer, "alice/sst", lora_files(), backbone, task="sentiment", tags=["english", "small"])
    push(writer, "alice/news", lora_files((1.0, 2.0)), backbone, task="topics", train_datasets=["bbc"])
    assert kept() == recounted()
    assert api_counts(client) == (
        2,
        {
            "backbone": {backbone.content_hash: 2},
            "delta_type": {"lora": 2},
            "task": {"sentiment": 1, "topics": 1},
            "dataset": {"bbc": 1},
            "tag": {"english": 1, "small": 1},
            "license": {},
            "validation": {"queued": 2},  # each push queued a validation no worker has taken yet
        },
    )

    # A new version that changes the metadata moves the counts.
    push(writer, "alice/sst", lora_files((3.0, 4.0)), backbone, task="nli", tags=["small"], license="mit")
    assert kept() == recounted()
    facets = api_counts(client)[1]
    assert facets["task"] == {"nli": 1, "topics": 1} and facets["tag"] == {"small": 1}

    # Made private: gone from everyone's counts but its owner's.
    push(writer, "alice/news", lora_files((5.0, 6.0)), backbone, private=True)
    assert kept() == recounted()
    assert api_counts(client)[0] == 1 and api_counts(api_client_for(bob))[0] == 1
    owner_total, owner_facets = api_counts(writer)
    assert owner_total == 2 and owner_facets["dataset"] == {"bbc": 1}

    # A validation result.
    sst = Delta.objects.get(name="sst")
    version = make_version(sst, number=3)
    ValidationJob.objects.create(version=version, status=ValidationJob.Status.SCORED, stage="done")
    make_entry(version, make_suite(), score=0.8)
    refresh_delta_validation(sst)
    assert kept() == recounted()
    assert api_counts(client)[1]["validation"] == {"scored": 1}

    # Deleted.
    assert writer.delete("/api/deltas/alice/sst").status_code == 204
    assert kept() == recounted()
    assert api_counts(client)[0] == 0 and api_counts(writer)[0] == 1


def test_counts_follow_bulk_writes_of_any_writer(alice, bob, backbone):
    Delta.objects.bulk_create(
        Delta(namespace=(alice, bob)[i % 2].namespace, name=f"d{i}", delta_type="lora", backbone=backbone, tags=["x"])
        for i in range(40)
    )
    Delta.objects.filter(namespace=alice.namespace).update(private=True, task="qa")
    Delta.objects.filter(name__in=["d1", "d3"]).delete()
    assert kept() == recounted()


def test_recounting_repairs_what_was_written_without_the_triggers(alice, backbone):
    make_delta(alice.namespace, "counted", backbone, task="qa")
    with pgtrigger.ignore("deltas.Delta:facet_counts_insert"):
        make_delta(alice.namespace, "missed", backbone, task="ner", private=True)
    assert kept() != recounted()
    call_command("recount_facets")  # the same count the migration fills the table with
    assert kept() == recounted()


def test_a_delta_listing_a_value_twice_counts_once(alice, backbone):
    make_delta(alice.namespace, "twice", backbone, train_datasets=["sst2"], test_datasets=["sst2"], tags=["a", "a"])
    facets = counts_for(alice).facets
    assert [(v.value, v.count) for v in facets["dataset"]] == [("sst2", Count(1, True))]
    assert [(v.value, v.count) for v in facets["tag"]] == [("a", Count(1, True))]


def test_private_deltas_count_only_for_who_may_see_them(django_user_model, alice, bob, carol, backbone):
    lab = create_organization("lab", alice)
    Membership.objects.create(organization=lab, user=bob, role=Membership.Role.READ)
    admin = django_user_model.objects.create_superuser("root", password="correct horse battery")
    make_delta(alice.namespace, "open", backbone, task="qa")
    make_delta(alice.namespace, "mine", backbone, task="secret-task", private=True)
    make_delta(lab.namespace, "ours", backbone, task="lab-task", private=True)
    for user, total, tasks in (
        (AnonymousUser(), 1, {"qa"}),
        (carol, 1, {"qa"}),
        (bob, 2, {"qa", "lab-task"}),
        (alice, 3, {"qa", "secret-task", "lab-task"}),
        (admin, 3, {"qa", "secret-task", "lab-task"}),
    ):
        for counts in (counts_for(user), counts_for(user, "backbone=tiny-bert")):  # kept and counted ones
            assert counts.total == Count(total, True), user
            assert {v.value for v in counts.facets["task"]} == tasks, user


def test_a_filtered_listing_counts_exactly_up_to_the_limit_then_shows_a_lower_bound(alice, backbone, monkeypatch):
    monkeypatch.setattr("hub.deltas.counting.COUNT_LIMIT", 5)
    for i in range(7):
        make_delta(alice.namespace, f"qa{i}", backbone, task="qa", tags=["x"] if i < 2 else [])
    for i in range(4):
        make_delta(alice.namespace, f"ner{i}", backbone, task="ner")
    ner = counts_for(AnonymousUser(), "task=ner")
    assert ner.total == Count(4, True) and str(ner.total) == "4"
    qa = counts_for(AnonymousUser(), "task=qa")
    assert qa.total == Count(5, False) and str(qa.total) == "5+"
    # Every count is a lower bound then: never above the truth (7 qa deltas, 2 tagged x).
    assert qa.count_of("task", "qa") == Count(5, False)
    assert qa.count_of("tag", "x").n <= 2 and not qa.count_of("tag", "x").exact


def test_a_search_counts_each_match_once_whether_by_its_words_its_name_or_both(alice, backbone, monkeypatch):
    from hub.deltas.search import refresh_search_vector

    monkeypatch.setattr("hub.deltas.counting.COUNT_LIMIT", 5)

    def delta(name, card="", task="qa"):
        refresh_search_vector(make_delta(alice.namespace, name, backbone, card=card, task=task))

    delta("mov-a")  # its words and its name's start
    delta("mov-b", task="ner")
    delta("other", card="A mov of a delta.")  # its words only
    delta("movie-x")  # its name's start only
    delta("unrelated")
    mov = counts_for(AnonymousUser(), "q=mov")
    assert mov.total == Count(4, True)
    assert mov.count_of("task", "qa") == Count(3, True) and mov.count_of("task", "ner") == Count(1, True)
    delta("movie-y")
    delta("movie-z")
    assert counts_for(AnonymousUser(), "q=mov").total == Count(5, False)


def test_the_most_frequent_values_are_kept_when_private_ones_join_them(alice, bob, backbone, monkeypatch):
    monkeypatch.setattr("hub.deltas.counting.FACET_VALUES", 2)
    for task, public, private in (("a", 3, 0), ("b", 2, 0), ("c", 1, 3)):
        for i in range(public):
            make_delta(bob.namespace, f"{task}{i}", backbone, task=task)
        for i in range(private):
            make_delta(alice.namespace, f"{task}p{i}", backbone, task=task, private=True)
    assert [(v.value, v.count.n) for v in counts_for(AnonymousUser()).facets["task"]] == [("a", 3), ("b", 2)]
    assert [(v.value, v.count.n) for v in counts_for(alice).facets["task"]] == [("c", 4), ("a", 3)]
