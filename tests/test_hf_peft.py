"""PEFT and transformers as their users run them, pointed at the hub with HF_ENDPOINT and HF_TOKEN only.

Each script runs in a process of its own, so huggingface_hub reads the environment as it would on a user's machine.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from deltacenter.push import push_backbone
from hub.accounts.tokens import create_token
from hub.deltas.models import Delta
from tests.models import sample_inputs, tiny_bert, tiny_lora
from tests.validation_helpers import Status, wait_for_job

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]
BASE_NAME = "tiny-org/tiny-bert"

PUSH = """
import json, sys, torch
from tests.models import sample_inputs, tiny_bert, tiny_lora
model = tiny_bert(seed=0)
model.name_or_path = model.config._name_or_path = "{base}"
peft_model = tiny_lora(model)
peft_model.push_to_hub("{repo}", private={private})
with torch.no_grad():
    print(json.dumps(peft_model(**sample_inputs()).logits.tolist()))
"""

LOAD = """
import json, os, torch
from peft import PeftModel
from huggingface_hub import snapshot_download
from tests.models import sample_inputs, tiny_bert
path = snapshot_download("{repo}")
model = PeftModel.from_pretrained(tiny_bert(seed=0), "{repo}").eval()
with torch.no_grad():
    logits = model(**sample_inputs()).logits.tolist()
print(json.dumps({{"files": sorted(os.listdir(path)), "logits": logits}}))
"""


def run_as_user(script, hub_url, token, home, **extra_env):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "HF_HOME": str(home / "hf"),
        "HF_ENDPOINT": hub_url,
        "HF_TOKEN": token,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": str(ROOT),
        **extra_env,
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def user_token(alice):
    return create_token(alice, "laptop", ["write"])[1]


def test_peft_push_to_hub_binds_by_name_validates_and_loads_back(
    celery_worker, suite, hub_env, live_server, user_token, tmp_path
):
    backbone_hash = push_backbone(tiny_bert(seed=0), BASE_NAME)
    pushed = json.loads(run_as_user(PUSH.format(base=BASE_NAME, repo="alice/x", private=False), live_server.url,
                                    user_token, tmp_path))  # fmt: skip

    delta = Delta.objects.get(name="x")
    assert delta.backbone.content_hash == backbone_hash and delta.backbone_binding == "name"
    assert delta.delta_type == "lora" and delta.base_model_name == BASE_NAME
    job = wait_for_job("alice/x")
    assert job.status == Status.FITS, job.reason  # no task declared, so no suite measures it

    loaded = json.loads(run_as_user(LOAD.format(repo="alice/x"), live_server.url, user_token, tmp_path))
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= set(loaded["files"])
    assert torch.allclose(torch.tensor(loaded["logits"]), torch.tensor(pushed), atol=1e-6)


def test_a_delta_naming_no_registered_backbone_waits_unresolved_until_bound(
    celery_worker, suite, hub_env, live_server, user_token, tmp_path
):
    run_as_user(PUSH.format(base="someone/unknown-model", repo="alice/orphan", private=True), live_server.url,
                user_token, tmp_path)  # fmt: skip
    delta = Delta.objects.get(name="orphan")
    assert delta.backbone is None and delta.backbone_binding == "unresolved" and delta.private
    job = wait_for_job("alice/orphan", states=(Status.BACKBONE_UNAVAILABLE,))
    assert job.reason_code == "backbone_unresolved"

    backbone_hash = push_backbone(tiny_bert(seed=0), "tiny-bert-again")
    from deltacenter import DeltaCenter

    DeltaCenter().bind_backbone("alice/orphan", backbone_hash)
    assert wait_for_job("alice/orphan").status == Status.FITS
    assert Delta.objects.get(name="orphan").backbone_binding == "hash"


def test_hf_download_fetches_a_whole_repository(hub_env, live_server, user_token, tmp_path):
    push_backbone(tiny_bert(seed=0), BASE_NAME)
    run_as_user(PUSH.format(base=BASE_NAME, repo="alice/cli", private=False), live_server.url, user_token, tmp_path)
    hf = str(Path(sys.executable).with_name("hf"))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf"),
           "HF_ENDPOINT": live_server.url, "HF_TOKEN": user_token}  # fmt: skip
    done = subprocess.run([hf, "download", "alice/cli", "--local-dir", str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"adapter_config.json", "adapter_model.safetensors"}


def test_sample_inputs_are_stable():
    model = tiny_lora(tiny_bert(seed=0))
    with torch.no_grad():
        first = model(**sample_inputs()).logits
        assert torch.equal(first, model(**sample_inputs()).logits)
