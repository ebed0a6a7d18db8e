"""The delta page's module tree: backbone modules from its weights, the delta's modules highlighted."""

import hashlib

import pytest

from hub.core import objectstore
from hub.deltas.models import BackboneFile, StoredObject
from tests.conftest import api_client_for
from tests.trees import labels
from tests.uploads import push, safetensors_bytes

pytestmark = pytest.mark.django_db


def _store_backbone_weights(backbone, tensors):
    data = safetensors_bytes(tensors)
    sha = hashlib.sha256(data).hexdigest()
    obj = StoredObject.objects.create(sha256=sha, size=len(data))
    objectstore.client().put_object(Bucket=objectstore.bucket(), Key=obj.key, Body=data)
    BackboneFile.objects.create(backbone=backbone, path="model.safetensors", object=obj)


def test_delta_page_highlights_the_modules_the_delta_changes(client, alice, backbone):
    layers = {f"encoder.layer.{i}.attention.self.{p}.weight": [0.0] for i in range(2) for p in ("query", "value")}
    _store_backbone_weights(backbone, {"embeddings.word_embeddings.weight": [0.0], **layers})
    files = {
        "adapter_model.safetensors": safetensors_bytes(
            {
                f"base_model.model.encoder.layer.{i}.attention.self.query.lora_{ab}.weight": [0.1]
                for i in range(2)
                for ab in "AB"
            }
        ),
    }
    assert push(api_client_for(alice), "alice/tree-lora", files, backbone).status_code == 201
    response = client.get("/alice/tree-lora")
    tree = labels(response.context["tree"])
    assert "    0–1 x2" in tree and "          query*" in tree and "          value" in tree
    assert "<mark>query</mark>" in response.content.decode()
