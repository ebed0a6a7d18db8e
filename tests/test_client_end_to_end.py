"""The `deltacenter` client against a real running hub (live server, real S3, real PEFT)."""

import pytest
import torch

from deltacenter import BackboneMismatchError, DeltaCenter, from_finetuned, push_to_hub
from deltacenter.formats import save_bitfit
from hub.accounts.tokens import create_token
from tests.models import sample_inputs, tiny_bert, tiny_bitfit_tuned, tiny_lora

pytestmark = pytest.mark.django_db(transaction=True)


def _logits(model):
    with torch.no_grad():
        return model(**sample_inputs()).logits


def test_push_find_and_pull_gives_bit_identical_outputs(hub_env):
    trained = tiny_lora(tiny_bert(seed=0))
    expected = _logits(trained)
    result = push_to_hub(
        trained,
        "alice/tiny-lora",
        task="sentiment",
        datasets=["rotten-tomatoes"],
        metrics={"accuracy": 0.5},
        tags=["test"],
        license="mit",
    )
    assert result.created and result.number == 1

    found = list(DeltaCenter().list(backbone=None, delta_type="lora", dataset="rotten-tomatoes"))
    assert [d["id"] for d in found] == ["alice/tiny-lora"]

    pulled = from_finetuned("alice/tiny-lora", tiny_bert(seed=0))
    assert torch.equal(_logits(pulled), expected)


def test_an_identical_repush_sends_zero_bytes(hub_env):
    trained = tiny_lora(tiny_bert(seed=0))
    first = push_to_hub(trained, "alice/tiny-lora", task="sentiment")
    again = push_to_hub(trained, "alice/tiny-lora", task="sentiment")
    assert again.bytes_uploaded == 0 and not again.created and again.commit_id == first.commit_id
    assert len(DeltaCenter().versions("alice/tiny-lora")) == 1


def test_pulling_onto_another_backbone_is_refused(hub_env):
    push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/tiny-lora")
    with pytest.raises(BackboneMismatchError, match="hashes to"):
        from_finetuned("alice/tiny-lora", tiny_bert(seed=7))


def test_the_cache_serves_a_pulled_delta_offline(hub_env, monkeypatch):
    trained = tiny_lora(tiny_bert(seed=0))
    push_to_hub(trained, "alice/tiny-lora")
    from_finetuned("alice/tiny-lora", tiny_bert(seed=0))
    monkeypatch.setenv("DELTACENTER_OFFLINE", "1")
    assert torch.equal(_logits(from_finetuned("alice/tiny-lora", tiny_bert(seed=0))), _logits(trained))


def test_a_bitfit_delta_round_trips(hub_env, tmp_path):
    tuned = tiny_bitfit_tuned()
    directory = save_bitfit(tuned, tmp_path / "bitfit")
    original = tiny_bert(seed=0)
    push_to_hub(directory, "alice/tiny-bitfit", backbone=original, task="sentiment")
    assert DeltaCenter().info("alice/tiny-bitfit")["delta_type"] == "bitfit"
    pulled = from_finetuned("alice/tiny-bitfit", tiny_bert(seed=0))
    assert torch.equal(_logits(pulled), _logits(tuned))


def test_an_outsider_sees_nothing_of_a_private_delta(hub_env, bob, live_server):
    import requests

    push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/secret-lora", private=True)
    owner = DeltaCenter()
    assert owner.info("alice/secret-lora")["private"] is True
    _, bob_secret = create_token(bob, "bob", ["write"])
    outsider = {"Authorization": f"Bearer {bob_secret}"}
    backbone_hash = owner.info("alice/secret-lora")["backbone"]["content_hash"]
    for path in (
        "api/deltas/alice/secret-lora",
        "api/deltas/alice/secret-lora/versions",
        "api/deltas/alice/secret-lora/revision/main",
        "alice/secret-lora/resolve/main/adapter_config.json",
    ):
        for headers in (outsider, {}):
            response = requests.get(f"{live_server.url}/{path}", headers=headers, allow_redirects=False, timeout=30)
            assert response.status_code == 404, path
    like = requests.post(f"{live_server.url}/api/deltas/alice/secret-lora/like", headers=outsider, timeout=30)
    assert like.status_code == 404
    listing = requests.get(f"{live_server.url}/api/deltas?q=secret", headers=outsider, timeout=30).json()
    assert listing["results"] == []
    # Its backbone, used by this private delta alone, is as private as the delta.
    backbone = requests.get(f"{live_server.url}/api/backbones/{backbone_hash}", headers=outsider, timeout=30)
    assert backbone.status_code == 404
    listed = requests.get(f"{live_server.url}/api/backbones", headers=outsider, timeout=30).json()
    assert backbone_hash not in {b["content_hash"] for b in listed}


def test_listing_follows_the_cursor_across_pages(hub_env):
    for seed in range(3):
        push_to_hub(tiny_lora(tiny_bert(seed=0), seed=seed + 10), f"alice/paged-{seed}", task="paging")
    found = [d["id"] for d in DeltaCenter().list(limit=10, page_size=2, task="paging")]
    assert sorted(found) == ["alice/paged-0", "alice/paged-1", "alice/paged-2"]
    assert len(list(DeltaCenter().list(limit=2, page_size=2, task="paging"))) == 2


def test_download_returns_the_directory_of_the_version(hub_env):
    push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/tiny-lora")
    directory = DeltaCenter().download("alice/tiny-lora")
    assert sorted(p.name for p in directory.iterdir()) == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
    ]


def test_a_sharded_checkpoint_directory_is_pushed_as_it_is(hub_env, tmp_path):
    from deltacenter import push_backbone
    from deltacenter.backbone_hash import backbone_hash
    from deltacenter.push import save_backbone
    from hub.deltas.models import Backbone
    from tests.models import tiny_llama

    model = tiny_llama(dtype=torch.float16)
    save_backbone(model, tmp_path / "checkpoint", max_shard_size="20KB")
    (tmp_path / "checkpoint" / "notes.txt").write_text("not part of the checkpoint")
    content_hash = push_backbone(tmp_path / "checkpoint", "tiny-llama-fp16")
    assert content_hash == backbone_hash(model)
    backbone = Backbone.objects.get(content_hash=content_hash)
    expected = {p.name for p in (tmp_path / "checkpoint").iterdir()} - {"notes.txt"}
    assert {f.path for f in backbone.files.all()} == expected and backbone.dtype == "F16"
    # Pushed again unsharded, the checkpoint replaces the shards rather than joining them.
    save_backbone(model, tmp_path / "whole")
    push_backbone(tmp_path / "whole", "tiny-llama-fp16")
    assert {f.path for f in backbone.files.all()} == {p.name for p in (tmp_path / "whole").iterdir()}
