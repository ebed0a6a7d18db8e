"""A delta's card is its current version's README.md: pushed by any path, shown with its metadata as facts."""

from pathlib import Path

import pytest

from deltacenter import push_to_hub
from hub.deltas.models import Delta
from tests.conftest import api_client_for
from tests.models import tiny_bert, tiny_lora
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db(transaction=True)
PEFT_TEMPLATE = (Path(__file__).parent / "unit" / "peft_unfilled_card.md").read_bytes()
CARD = b"---\nlicense: mit\ndatasets: [rotten-tomatoes]\n---\n# Tiny sentiment LoRA\n\nTrained for a test.\n"


def page_of(client, repo):
    return client.get(f"/{repo}").content.decode()


def test_the_readme_a_push_holds_is_the_card_of_the_delta(client, alice, backbone):
    api = api_client_for(alice)
    assert push(api, "alice/carded", {**lora_files(), "README.md": CARD}, backbone).status_code == 201
    assert Delta.objects.get(name="carded").card == CARD.decode()
    page = page_of(client, "alice/carded")
    assert "<h1>Tiny sentiment LoRA</h1>" in page and "No model card yet" not in page
    assert "<dt>License</dt><dd>mit</dd>" in page and "<dt>Datasets</dt><dd>rotten-tomatoes</dd>" in page

    assert push(api, "alice/carded", lora_files(values=(1.0, 2.0)), backbone).status_code == 201
    assert Delta.objects.get(name="carded").card == ""  # the new version has no README
    assert "No model card yet" in page_of(client, "alice/carded")


def test_peft_template_is_not_shown_as_a_card(client, alice, backbone):
    response = push(api_client_for(alice), "alice/templated", {**lora_files(), "README.md": PEFT_TEMPLATE}, backbone)
    assert response.status_code == 201
    page = page_of(client, "alice/templated")
    assert "PEFT's model-card template with nothing filled in" in page
    assert "More Information Needed" not in page and "/home/me" not in page
    assert "<dt>Library</dt><dd>peft</dd>" in page


def test_the_client_publishes_a_card_with_the_backbone_and_how_to_load_it(hub_env, client, tmp_path):
    base = tiny_bert(seed=0)
    base.name_or_path = base.config._name_or_path = str(tmp_path / "checkpoints" / "bert")  # a local path
    lora = tiny_lora(base)
    push_to_hub(lora, "alice/client-card", task="sentiment", datasets=["rotten-tomatoes"], metrics={"accuracy": 0.75})
    card = Delta.objects.get(name="client-card").card
    assert str(tmp_path) not in card and "More Information Needed" not in card
    assert '"BertModel"' not in card and "base_model:" not in card  # registered by its class name: no name to load
    assert "base_model_hash:" in card and "from_finetuned(" in card and "| accuracy | 0.75 |" in card
    assert "num_labels: 2" in card
    page = page_of(client, "alice/client-card")
    assert "<dt>Task</dt><dd>sentiment</dd>" in page and "How to load it" in page
    assert "NUM_LABELS = 2  # the labels of the delta&#x27;s task head" in page
