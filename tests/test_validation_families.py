"""Every task family end to end: tiny GPT-2, Llama, T5 and BERT backbones pushed with push_backbone, PEFT deltas
of each family pushed through the client, and the real worker scoring them on their family's suites."""

import math

import pytest
import torch

from deltacenter import push_backbone, push_to_hub
from hub.deltas.models import Backbone, Delta
from hub.evaluation.catalogue import REGISTRY, draw_split
from hub.evaluation.models import EvalResult, ValidationJob
from hub.evaluation.suites import install
from tests.models import lora, tiny_bert, tiny_bert_tagger, tiny_gpt2, tiny_llama, tiny_t5, word_tokenizer
from tests.validation_helpers import wait_for_job

pytestmark = pytest.mark.django_db(transaction=True)
Status = ValidationJob.Status
SIZES = {
    "bbc-news-perplexity": 3,
    "rotten-tomatoes-sentiment-choice": 6,
    "bbc-news-topic-choice": 5,
    "bbc-news-headlines": 4,
    "wnut16-ner": 8,
    "bbc-news-headline-retrieval": 6,
}
GPT2_WINDOW = 64  # the tiny GPT-2's context length: the harness cuts texts into windows of it


@pytest.fixture
def family_suites():
    return {name: install(REGISTRY[name], size=size)[0] for name, size in SIZES.items()}


def _results(job):
    return {r.suite.name: r for r in EvalResult.objects.filter(version=job.version).select_related("suite")}


def _assert_finite(results):
    for result in results.values():
        assert all(math.isfinite(v) for v in result.metrics.values()), result.metrics
        assert result.score == result.metrics[result.suite.metric]


def _gpt2_with_tokenizer():
    texts = [row[0] for name in SIZES for row in draw_split(REGISTRY[name], SIZES[name])]
    return tiny_gpt2(), word_tokenizer([*texts, "negative positive business sport technology"])


def test_a_causal_lm_lora_is_scored_on_perplexity_and_likelihood_choice(celery_worker, hub_env, family_suites, client):
    model, tokenizer = _gpt2_with_tokenizer()
    backbone = push_backbone(model, "tiny-gpt2", tokenizer=tokenizer)
    push_to_hub(lora(model, "CAUSAL_LM", ["c_attn"]), "alice/gpt2-lora", backbone=backbone, task="sentiment")
    job = wait_for_job("alice/gpt2-lora")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    assert set(results) == {"bbc-news-perplexity", "rotten-tomatoes-sentiment-choice", "bbc-news-topic-choice"}
    _assert_finite(results)
    assert results["bbc-news-perplexity"].metrics["bits_per_byte"] > 0
    delta = Delta.objects.get(name="gpt2-lora")
    # The main result is the one on the delta's own task.
    assert (delta.validation_state, delta.verified_metric) == ("scored", "accuracy")
    assert delta.verified_score == results["rotten-tomatoes-sentiment-choice"].score
    api = client.get("/api/deltas/alice/gpt2-lora").json()
    assert api["validation_state"] == "scored" and api["validation"]["status"] == "scored"
    directions = {m["suite"]: m["higher_is_better"] for m in api["verified_metrics"]}
    assert directions == {
        "bbc-news-perplexity": False,
        "rotten-tomatoes-sentiment-choice": True,
        "bbc-news-topic-choice": True,
    }
    page = client.get("/alice/gpt2-lora").content.decode()
    # The badge claims what the margin over the baseline shows, no more.
    claim = "✓ scored, beats baseline by" if delta.verified_margin > 0 else "scored, no better than baseline"
    assert claim in page and "Bits per byte (lower is better)" in page


def test_a_lora_with_zero_b_scores_what_the_bare_backbone_scores(celery_worker, hub_env, family_suites):
    model, tokenizer = _gpt2_with_tokenizer()
    bare_bpb = _reference_bits_per_byte(model, tokenizer, "bbc-news-perplexity")
    bare_accuracy = _reference_choice_accuracy(model, tokenizer, "rotten-tomatoes-sentiment-choice")
    backbone = push_backbone(model, "tiny-gpt2", tokenizer=tokenizer)
    zero = lora(model, "CAUSAL_LM", ["c_attn"], zero=True)  # PEFT starts B at zero: the delta changes nothing
    push_to_hub(zero, "alice/zero-lora", backbone=backbone, task="sentiment")
    job = wait_for_job("alice/zero-lora")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    assert results["bbc-news-perplexity"].score == pytest.approx(bare_bpb, rel=1e-5)
    assert results["rotten-tomatoes-sentiment-choice"].score == bare_accuracy
    # The worker ran each suite again with the adapter switched off: the same numbers, so no margin at all.
    perplexity, choice = results["bbc-news-perplexity"], results["rotten-tomatoes-sentiment-choice"]
    assert perplexity.backbone_score == pytest.approx(bare_bpb, rel=1e-5) and perplexity.trivial_score is None
    assert choice.backbone_score == bare_accuracy
    labels = [label for _, label in draw_split(REGISTRY["rotten-tomatoes-sentiment-choice"], SIZES[choice.suite.name])]
    majority = max(labels.count(label) for label in set(labels)) / len(labels)
    assert choice.trivial_score == majority and choice.baseline_score == max(majority, bare_accuracy)
    assert choice.margin == pytest.approx(bare_accuracy - choice.baseline_score) and choice.margin <= 0
    assert abs(perplexity.margin) < 1e-5
    delta = Delta.objects.get(name="zero-lora")
    assert delta.verified_margin == choice.margin


def _reference_bits_per_byte(model, tokenizer, suite):
    """Plain transformers, one window at a time: every token after the first (a BOS) scored once."""
    nll, text_bytes = 0.0, 0
    for (text,) in draw_split(REGISTRY[suite], SIZES[suite]):
        ids = [tokenizer.bos_token_id, *tokenizer(text, add_special_tokens=False)["input_ids"]]
        text_bytes += len(text.encode())
        for start in range(1, len(ids), GPT2_WINDOW):
            inputs = ids[start - 1 : min(start - 1 + GPT2_WINDOW, len(ids) - 1)]
            targets = torch.tensor(ids[start : start + len(inputs)])
            with torch.no_grad():
                logits = model(torch.tensor([inputs])).logits[0]
            nll -= torch.log_softmax(logits, -1)[torch.arange(len(targets)), targets].sum().item()
    return nll / math.log(2) / text_bytes


def _reference_choice_accuracy(model, tokenizer, suite):
    spec = REGISTRY[suite]
    correct = 0
    rows = draw_split(spec, SIZES[suite])
    for text, label in rows:
        context = [tokenizer.bos_token_id, *tokenizer(spec.options["template"].format(text=text))["input_ids"]]
        scores = []
        for choice in spec.options["choices"]:
            target = tokenizer(choice, add_special_tokens=False)["input_ids"]
            kept = context[-(GPT2_WINDOW - len(target)) :]
            with torch.no_grad():
                logits = model(torch.tensor([kept + target])).logits[0]
            positions = torch.arange(len(kept) - 1, len(kept) - 1 + len(target))
            scores.append(torch.log_softmax(logits, -1)[positions, torch.tensor(target)].sum().item())
        correct += max(range(len(scores)), key=scores.__getitem__) == label
    return correct / len(rows)


def test_a_seq2seq_lora_is_scored_on_headlines_and_likelihood_choice(celery_worker, hub_env, family_suites):
    model = tiny_t5()
    backbone = push_backbone(model, "tiny-t5")
    push_to_hub(lora(model, "SEQ_2_SEQ_LM", ["q", "v"]), "alice/t5-lora", backbone=backbone, task="headlines")
    job = wait_for_job("alice/t5-lora")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    assert set(results) == {"bbc-news-headlines", "rotten-tomatoes-sentiment-choice", "bbc-news-topic-choice"}
    _assert_finite(results)
    assert set(results["bbc-news-headlines"].metrics) == {"exact_match", "rouge_1", "rouge_l"}


def test_a_token_classification_lora_is_scored_on_entity_f1(celery_worker, hub_env, family_suites):
    tagger = tiny_bert_tagger(num_labels=len(REGISTRY["wnut16-ner"].label_names))
    backbone = push_backbone(tagger, "tiny-bert-tagger")
    push_to_hub(lora(tagger, "TOKEN_CLS", ["query", "value"]), "alice/ner-lora", backbone=backbone, task="ner")
    job = wait_for_job("alice/ner-lora")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    assert set(results) == {"wnut16-ner"}
    _assert_finite(results)
    assert 0 <= results["wnut16-ner"].metrics["token_accuracy"] <= 1


def test_a_feature_extraction_lora_is_scored_on_retrieval(celery_worker, backbone_hash, family_suites):
    encoder = lora(tiny_bert(seed=0, head=False), "FEATURE_EXTRACTION", ["query", "value"])
    push_to_hub(encoder, "alice/embedder", backbone=backbone_hash, task="embeddings")
    job = wait_for_job("alice/embedder")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    assert set(results) == {"bbc-news-headline-retrieval"}
    _assert_finite(results)
    assert 1 / SIZES["bbc-news-headline-retrieval"] <= results["bbc-news-headline-retrieval"].metrics["mrr"] <= 1


def test_a_delta_declaring_a_family_its_backbone_lacks_fails_with_its_reason(celery_worker, hub_env, family_suites):
    backbone = push_backbone(tiny_gpt2(), "tiny-gpt2")
    # A seq2seq LoRA, pushed against a decoder-only backbone: transformers has no seq2seq GPT-2.
    push_to_hub(lora(tiny_t5(), "SEQ_2_SEQ_LM", ["q", "v"]), "alice/misfit", backbone=backbone, task="headlines")
    job = wait_for_job("alice/misfit")
    assert (job.status, job.reason_code) == (Status.FAILED, "family_does_not_fit"), job.reason
    assert "seq2seq-lm" in job.reason and "gpt2" in job.reason
    assert Delta.objects.get(name="misfit").validation_state == "failed"


def test_a_sharded_bf16_backbone_is_pushed_loaded_and_scored_in_bf16(celery_worker, hub_env, family_suites):
    model = tiny_llama(dtype=torch.bfloat16)
    backbone = push_backbone(model, "tiny-llama-bf16", max_shard_size="20KB")
    paths = set(Backbone.objects.get(content_hash=backbone).files.values_list("path", flat=True))
    shards = {p for p in paths if p.startswith("model-0")}
    assert "model.safetensors.index.json" in paths and len(shards) > 1 and "model.safetensors" not in paths
    push_to_hub(lora(model, "CAUSAL_LM", ["q_proj", "v_proj"]), "alice/llama-lora", backbone=backbone)
    job = wait_for_job("alice/llama-lora")
    assert job.status == Status.SCORED, job.reason
    results = _results(job)
    _assert_finite(results)
    assert {r.software["dtype"] for r in results.values()} == {"bfloat16"}
    assert Backbone.objects.get(content_hash=backbone).dtype == "BF16"
