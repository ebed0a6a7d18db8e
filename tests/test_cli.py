"""The `deltacenter` command line against a live hub."""

from pathlib import Path

import pytest

from deltacenter.cli import main
from hub.accounts.tokens import create_token
from tests.models import tiny_bert, tiny_lora

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cli_env(live_server, alice, tmp_path, monkeypatch):
    _, secret = create_token(alice, "cli", ["write"])
    monkeypatch.delenv("DELTACENTER_TOKEN", raising=False)
    monkeypatch.setenv("DELTACENTER_ENDPOINT", live_server.url)
    monkeypatch.setenv("DELTACENTER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DELTACENTER_HOME", str(tmp_path / "home"))
    return secret


@pytest.fixture
def lora_dir(tmp_path):
    from deltacenter.backbone_hash import backbone_hash
    from deltacenter.push import ensure_backbone

    base = tiny_bert(seed=0)
    directory = tmp_path / "lora"
    tiny_lora(base).save_pretrained(directory)
    return directory, backbone_hash(tiny_bert(seed=0)), ensure_backbone


def test_login_saves_the_token_and_whoami_uses_it(cli_env, capsys, tmp_path):
    assert main(["login", "--token", cli_env]) == 0
    assert (tmp_path / "home" / "token").stat().st_mode & 0o777 == 0o600
    assert main(["whoami"]) == 0
    assert "alice" in capsys.readouterr().out


def test_push_ls_info_and_pull(cli_env, lora_dir, capsys, monkeypatch):
    from deltacenter import DeltaCenter

    directory, content_hash, ensure_backbone = lora_dir
    monkeypatch.setenv("DELTACENTER_TOKEN", cli_env)
    ensure_backbone(DeltaCenter(), model=tiny_bert(seed=0))
    assert (
        main(
            [
                "push",
                str(directory),
                "alice/cli-lora",
                "--backbone",
                content_hash,
                "--task",
                "sentiment",
                "--metric",
                "accuracy=0.75",
                "--tag",
                "cli",
            ]
        )
        == 0
    )
    assert "version 1" in capsys.readouterr().out
    assert main(["ls", "--tag", "cli"]) == 0
    assert "alice/cli-lora" in capsys.readouterr().out
    counts = DeltaCenter().facets(tag="cli")
    assert counts["total"] == {"count": 1, "exact": True, "display": "1"}
    assert main(["info", "alice/cli-lora"]) == 0
    assert '"accuracy": 0.75' in capsys.readouterr().out
    assert main(["pull", "alice/cli-lora"]) == 0
    pulled = capsys.readouterr().out.strip()
    pulled_bytes = Path(pulled, "adapter_model.safetensors").read_bytes()
    assert (directory / "adapter_model.safetensors").read_bytes() == pulled_bytes


def test_user_mistakes_print_an_error_not_a_traceback(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("DELTACENTER_TOKEN", cli_env)
    assert main(["info", "not-a-repo-id"]) == 1
    assert main(["info", "alice/missing"]) == 1
    assert main(["push", "/nonexistent", "alice/x", "--backbone", "0" * 64]) == 1
    err = capsys.readouterr().err
    assert "namespace/name" in err and "delta_not_found" in err and "Traceback" not in err
