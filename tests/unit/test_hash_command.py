"""`deltacenter hash`: the content hash of a checkpoint on this machine, by directory or by cached name."""

import pytest
from huggingface_hub import constants

from deltacenter.backbone_hash import backbone_hash
from deltacenter.cli import main
from tests.models import tiny_bert

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def checkpoint(tmp_path):
    directory = tmp_path / "tiny-bert"
    tiny_bert(seed=0).save_pretrained(directory)
    return directory


def test_it_prints_the_hash_a_push_registers_for_a_directory(checkpoint, capsys):
    assert main(["hash", str(checkpoint)]) == 0
    assert capsys.readouterr().out.strip() == backbone_hash(tiny_bert(seed=0))


def test_it_finds_a_name_in_the_local_hugging_face_cache(checkpoint, tmp_path, monkeypatch, capsys):
    repo = tmp_path / "hf" / "models--tiny-org--tiny-bert"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    (repo / "snapshots").mkdir()
    checkpoint.rename(repo / "snapshots" / COMMIT)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    assert main(["hash", "tiny-org/tiny-bert"]) == 0
    assert capsys.readouterr().out.strip() == backbone_hash(tiny_bert(seed=0))


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("tiny-org/not-downloaded", "neither a directory nor a model in the local Hugging Face cache"),
        ("/no/such/checkpoint", "There is no directory /no/such/checkpoint"),
    ],
)
def test_anything_else_is_a_clear_error(argument, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    assert main(["hash", argument]) == 1
    assert message in capsys.readouterr().err


def test_a_directory_that_is_no_checkpoint_is_refused(tmp_path, capsys):
    assert main(["hash", str(tmp_path)]) == 1
    assert "has no config.json" in capsys.readouterr().err
