"""The delta page's usage snippets, as a reader copies them, run against the live hub.

Each test pushes a real tiny delta, renders its page, takes each snippet's text from the HTML and runs it in a
process of its own with the variables the page says to set. The backbone of these tests is on no hub, so the
one line each Python snippet names it on (`BACKBONE = "<name>"`, deltacenter.usage) is pointed at its local
directory, as the snippet's comment tells a reader to do.
"""

import ast
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from deltacenter import push_to_hub
from deltacenter.usage import TOKEN_PLACEHOLDER
from hub.accounts.tokens import create_token
from tests.models import lora, tiny_bert, tiny_gpt2, tiny_lora, word_tokenizer

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]
BERT_NAME = "tiny-org/tiny-bert"
GPT2_NAME = "tiny-org/tiny-gpt2"
TEXTS = ["what a delightful moving film", "the film opens with a long quiet scene", "a dull and tired plot"]


def named(model, name):
    """The model as from_pretrained(name) gives it: the name is what the hub registers its backbone as."""
    model.name_or_path = model.config._name_or_path = name
    return model


def backbone_directory(model, name, directory):
    """The backbone as a reader has it on disk: weights, config and tokenizer."""
    named(model, name).save_pretrained(directory)
    word_tokenizer(TEXTS).save_pretrained(directory)
    return directory


def rendered_snippets(client, repo_id):
    """{key: (exports, code)} of the snippets on the delta's page, unescaped as a browser shows them."""
    page = client.get(f"/{repo_id}").content.decode()
    blocks = re.findall(r'<pre class="snippet"[^>]*? id="usage-([a-z_-]+)"[^>]*><code>(.*?)</code></pre>', page, re.S)
    found = {key: html.unescape(code) for key, code in blocks}
    return {key: (found.get(f"{key}-env", ""), code) for key, code in found.items() if not key.endswith("-env")}


def with_local_backbone(code, name, directory):
    line = f"BACKBONE = {json.dumps(name)}"
    assert line in code, code
    return code.replace(line, f"BACKBONE = {json.dumps(str(directory))}")


def exported(exports, token=None):
    """The variables of the page's `export NAME=value` lines, the token placeholder replaced by a real token."""
    variables = dict(re.findall(r"^export (\w+)=(\S+)$", exports, re.M))
    return {name: token if value == TOKEN_PLACEHOLDER and token else value for name, value in variables.items()}


def run(command, home, env, check=True):
    """The last line the command prints; with `check=False`, the completed process, whatever its exit status."""
    clean = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(home),
        "HF_HOME": str(home / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "DELTACENTER_HOME": str(home / "deltacenter"),
        "DELTACENTER_CACHE": str(home / "deltacenter-cache"),
        "PYTHONPATH": str(ROOT / "client"),  # the client as `pip install ./client` makes it importable
        **env,
    }
    done = subprocess.run(command, env=clean, capture_output=True, text=True, timeout=300, cwd=home)
    if not check:
        return done
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def run_python(code, home, env, check=True):
    return run([sys.executable, "-c", code], home, env, check)


@pytest.fixture
def as_this_hub(settings, live_server):
    """The pages write the hub's address into the snippets: here, the live test server's."""
    settings.SITE_URL = live_server.url
    return live_server.url


def test_a_sentiment_loras_snippets_give_its_class_probabilities(hub_env, as_this_hub, client, tmp_path):
    directory = backbone_directory(tiny_bert(seed=0), BERT_NAME, tmp_path / "backbone")
    trained = tiny_lora(named(tiny_bert(seed=0), BERT_NAME))
    push_to_hub(trained, "alice/tiny-sentiment", task="sentiment")
    tokenizer = word_tokenizer(TEXTS)
    with torch.no_grad():
        expected = trained(**tokenizer(["What a delightful, moving film."], return_tensors="pt")).logits.softmax(-1)

    snippets = rendered_snippets(client, "alice/tiny-sentiment")
    assert list(snippets) == ["install", "peft", "deltacenter", "huggingface_hub", "cli"]
    for key in ("peft", "deltacenter"):
        exports, code = snippets[key]
        probabilities = ast.literal_eval(run_python(with_local_backbone(code, BERT_NAME, directory), tmp_path,
                                                    exported(exports)))  # fmt: skip
        assert torch.allclose(torch.tensor(probabilities), expected, atol=1e-5), key

    exports, code = snippets["huggingface_hub"]
    assert exported(exports) == {"HF_ENDPOINT": as_this_hub}
    path, files = run_python(code, tmp_path, exported(exports)).split(" ", 1)
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= set(ast.literal_eval(files))
    assert Path(path).is_relative_to(tmp_path / "hf")

    exports, code = snippets["cli"]
    pulled = Path(run(["bash", "-euc", code], tmp_path, exported(exports)))
    assert json.loads((pulled / "adapter_config.json").read_text())["task_type"] == "SEQ_CLS"


def test_a_causal_lm_loras_snippets_generate_what_the_trained_model_does(hub_env, as_this_hub, client, tmp_path):
    directory = backbone_directory(tiny_gpt2(seed=0), GPT2_NAME, tmp_path / "backbone")
    trained = lora(named(tiny_gpt2(seed=0), GPT2_NAME), "CAUSAL_LM", ["c_attn"])
    push_to_hub(trained, "alice/tiny-writer")
    tokenizer = word_tokenizer(TEXTS)
    inputs = tokenizer(["The film opens with"], return_tensors="pt")
    with torch.no_grad():
        output = trained.generate(**inputs, max_new_tokens=20, do_sample=False)
    expected = tokenizer.decode(output[0], skip_special_tokens=True)

    snippets = rendered_snippets(client, "alice/tiny-writer")
    for key in ("peft", "deltacenter"):
        exports, code = snippets[key]
        assert "AutoModelForCausalLM" in code and "NUM_LABELS" not in code
        assert run_python(with_local_backbone(code, GPT2_NAME, directory), tmp_path, exported(exports)) == expected


def test_a_private_deltas_snippets_run_with_the_token_they_ask_for(hub_env, as_this_hub, alice, client, tmp_path):
    push_to_hub(tiny_lora(tiny_bert(seed=0)), "alice/secret-lora", private=True)
    client.force_login(alice)
    snippets = rendered_snippets(client, "alice/secret-lora")
    _, token = create_token(alice, "reader", ["read"])

    exports, code = snippets["huggingface_hub"]
    assert set(exported(exports)) == {"HF_ENDPOINT", "HF_TOKEN"}
    _, files = run_python(code, tmp_path, exported(exports, token)).split(" ", 1)
    assert "adapter_model.safetensors" in ast.literal_eval(files)
    stranger = tmp_path / "stranger"  # an empty cache, so nothing is served from the reader's download
    stranger.mkdir()
    refused = run_python(code, stranger, {**exported(exports), "HF_TOKEN": ""}, check=False)
    assert refused.returncode != 0
    assert re.search(r"RepositoryNotFound|404", refused.stderr), refused.stderr[-3000:]
