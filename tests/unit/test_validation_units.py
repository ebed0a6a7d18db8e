"""The validation pieces that need no worker: metrics, static checks, tokenizing, attaching and detaching."""

import json
import struct

import pytest
import torch

from deltacenter.backbone_hash import backbone_hash
from deltacenter.formats import save_bitfit
from hub.evaluation import metrics
from tests.models import sample_inputs, tiny_bert, tiny_bitfit_tuned, tiny_lora
from tests.uploads import safetensors_bytes
from workers.validation.attach import attached
from workers.validation.backbones import BackboneCache, LoadedBackbone
from workers.validation.errors import ValidationFailed
from workers.validation.static_checks import check_delta_directory
from workers.validation.tokenizers import HashingTokenizer


def test_metrics_match_hand_computed_values():
    labels, predictions = [0, 0, 1, 1], [0, 1, 1, 1]
    assert metrics.accuracy(labels, predictions) == 0.75
    assert metrics.macro_f1(labels, predictions) == pytest.approx((2 / 3 + 0.8) / 2)
    assert metrics.matthews(labels, predictions) == pytest.approx(1 / 3**0.5)
    assert metrics.matthews([0, 1], [1, 1]) == 0.0
    assert metrics.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert metrics.compute("pearson", [1, 2], [1, 2]) == {"pearson": pytest.approx(1.0)}


def _lora_directory(tmp_path, tensors):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (tmp_path / "adapter_model.safetensors").write_bytes(safetensors_bytes(tensors))
    return tmp_path


def test_static_checks_accept_a_plausible_lora(tmp_path):
    directory = _lora_directory(tmp_path, {"x.lora_A.weight": [0.5], "x.lora_B.weight": [1.0]})
    assert list(check_delta_directory(directory, "lora")) == ["adapter_model.safetensors"]


@pytest.mark.parametrize(
    "tensors, code",
    [
        ({"x.lora_A.weight": [float("inf")], "x.lora_B.weight": [1.0]}, "non_finite_weights"),
        ({"encoder.weight": [1.0]}, "implausible_tensor_names"),
    ],
)
def test_static_checks_refuse_bad_tensors(tmp_path, tensors, code):
    with pytest.raises(ValidationFailed) as caught:
        check_delta_directory(_lora_directory(tmp_path, tensors), "lora")
    assert caught.value.code == code


def test_static_checks_refuse_a_malformed_header_and_pickles(tmp_path):
    directory = _lora_directory(tmp_path, {"x.lora_A.weight": [0.5]})
    (directory / "adapter_model.safetensors").write_bytes(struct.pack("<Q", 4) + b"{}}}")
    with pytest.raises(ValidationFailed) as caught:
        check_delta_directory(directory, "lora")
    assert caught.value.code == "invalid_safetensors"
    (directory / "adapter_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(ValidationFailed, match="can execute code"):
        check_delta_directory(directory, "lora")


def test_the_hashing_tokenizer_is_deterministic_and_within_the_vocabulary():
    tokenizer = HashingTokenizer(tiny_bert(seed=0).config)
    first = tokenizer(["A fine film.", "Dull"], max_length=8)
    assert torch.equal(first["input_ids"], tokenizer(["A fine film.", "Dull"], max_length=8)["input_ids"])
    assert first["input_ids"].max() < 99 and first["attention_mask"].tolist()[1] == [1, 1, 0, 0, 0]


def _logits(model):
    with torch.no_grad():
        return model(**sample_inputs()).logits


def test_a_lora_goes_on_and_comes_off_a_warm_backbone(tmp_path):
    tiny_lora(tiny_bert(seed=0)).save_pretrained(tmp_path)
    warm, expected = tiny_bert(seed=0), _logits(tiny_lora(tiny_bert(seed=0)))
    before_hash, before_logits = backbone_hash(warm), _logits(warm)
    for _ in range(2):
        with attached(_loaded(warm), tmp_path) as attachment:
            assert torch.allclose(_logits(attachment.model), expected) and attachment.trainable > 0
    assert backbone_hash(warm) == before_hash and torch.equal(_logits(warm), before_logits)
    assert not any("lora" in name for name, _ in warm.named_parameters())


def test_a_bitfit_delta_is_undone_after_evaluation(tmp_path):
    tuned = tiny_bitfit_tuned()
    directory = save_bitfit(tuned, tmp_path / "bitfit")
    warm = tiny_bert(seed=0)
    before, before_logits = backbone_hash(warm), _logits(warm)
    with attached(_loaded(warm), directory) as attachment:
        assert torch.allclose(_logits(attachment.model), _logits(tuned)) and not attachment.unscored
    assert backbone_hash(warm) == before and torch.equal(_logits(warm), before_logits)


def test_a_failed_attach_leaves_the_backbone_clean(tmp_path):
    tiny_lora(tiny_bert(seed=0)).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "adapter_config.json").read_text())
    (tmp_path / "adapter_config.json").write_text(json.dumps({**config, "r": 3}))
    warm = tiny_bert(seed=0)
    before = backbone_hash(warm)
    with pytest.raises(ValidationFailed) as caught, attached(_loaded(warm), tmp_path):
        pass
    assert caught.value.code == "shape_mismatch" and backbone_hash(warm) == before


def test_the_backbone_cache_keeps_the_most_recent_within_its_budget(monkeypatch):
    loads = []

    def fake_load(directory, content_hash, family, num_labels, device):
        loads.append(content_hash)
        return LoadedBackbone(content_hash, family, num_labels, None, None, 60, frozenset(), frozenset())

    monkeypatch.setattr("workers.validation.backbones.load_backbone", fake_load)
    cache = BackboneCache(budget_bytes=100)
    for content_hash in ("a", "a", "b", "b", "a"):
        cache.get(content_hash, f"/backbones/{content_hash}", "sequence-classification", 2)
    assert loads == ["a", "b", "a"]


def _loaded(model):
    return LoadedBackbone.of(model, "sequence-classification", num_labels=2)
