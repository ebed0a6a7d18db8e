"""Task families from what a delta declares, and BitFit deltas that carry their head."""

import json

import pytest
import torch

from deltacenter.errors import DeltaCenterError
from deltacenter.families import declared_family, task_type_of_model
from deltacenter.formats import apply_bitfit, save_bitfit
from tests.models import sample_inputs, tiny_bert, tiny_bert_tagger, tiny_bitfit_tuned, tiny_gpt2, tiny_t5


@pytest.mark.parametrize(
    "name, config, family",
    [
        ("adapter_config.json", {"peft_type": "LORA", "task_type": "CAUSAL_LM"}, "causal-lm"),
        ("adapter_config.json", {"peft_type": "LORA", "task_type": "SEQ_2_SEQ_LM"}, "seq2seq-lm"),
        ("adapter_config.json", {"peft_type": "LORA", "task_type": None}, "feature-extraction"),
        ("delta_config.json", {"delta_type": "bitfit", "task_type": "TOKEN_CLS"}, "token-classification"),
        ("delta_config.json", {"delta_type": "bitfit", "family": "sequence-classification"}, "sequence-classification"),
        ("delta_config.json", {"delta_type": "bitfit"}, "feature-extraction"),
    ],
)
def test_the_family_is_what_the_delta_declares(tmp_path, name, config, family):
    (tmp_path / name).write_text(json.dumps(config))
    assert declared_family(tmp_path) == family


@pytest.mark.parametrize("config", [{"task_type": "TRANSLATE"}, {"family": "vision"}])
def test_an_unknown_declaration_is_refused_by_name(tmp_path, config):
    (tmp_path / "delta_config.json").write_text(json.dumps(config))
    with pytest.raises(DeltaCenterError, match="unknown"):
        declared_family(tmp_path)


def test_the_task_type_of_a_model_follows_its_class():
    assert [task_type_of_model(m) for m in (tiny_bert(), tiny_bert(head=False), tiny_gpt2(), tiny_t5())] == [
        "SEQ_CLS",
        "FEATURE_EXTRACTION",
        "CAUSAL_LM",
        "SEQ_2_SEQ_LM",
    ]
    assert task_type_of_model(tiny_bert_tagger(3)) == "TOKEN_CLS"


def test_a_bitfit_delta_carries_its_head_and_applies_whole(tmp_path):
    tuned = tiny_bitfit_tuned()
    with torch.no_grad():
        tuned.classifier.weight.add_(0.5)  # the head is trained too
    directory = save_bitfit(tuned, tmp_path / "bitfit")
    config = json.loads((directory / "delta_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS" and config["head"] == "head.safetensors"
    applied = apply_bitfit(tiny_bert(seed=0), directory)
    with torch.no_grad():
        assert torch.equal(applied(**sample_inputs()).logits, tuned(**sample_inputs()).logits)


def test_a_language_model_bitfit_saves_no_head(tmp_path):
    directory = save_bitfit(tiny_gpt2(), tmp_path / "bitfit")
    assert json.loads((directory / "delta_config.json").read_text())["task_type"] == "CAUSAL_LM"
    assert not (directory / "head.safetensors").exists()
