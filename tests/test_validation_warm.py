"""The evaluator's handler on real tiny backbones, without a worker: warm swaps within a family, the memory
budget, and the stored dtype."""

import pytest
import torch

from deltacenter.backbone_hash import backbone_hash
from deltacenter.push import save_backbone
from hub.evaluation.catalogue import REGISTRY, evaluator_suite
from tests.models import lora, tiny_gpt2, tiny_llama, tiny_t5
from workers.validation.backbones import BackboneCache
from workers.validation.child import answer

FAMILIES = {
    "causal-lm": (tiny_gpt2, "CAUSAL_LM", ["c_attn"], "bbc-news-perplexity"),
    "seq2seq-lm": (tiny_t5, "SEQ_2_SEQ_LM", ["q", "v"], "rotten-tomatoes-sentiment-choice"),
}


def _evaluate(cache, backbone_dir, content_hash, family, delta_dir, suites):
    events = []
    request = {
        "kind": "evaluate",
        "device": "cpu",
        "delta_dir": str(delta_dir),
        "backbone_hash": content_hash,
        "backbone_dir": str(backbone_dir),
        "family": family,
        "num_labels": None,
        "suites": suites,
    }
    answer(request, cache, lambda **event: events.append(event))
    return events


@pytest.mark.parametrize("family", FAMILIES)
def test_one_warm_backbone_serves_the_loras_of_its_family_in_turn(tmp_path, family):
    build, task_type, targets, suite = FAMILIES[family]
    backbone = build()
    content_hash = backbone_hash(backbone)
    save_backbone(backbone, tmp_path / "backbone")
    for seed in (1, 2):
        lora(build(), task_type, targets, seed=seed).save_pretrained(tmp_path / f"lora-{seed}")
    cache, spec = BackboneCache(budget_bytes=10**9), evaluator_suite(REGISTRY[suite], tmp_path, size=3)
    scores = []
    for seed in (1, 2, 1):
        events = _evaluate(cache, tmp_path / "backbone", content_hash, family, tmp_path / f"lora-{seed}", [spec])
        assert events[-1] == {"done": True}, events[-1]
        scores.append(next(e["outcome"]["score"] for e in events if "outcome" in e))
        [warm] = cache._loaded.values()
        assert backbone_hash(warm.model) == content_hash  # the delta came off again
    assert cache.loads == 1 and scores[0] == scores[2]
    if family == "causal-lm":  # bits per byte is continuous: another LoRA moves it
        assert scores[1] != scores[0]


def test_a_backbone_over_the_memory_budget_is_refused_with_a_reason(tmp_path):
    backbone = tiny_llama()
    save_backbone(backbone, tmp_path / "backbone")
    lora(tiny_llama(), "CAUSAL_LM", ["q_proj"]).save_pretrained(tmp_path / "lora")
    cache = BackboneCache(budget_bytes=10_000)
    events = _evaluate(cache, tmp_path / "backbone", backbone_hash(backbone), "causal-lm", tmp_path / "lora", [])
    assert events[-1]["unavailable"]["code"] == "backbone_too_large"
    assert "MiB" in events[-1]["unavailable"]["message"] and cache.loads == 0


def test_a_bf16_backbone_is_loaded_and_run_in_bf16(tmp_path):
    backbone = tiny_llama(dtype=torch.bfloat16)
    save_backbone(backbone, tmp_path / "backbone", max_shard_size="20KB")
    lora(tiny_llama(), "CAUSAL_LM", ["q_proj"]).save_pretrained(tmp_path / "lora")
    cache = BackboneCache(budget_bytes=10**9)
    spec = evaluator_suite(REGISTRY["bbc-news-perplexity"], tmp_path, size=2)
    events = _evaluate(cache, tmp_path / "backbone", backbone_hash(backbone), "causal-lm", tmp_path / "lora", [spec])
    assert events[-1] == {"done": True}, events[-1]
    [warm] = cache._loaded.values()
    assert warm.model.dtype == torch.bfloat16
    assert next(e["runtime"] for e in events if "runtime" in e)["software"]["dtype"] == "bfloat16"
