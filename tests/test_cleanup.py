import secrets
from datetime import timedelta

import pytest

from hub.core import objectstore
from hub.deltas.cleanup import sweep_abandoned_uploads
from hub.deltas.models import DeltaVersion, object_key
from tests.conftest import api_client_for
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db


def _put(key):
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=key, Body=b"leftover")


def test_it_removes_abandoned_staged_uploads_but_not_stored_objects(alice, backbone):
    push(api_client_for(alice), "alice/kept", lora_files(values=(7.0, 7.5)), backbone)
    kept = [f.object.key for f in DeltaVersion.objects.get().files.all()]
    staged = f"uploads/{alice.pk}/{secrets.token_hex(8)}/{secrets.token_hex(32)}"
    uploaded_not_committed = object_key(secrets.token_hex(32))
    _put(staged)
    _put(uploaded_not_committed)

    counts = sweep_abandoned_uploads(older_than=timedelta(seconds=-60))  # everything counts as old

    assert objectstore.object_size(staged) is None and counts["staged"] >= 1
    assert objectstore.object_size(uploaded_not_committed) is not None
    assert all(objectstore.object_size(key) is not None for key in kept)


def test_it_keeps_recent_leftovers(alice):
    staged = f"uploads/{alice.pk}/{secrets.token_hex(8)}/{secrets.token_hex(32)}"
    _put(staged)
    sweep_abandoned_uploads()
    assert objectstore.object_size(staged) == len(b"leftover")
