import copy
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from peft import IA3Config, LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification, BertModel

from deltacenter import backbone_hash as bh
from deltacenter.backbone_hash import (
    CONTENT_TAG,
    backbone_hash,
    hash_backbone,
    hash_safetensors_files,
    hash_state_dict,
    structure_hash,
)

CLIENT_DIR = str(Path(__file__).resolve().parents[2] / "client")
TINY_BERT = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37, vocab_size=99)

ONE_TENSOR_STREAM = bytes.fromhex(
    "64656c746163656e7465722d6261636b626f6e652f310a"  # tag
    "01000000" "77"  # name "w"
    "03000000" "463332"  # dtype "F32"
    "01000000" "0100000000000000"  # shape (1,)
    "0400000000000000"  # nbytes
    "0000803f"  # 1.0f
)  # fmt: skip


def two_tensors():
    return {"b": torch.tensor([1.5, -2.0]), "a": torch.arange(6).reshape(2, 3)}


def subprocess_env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([CLIENT_DIR, os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-bert")
    BertModel(TINY_BERT).save_pretrained(path)
    return path


@pytest.fixture
def tiny_bert(tiny_bert_dir):
    return BertModel.from_pretrained(tiny_bert_dir)


def test_it_matches_the_test_vectors():
    assert hash_state_dict({}).content_hash == hashlib.sha256(CONTENT_TAG).hexdigest()
    assert hash_state_dict({}).content_hash == "fa566c287db8be47f8663c6bf9065473f0a4d89879244321525a198689c6a16d"

    one = hash_state_dict({"w": torch.tensor([1.0])})
    assert one.content_hash == hashlib.sha256(ONE_TENSOR_STREAM).hexdigest()
    assert one.content_hash == "29de63ff92385e064a25ebfed924d5ed8cfaf160407a4eb5cf7db59c06810067"
    assert one.structure_hash == "65aa790a291a725901497f3a606bcb8dc7a76dca8021bb73569ee667e03ceb38"

    two = hash_state_dict(two_tensors())
    assert two.content_hash == "c9d525b11b7e59577c12762023c3a839edf2130aaa734442ca628ca1bc0a8533"
    assert two.structure_hash == "aaa410fe9a4ce0cea4946eb54de450facd6785d21e04d173c7323e1102eae27a"


def test_it_reports_counts_and_dtypes():
    hashes = hash_state_dict(two_tensors())

    assert hashes.num_tensors == 2
    assert hashes.num_parameters == 8
    assert hashes.num_bytes == 2 * 4 + 6 * 8
    assert hashes.dtypes == (("F32", 2), ("I64", 6))


def test_it_gives_same_hash_with_task_head(tiny_bert_dir, tiny_bert):
    with_head = BertForSequenceClassification.from_pretrained(tiny_bert_dir, num_labels=3)

    assert hash_backbone(with_head) == hash_backbone(tiny_bert)
    assert backbone_hash(with_head) == backbone_hash(tiny_bert)


def test_it_ignores_insertion_order():
    state = two_tensors()
    reversed_state = dict(reversed(list(state.items())))

    assert hash_state_dict(reversed_state) == hash_state_dict(state)


def test_it_changes_only_the_content_hash_when_a_value_changes():
    state = two_tensors()
    changed = {**state, "b": torch.tensor([1.5, -2.0000002])}

    assert hash_state_dict(changed).content_hash != hash_state_dict(state).content_hash
    assert hash_state_dict(changed).structure_hash == hash_state_dict(state).structure_hash


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: {"c" if k == "b" else k: v for k, v in s.items()}, id="name"),
        pytest.param(lambda s: {**s, "a": s["a"].reshape(3, 2)}, id="shape-with-same-bytes"),
        pytest.param(lambda s: {**s, "b": s["b"].view(torch.int32)}, id="dtype-with-same-bytes"),
        pytest.param(lambda s: {**s, "extra": torch.zeros(0)}, id="extra-empty-tensor"),
    ],
)
def test_it_changes_both_hashes_when_the_structure_changes(change):
    before = hash_state_dict(two_tensors())
    after = hash_state_dict(change(two_tensors()))

    assert after.content_hash != before.content_hash
    assert after.structure_hash != before.structure_hash


def test_it_gives_same_structure_hash_for_other_weights(tiny_bert):
    torch.manual_seed(1)
    other = BertModel(TINY_BERT)

    assert structure_hash(other) == structure_hash(tiny_bert)
    assert backbone_hash(other) != backbone_hash(tiny_bert)
    assert structure_hash(tiny_bert) == hash_backbone(tiny_bert).structure_hash


def test_it_counts_tied_weights_once():
    class TiedModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Embedding(5, 3)
            self.decoder = torch.nn.Linear(3, 5, bias=False)
            self.decoder.weight = self.encoder.weight

    model = TiedModel()

    hashes = hash_backbone(model)

    assert sorted(model.state_dict()) == ["decoder.weight", "encoder.weight"]
    assert hashes == hash_state_dict({"decoder.weight": model.encoder.weight.detach()})
    assert hashes.num_tensors == 1
    assert hashes.num_parameters == 15


def test_it_hashes_overlapping_views_separately():
    weight = torch.arange(6.0).reshape(2, 3)

    hashes = hash_state_dict({"weight": weight, "first_row": weight[0]})

    assert hashes.num_tensors == 2


def test_it_ignores_non_persistent_buffers():
    def model_with_buffers(scratch_value):
        model = torch.nn.Linear(2, 2)
        torch.nn.init.ones_(model.weight)
        torch.nn.init.zeros_(model.bias)
        model.register_buffer("steps", torch.tensor(3))
        model.register_buffer("scratch", torch.full((2,), scratch_value), persistent=False)
        return model

    assert backbone_hash(model_with_buffers(0.0)) == backbone_hash(model_with_buffers(1.0))
    assert hash_backbone(model_with_buffers(0.0)).num_tensors == 3


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(LoraConfig(target_modules=["query", "value"], init_lora_weights=False), id="lora"),
        pytest.param(LoraConfig(target_modules=["query", "dense"], use_dora=True, init_lora_weights=False), id="dora"),
        pytest.param(LoraConfig(target_modules=["word_embeddings"], init_lora_weights=False), id="lora-embedding"),
        pytest.param(LoraConfig(target_modules=["query"], modules_to_save=["pooler.dense"]), id="modules-to-save"),
        pytest.param(LoraConfig(target_modules=["query"], trainable_token_indices=[1, 2]), id="trainable-tokens"),
        pytest.param(IA3Config(target_modules=["key", "output.dense"], feedforward_modules=["output.dense"]), id="ia3"),
    ],
)
def test_it_gives_the_backbone_hash_for_a_peft_model(tiny_bert, config):
    expected = hash_backbone(tiny_bert)
    adapted = get_peft_model(copy.deepcopy(tiny_bert), config)
    trained = [parameter for parameter in adapted.parameters() if parameter.requires_grad]
    with torch.no_grad():
        for parameter in trained:
            parameter.normal_()  # the adapter's own values must not matter

    assert trained
    assert hash_backbone(adapted) == expected
    assert structure_hash(adapted) == expected.structure_hash


def test_it_gives_the_backbone_hash_for_a_peft_model_with_a_head(tiny_bert_dir, tiny_bert):
    with_head = BertForSequenceClassification.from_pretrained(tiny_bert_dir)

    adapted = get_peft_model(with_head, LoraConfig(task_type="SEQ_CLS", target_modules=["query"]))

    assert backbone_hash(adapted) == backbone_hash(tiny_bert)


def test_it_hashes_bfloat16_as_its_little_endian_bytes(tiny_bert, tmp_path):
    one = hash_state_dict({"w": torch.tensor([1.0], dtype=torch.bfloat16)})
    stream = CONTENT_TAG + bytes.fromhex("01000000770400000042463136010000000100000000000000")
    stream += bytes.fromhex("0200000000000000803f")
    assert one.content_hash == hashlib.sha256(stream).hexdigest()

    tiny_bert.to(torch.bfloat16).save_pretrained(tmp_path)
    hashes = hash_backbone(tiny_bert)
    assert hashes.dtypes == (("BF16", hashes.num_parameters),)
    assert hash_safetensors_files(tmp_path / "model.safetensors") == hashes


def test_it_gives_same_hash_in_another_process(tiny_bert_dir, tiny_bert):
    code = (
        "import sys; from safetensors.torch import load_file; from deltacenter.backbone_hash import hash_state_dict; "
        "print(hash_state_dict(load_file(sys.argv[1])).content_hash)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code, str(tiny_bert_dir / "model.safetensors")],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == backbone_hash(tiny_bert)


def test_it_hashes_safetensors_files_like_the_model_in_memory(tiny_bert_dir, tiny_bert):
    assert hash_safetensors_files(tiny_bert_dir / "model.safetensors") == hash_backbone(tiny_bert)


def test_it_hashes_a_checkpoint_with_a_head_under_its_backbone_prefix(tiny_bert_dir, tiny_bert, tmp_path):
    BertForSequenceClassification.from_pretrained(tiny_bert_dir).save_pretrained(tmp_path)
    checkpoint = tmp_path / "model.safetensors"

    assert hash_safetensors_files(checkpoint, prefix_to_strip="bert.") == hash_backbone(tiny_bert)
    assert hash_safetensors_files(checkpoint, prefix_to_strip="bert") == hash_backbone(tiny_bert)
    assert hash_safetensors_files(checkpoint) != hash_backbone(tiny_bert)
    with pytest.raises(ValueError, match=r"no tensor name starts with 'roberta\.'"):
        hash_safetensors_files(checkpoint, prefix_to_strip="roberta")


def test_it_hashes_sharded_files_as_one_backbone(tmp_path, monkeypatch):
    save_file({"b": two_tensors()["b"]}, tmp_path / "1.safetensors")
    save_file({"a": two_tensors()["a"]}, tmp_path / "2.safetensors")
    monkeypatch.setattr(bh, "_CHUNK_BYTES", 7)  # split every tensor over several reads

    hashes = hash_safetensors_files([tmp_path / "2.safetensors", tmp_path / "1.safetensors"])

    assert hashes == hash_state_dict(two_tensors())


def test_a_sharded_half_precision_checkpoint_hashes_like_the_same_weights_unsharded(tmp_path):
    from deltacenter.push import load_checkpoint, save_backbone
    from tests.models import tiny_llama

    model = tiny_llama(dtype=torch.bfloat16)
    save_backbone(model, tmp_path / "sharded", max_shard_size="20KB")
    save_backbone(model, tmp_path / "whole")
    shards = sorted((tmp_path / "sharded").glob("model-*-of-*.safetensors"))
    assert len(shards) > 1 and (tmp_path / "sharded" / "model.safetensors.index.json").is_file()

    from_shards = hash_safetensors_files(shards, prefix_to_strip="model")
    whole = hash_safetensors_files(tmp_path / "whole" / "model.safetensors", prefix_to_strip="model")
    loaded = load_checkpoint(tmp_path / "sharded")

    assert from_shards == whole == bh.hash_backbone(model)
    assert bh.hash_backbone(loaded) == bh.hash_backbone(model) and loaded.dtype == torch.bfloat16
    assert dict(from_shards.dtypes) == {"BF16": from_shards.num_parameters}


def test_it_rejects_a_tensor_stored_in_two_files(tmp_path):
    save_file({"w": torch.ones(1)}, tmp_path / "1.safetensors")
    save_file({"w": torch.ones(1)}, tmp_path / "2.safetensors")

    with pytest.raises(ValueError, match="'w' is stored twice"):
        hash_safetensors_files([tmp_path / "1.safetensors", tmp_path / "2.safetensors"])


def test_it_rejects_a_truncated_safetensors_file(tmp_path):
    path = tmp_path / "model.safetensors"
    save_file(two_tensors(), path)
    path.write_bytes(path.read_bytes()[:-1])

    with pytest.raises(ValueError, match="out of range"):
        hash_safetensors_files(path)


def test_it_rejects_a_file_that_is_not_safetensors(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00hello")

    with pytest.raises(ValueError, match="safetensors"):
        hash_safetensors_files(path)


def test_it_hashes_files_without_torch(tmp_path):
    path = tmp_path / "model.safetensors"
    save_file(two_tensors(), path)
    code = (
        "import sys; sys.modules['torch'] = None; "  # any `import torch` now fails
        "from deltacenter.backbone_hash import hash_safetensors_files; "
        "print(hash_safetensors_files(sys.argv[1]).content_hash)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=subprocess_env(), capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == hash_state_dict(two_tensors()).content_hash


def test_it_refuses_weights_on_the_meta_device():
    with torch.device("meta"):
        model = torch.nn.Linear(2, 2)

    with pytest.raises(ValueError, match="meta device"):
        backbone_hash(model)
