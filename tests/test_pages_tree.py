"""The delta page's module tree: backbone modules from its weights, the delta's modules highlighted."""

import pytest
import torch

from tests.conftest import api_client_for
from tests.factories import store_backbone_weights
from tests.trees import labels
from tests.uploads import push, safetensors_bytes

pytestmark = pytest.mark.django_db


def test_delta_page_highlights_the_modules_the_delta_changes(client, alice, backbone):
    layers = {
        f"encoder.layer.{i}.attention.self.{p}.weight": torch.zeros(1) for i in range(2) for p in ("query", "value")
    }
    store_backbone_weights(backbone, {"embeddings.word_embeddings.weight": torch.zeros(1), **layers})
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
