"""The delta code generator: its code, run on a tiny real model, trains exactly the parameters it reports."""

import pytest
import torch

from deltacenter.safetensors_header import read_header
from hub.core.errors import Invalid
from hub.deltas.peft_code import BackboneFacts, DeltaChoice, generate, share, suffixes
from tests.models import tiny_bert, tiny_gpt2, tiny_llama, trainable_count_of


def saved(model, directory):
    """The checkpoint `model` saves, as the hub knows a backbone: its tensor shapes, read from the header."""
    model.save_pretrained(str(directory))
    path = directory / "model.safetensors"
    with path.open("rb") as fileobj:
        header = read_header(fileobj, path.stat().st_size)
    return {tensor.name: list(tensor.shape) for tensor in header.tensors}


def facts(model, directory, model_class):
    shapes = saved(model, directory)
    config = model.config.to_dict()
    return BackboneFacts("org/tiny", model_class, config["model_type"], config, shapes)


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bert")
    return facts(tiny_bert(head=False), directory, "BertModel"), directory


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    directory = tmp_path_factory.mktemp("gpt2")
    # Registered by the client as its base module's class; the checkpoint is the whole language model.
    return facts(tiny_gpt2(), directory, "GPT2Model"), directory


CHOICES = [
    DeltaChoice("lora", targets=("encoder.layer.0–1.attention.self.query", "encoder.layer.0–1.attention.self.value")),
    DeltaChoice("lora", targets=("encoder",), frozen=("encoder.layer.1.intermediate",), r=4, alpha=8),
    DeltaChoice("lora", targets=("embeddings.word_embeddings", "encoder.layer.0.output.dense")),
    DeltaChoice("ia3", targets=("encoder.layer.*.attention.self.key", "encoder.layer.*.output.dense")),
    DeltaChoice("ia3", targets=("encoder",)),
    DeltaChoice("prefix", num_virtual_tokens=7),
    DeltaChoice("bitfit", targets=("encoder.layer.1",)),
    DeltaChoice("bitfit", targets=("",), frozen=("pooler",)),
]


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: f"{c.delta_type}-{'+'.join(c.targets)}")
def test_the_code_trains_exactly_the_count_it_reports_on_bert(bert, choice):
    backbone, directory = bert
    generated = generate(backbone, choice)
    assert generated.trainable_parameters > 0
    assert trainable_count_of(generated.code, directory) == generated.trainable_parameters


GPT2_CHOICES = [
    DeltaChoice("lora", targets=("transformer.h.0–1.attn.c_attn",), r=2),
    DeltaChoice("lora", targets=("transformer.h.0.mlp", "transformer.wte")),
    DeltaChoice("ia3", targets=("transformer.h.0–1.attn.c_attn", "transformer.h.0–1.mlp")),
    DeltaChoice("prefix", num_virtual_tokens=3),
    DeltaChoice("bitfit", targets=("transformer.h.0.attn",)),
]


@pytest.mark.parametrize("choice", GPT2_CHOICES, ids=lambda c: f"{c.delta_type}-{'+'.join(c.targets)}")
def test_the_code_trains_exactly_the_count_it_reports_on_gpt2_conv1d_layers(gpt2, choice):
    backbone, directory = gpt2
    generated = generate(backbone, choice)
    assert trainable_count_of(generated.code, directory) == generated.trainable_parameters


@pytest.mark.parametrize(
    ("choice", "expected_code"),
    [
        (DeltaChoice("prefix", num_virtual_tokens=4), "task_type='CAUSAL_LM'"),
        (
            DeltaChoice("lora", targets=("model.layers.0–1.self_attn",)),
            "target_modules=['k_proj', 'o_proj', 'q_proj', 'v_proj']",
        ),
    ],
    ids=["prefix", "lora"],
)
def test_a_causal_lm_with_grouped_query_attention_trains_the_count_reported(tmp_path, choice, expected_code):
    model = tiny_llama(dtype=torch.float32)
    model.config.num_key_value_heads = 1
    model = type(model)(model.config).eval()  # rebuilt: one key/value head for two query heads
    backbone = facts(model, tmp_path, "LlamaForCausalLM")
    generated = generate(backbone, choice)
    assert expected_code in generated.code
    assert trainable_count_of(generated.code, tmp_path) == generated.trainable_parameters


def test_lora_counts_r_times_in_plus_out_per_layer(bert):
    backbone, _ = bert
    generated = generate(backbone, DeltaChoice("lora", targets=("encoder.layer.0.attention.self.query",), r=4))
    assert generated.trainable_parameters == 4 * (32 + 32)
    assert "target_modules=['0.attention.self.query']" in generated.code


def test_whole_layer_families_become_short_target_names(bert):
    backbone, _ = bert
    choice = DeltaChoice(
        "lora", targets=("encoder.layer.0–1.attention.self.query", "encoder.layer.*.attention.self.value")
    )
    generated = generate(backbone, choice)
    assert "target_modules=['query', 'value']" in generated.code
    assert len(generated.modules) == 4


def test_ia3_scales_the_input_of_feed_forward_layers(bert):
    backbone, _ = bert
    generated = generate(backbone, DeltaChoice("ia3", targets=("encoder.layer.0.output.dense",)))
    assert generated.trainable_parameters == 37  # intermediate size: the input of the second MLP layer
    assert "feedforward_modules=['0.output.dense']" in generated.code


def test_prefix_tuning_with_grouped_query_attention_uses_the_key_value_width(tmp_path):
    model = tiny_llama()
    model.config.num_key_value_heads = 1
    backbone = BackboneFacts("org/tiny", "LlamaForCausalLM", "llama", model.config.to_dict(), {"x.weight": [1]})
    generated = generate(backbone, DeltaChoice("prefix", num_virtual_tokens=5))
    assert generated.trainable_parameters == 5 * 2 * 2 * 16  # tokens × layers × (key, value) × (head 16 × 1 head)


def test_the_endings_pick_out_exactly_the_chosen_modules():
    every = ["a.0.out.dense", "a.0.att.out.dense", "a.1.out.dense", "a.1.att.out.dense", "a.10.out.dense"]
    assert suffixes(["a.0.out.dense", "a.1.out.dense", "a.10.out.dense"], every) == [
        "0.out.dense",
        "1.out.dense",
        "10.out.dense",
    ]
    assert suffixes(["a.0.att.out.dense", "a.1.att.out.dense"], every) == ["att.out.dense"]
    # PEFT's feedforward test is a plain endswith: "0.out.dense" would also catch "a.10.out.dense".
    assert suffixes(["a.0.out.dense"], every, plain=True) == ["a.0.out.dense"]


def test_a_choice_without_eligible_modules_names_the_field(bert):
    backbone, _ = bert
    with pytest.raises(Invalid) as caught:
        generate(backbone, DeltaChoice("lora", targets=("embeddings.LayerNorm",)))
    assert caught.value.field == "targets"
    with pytest.raises(Invalid) as caught:
        generate(backbone, DeltaChoice("lora", targets=("encoder",), r=0))
    assert caught.value.field == "r"


def test_a_choice_over_a_large_model_is_answered_by_lookups():
    shapes = {}
    for i in range(400):
        for name in ("q_proj", "k_proj", "v_proj", "o_proj", "up_proj", "down_proj"):
            shapes[f"model.layers.{i}.{name}.weight"] = [64, 64]
    backbone = BackboneFacts("org/big", "LlamaForCausalLM", "llama", {}, shapes)
    generated = generate(backbone, DeltaChoice("lora", targets=("model.layers.0–399.q_proj", "model.layers.*.v_proj")))
    assert "target_modules=['q_proj', 'v_proj']" in generated.code
    assert generated.trainable_parameters == 800 * 8 * 128
    with pytest.raises(Invalid) as caught:
        generate(backbone, DeltaChoice("lora", targets=("*.*.*.*",) * 1000))
    assert caught.value.code == "too_broad"


def test_unknown_shapes_are_said_plainly():
    backbone = BackboneFacts("org/tiny", "BertModel", "bert", {}, {})
    with pytest.raises(Invalid) as caught:
        generate(backbone, DeltaChoice("lora", targets=("encoder",)))
    assert caught.value.code == "shapes_unknown"


def test_names_and_classes_are_written_as_literals_never_as_code():
    backbone = BackboneFacts('x"; import os; "', "os.system", "bert", {}, {"a.weight": [2, 2]})
    code = generate(backbone, DeltaChoice("lora", targets=("a",))).code
    assert 'BACKBONE = "x\\"; import os; \\""' in code
    assert "from transformers import AutoModel" in code


def test_share_prints_small_fractions_readably():
    assert share(73_728, 110_000_000) == "0.0670%"
    assert share(5, 10) == "50.0%"
    assert share(1, 0) == ""
