"""Card metadata: read safely (no aliases, no huge or deep blocks), every value checked and trimmed."""

import pytest

from deltacenter.cards import card_for_push, split_card
from deltacenter.families import SEQUENCE_CLASSIFICATION
from deltacenter.usage import DeltaFacts
from hub.deltas.cards import CardError, card_metadata, parse_front_matter

CARD = """---
base_model: sentence-transformers/all-MiniLM-L6-v2
base_model_hash: {digest}
library_name: peft
tags: [lora, sentiment]
datasets:
  - rotten-tomatoes
license: mit
model-index:
  - name: x
    results:
      - task: {{type: text-classification, name: sentiment}}
        dataset: {{name: rotten-tomatoes, type: rt}}
        metrics:
          - {{type: accuracy, value: 0.8}}
          - {{type: f1, value: .nan}}
---
# A card
"""


def test_the_card_says_what_the_delta_declares():
    card = card_metadata(CARD.format(digest="ab" * 32))
    assert card.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert card.base_model_hash == "ab" * 32
    assert (card.tags, card.datasets, card.license, card.task) == (["lora", "sentiment"], ["rotten-tomatoes"], "mit",
                                                                   "sentiment")  # fmt: skip
    assert card.claimed_metrics == {"rotten-tomatoes": {"accuracy": 0.8}}


def test_a_hash_that_is_not_a_sha256_is_ignored():
    assert card_metadata(CARD.format(digest="not-a-hash")).base_model_hash is None


@pytest.mark.parametrize(
    "front",
    ["a: &x [1]\nb: *x", "a: [", "- just\n- a list", "a: " + "[" * 5000 + "]" * 5000, "x: '" + "y" * 70_000 + "'"],
)
def test_unsafe_or_unusable_front_matter_is_refused(front):
    with pytest.raises(CardError):
        parse_front_matter(f"---\n{front}\n---\nbody")


def test_a_card_without_front_matter_has_no_metadata():
    assert parse_front_matter("# Just a title\n") == {}


def test_the_client_sets_the_backbone_in_the_card_and_keeps_the_authors_text():
    authored = "---\nbase_model: /home/me/models/minilm\nlibrary_name: peft\n---\n\n# Model Card\n\nMine.\n"
    usage = DeltaFacts("alice/x", "http://hub.test", "lora", SEQUENCE_CLASSIFICATION, "minilm")
    card = card_for_push(authored, {"base_model": "minilm", "base_model_hash": "ab" * 32, "tags": []}, usage)
    metadata, body = split_card(card)
    assert metadata == {"library_name": "peft", "base_model": "minilm", "base_model_hash": "ab" * 32}
    assert "Mine." in body and "from_finetuned" not in body
    fresh = card_for_push(None, {"base_model_hash": "cd" * 32}, usage)
    fresh_metadata, fresh_body = split_card(fresh)
    assert fresh_metadata == {"base_model_hash": "cd" * 32} and "from_finetuned" in fresh_body
