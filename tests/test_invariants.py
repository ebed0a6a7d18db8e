"""Invariants the database itself holds: names unique in any letter case, sha256 columns, concurrent first pushes."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from hub.deltas.models import Backbone, Delta, StoredObject
from hub.deltas.signals import version_committed
from tests.conftest import api_client_for
from tests.factories import make_delta
from tests.uploads import declare, lora_files, push, put_planned

BAD_SHA256 = ["A" * 64, "a" * 63, "a" * 63 + "\n", "g" * 64, " " + "a" * 63]


@pytest.mark.django_db
def test_two_deltas_whose_names_differ_only_in_case_cannot_both_exist(alice, backbone):
    make_delta(alice.namespace, "Tiny-Lora", backbone)
    with pytest.raises(IntegrityError, match="unique_delta_name_ci"), transaction.atomic():
        make_delta(alice.namespace, "tiny-lora", backbone)


@pytest.mark.django_db
def test_the_same_name_in_two_namespaces_is_fine(alice, bob, backbone):
    make_delta(alice.namespace, "tiny-lora", backbone)
    make_delta(bob.namespace, "TINY-LORA", backbone)
    assert Delta.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_SHA256)
def test_the_database_refuses_a_stored_object_whose_sha256_is_not_hex(value):
    with pytest.raises(IntegrityError, match="stored_object_sha256_hex"), transaction.atomic():
        StoredObject.objects.create(sha256=value, size=1)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["content_hash", "structure_hash"])
def test_the_database_refuses_a_backbone_hash_that_is_not_hex(field):
    hashes = {"content_hash": "1" * 64, "structure_hash": "2" * 64, field: "1" * 63 + "\n"}
    with pytest.raises(IntegrityError, match=f"backbone_{field}_hex"), transaction.atomic():
        Backbone.objects.create(name="x", **hashes)


@pytest.mark.django_db
def test_a_declared_sha256_with_a_trailing_newline_is_refused_with_its_field(alice):
    declared = declare(lora_files())
    declared[1]["sha256"] += "\n"
    response = api_client_for(alice).post("/api/deltas/alice/d/upload", {"files": declared}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["field"] == "files[1].sha256"
    assert error["message"].startswith("files[1].sha256: ")


@pytest.mark.django_db
def test_a_push_to_another_letter_case_adds_a_version_to_the_same_delta(alice, backbone):
    client = api_client_for(alice)
    assert push(client, "alice/Tiny-Lora", lora_files((1.0, 2.0)), backbone).status_code == 201
    second = push(client, "alice/tiny-lora", lora_files((3.0, 4.0)), backbone)
    assert second.status_code == 201, second.content
    assert second.json()["id"] == "alice/Tiny-Lora" and second.json()["number"] == 2
    assert Delta.objects.count() == 1


def _waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_pushes_of_one_name_make_one_delta_and_no_error(alice, backbone):
    """The first commit is held open after inserting the delta; the second, for the same name in other letters,
    must wait on the unique index and then land as a second version, not fail with an IntegrityError."""
    client = api_client_for(alice)
    contents = {"alice/Race": lora_files((1.0, 2.0)), "alice/race": lora_files((3.0, 4.0))}
    bodies = {}
    for repo, files in contents.items():
        declared = declare(files)
        plan = client.post(f"/api/deltas/{repo}/upload", {"files": declared}, format="json")
        put_planned(plan.json()["files"], files)
        bodies[repo] = {"files": declared, "backbone": backbone.content_hash, "delta_type": "lora"}

    first_inside, release_first = threading.Event(), threading.Event()
    first_thread = {}

    def hold_the_first_commit_open(sender, version, **kwargs):
        if threading.get_ident() == first_thread.get("ident"):
            first_inside.set()
            release_first.wait(30)

    responses = {}

    def commit(repo):
        if repo == "alice/Race":
            first_thread["ident"] = threading.get_ident()
        try:
            responses[repo] = client.post(f"/api/deltas/{repo}/commit", bodies[repo], format="json")
        finally:
            connection.close()

    version_committed.connect(hold_the_first_commit_open)
    try:
        first = threading.Thread(target=commit, args=("alice/Race",))
        first.start()
        assert first_inside.wait(30)
        second = threading.Thread(target=commit, args=("alice/race",))
        second.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, "the second commit never waited for the first"
            time.sleep(0.05)
        release_first.set()
        first.join(30)
        second.join(30)
    finally:
        release_first.set()
        version_committed.disconnect(hold_the_first_commit_open)

    assert responses["alice/Race"].status_code == 201, responses["alice/Race"].content
    assert responses["alice/race"].status_code == 201, responses["alice/race"].content
    assert responses["alice/race"].json()["id"] == "alice/Race"
    delta = Delta.objects.get()
    assert sorted(delta.versions.values_list("number", flat=True)) == [1, 2]
