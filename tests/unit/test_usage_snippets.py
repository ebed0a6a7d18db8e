"""The usage snippets and cards a delta page and a push show: written from what the delta declares, and safe."""

import ast
from pathlib import Path

import pytest

from deltacenter.cards import card_for_push, is_unfilled_template, looks_like_local_path, split_card
from deltacenter.families import (
    CAUSAL_LM,
    FEATURE_EXTRACTION,
    QUESTION_ANSWERING,
    SEQ2SEQ_LM,
    SEQUENCE_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
)
from deltacenter.usage import DeltaFacts, snippets
from hub.web.cards import card_view

PEFT_TEMPLATE = (Path(__file__).parent / "peft_unfilled_card.md").read_text()


def facts(**overrides):
    values = {
        "repo_id": "alice/minilm-lora",
        "endpoint": "https://hub.example",
        "delta_type": "lora",
        "family": SEQUENCE_CLASSIFICATION,
        "backbone": "sentence-transformers/all-MiniLM-L6-v2",
    }
    return DeltaFacts(**{**values, **overrides})


def by_key(delta_facts):
    return {snippet.key: snippet for snippet in snippets(delta_facts)}


def assigned(code, name):
    """The literal value the code assigns to `name`."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned")


@pytest.mark.parametrize(
    ("family", "auto_class", "call"),
    [
        (SEQUENCE_CLASSIFICATION, "AutoModelForSequenceClassification", "logits.softmax(-1)"),
        (TOKEN_CLASSIFICATION, "AutoModelForTokenClassification", ".logits"),
        (QUESTION_ANSWERING, "AutoModelForQuestionAnswering", "start_logits"),
        (CAUSAL_LM, "AutoModelForCausalLM", "model.generate("),
        (SEQ2SEQ_LM, "AutoModelForSeq2SeqLM", "model.generate("),
        (FEATURE_EXTRACTION, "AutoModel", "last_hidden_state"),
    ],
)
def test_each_family_loads_its_own_head_and_runs_it(family, auto_class, call):
    for key in ("peft", "deltacenter"):
        code = by_key(facts(family=family))[key].code
        ast.parse(code)
        assert f"{auto_class}.from_pretrained(BACKBONE" in code and call in code
        assert assigned(code, "BACKBONE") == "sentence-transformers/all-MiniLM-L6-v2"
        assert ("NUM_LABELS" in code) == (family in (SEQUENCE_CLASSIFICATION, TOKEN_CLASSIFICATION, QUESTION_ANSWERING))


def test_a_peft_delta_gets_a_peft_snippet_and_a_hub_format_does_not():
    assert list(by_key(facts())) == ["peft", "deltacenter", "huggingface_hub", "cli"]
    assert list(by_key(facts(delta_type="bitfit"))) == ["deltacenter", "huggingface_hub", "cli"]


def test_the_snippets_name_this_hub_and_the_delta():
    found = by_key(facts())
    assert 'snapshot_download("alice/minilm-lora", endpoint="https://hub.example")' in found["peft"].code
    assert 'from_finetuned("alice/minilm-lora", backbone, endpoint="https://hub.example")' in found["deltacenter"].code
    assert found["huggingface_hub"].env == {"HF_ENDPOINT": "https://hub.example"}
    assert found["huggingface_hub"].exports() == "export HF_ENDPOINT=https://hub.example\n"
    assert found["cli"].code.startswith("deltacenter pull alice/minilm-lora")
    assert found["cli"].exports() == "export DELTACENTER_ENDPOINT=https://hub.example\n"


def test_a_private_delta_says_which_token_each_way_needs():
    found = by_key(facts(private=True))
    assert found["peft"].env == {"HF_TOKEN": "dc_..."}
    assert found["deltacenter"].env == {"DELTACENTER_TOKEN": "dc_..."}
    assert found["huggingface_hub"].env["HF_TOKEN"] == "dc_..."
    assert "login" in found["cli"].code
    assert not by_key(facts())["deltacenter"].env


def test_names_cannot_break_out_of_the_code_around_them():
    hostile = 'x"\nimport os; os.system("rm -rf ~")  #'
    found = by_key(facts(backbone=hostile, endpoint="http://h/$(reboot)"))
    for key in ("peft", "deltacenter"):
        tree = ast.parse(found[key].code)
        assert assigned(found[key].code, "BACKBONE") == hostile
        assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in tree.body)
    assert "export DELTACENTER_ENDPOINT='http://h/$(reboot)'" in found["cli"].exports()


def test_the_label_count_a_card_declares_sizes_the_head():
    from hub.web.snippets import declared_labels

    assert assigned(by_key(facts(num_labels=5))["peft"].code, "NUM_LABELS") == 5
    assert assigned(by_key(facts())["peft"].code, "NUM_LABELS") == 2
    assert [declared_labels({"num_labels": n}) for n in (3, 0, -1, True, "4", 10**9)] == [
        3,
        None,
        None,
        None,
        None,
        None,
    ]


def test_an_unknown_backbone_reads_as_a_placeholder():
    code = by_key(facts(backbone=""))["deltacenter"].code
    assert assigned(code, "BACKBONE") == "the backbone it was trained on"


@pytest.mark.parametrize(
    ("name", "local"),
    [
        ("/home/me/ckpt", True),
        ("./ckpt", True),
        ("../ckpt", True),
        ("~/models/bert", True),
        ("C:\\models\\bert", True),
        ("/tmp/tmpa1b2/model", True),
        ("var/cache/models/bert", True),
        ("bert-base-uncased", False),
        ("sentence-transformers/all-MiniLM-L6-v2", False),
        ("", False),
    ],
)
def test_local_paths_are_told_from_hub_names(name, local):
    assert looks_like_local_path(name) is local


def test_peft_template_is_recognised_and_an_authors_card_is_not():
    assert is_unfilled_template(split_card(PEFT_TEMPLATE)[1])
    assert not is_unfilled_template("# My LoRA\n\nTrained on SST-2. Dataset card: [More Information Needed]\n")


def test_a_push_replaces_peft_template_with_a_card_of_its_facts():
    push_facts = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "base_model_hash": "ab" * 32,
        "task": "sentiment",
        "datasets": ["rotten-tomatoes"],
        "license": "mit",
    }
    card = card_for_push(PEFT_TEMPLATE, push_facts, facts(), {"accuracy": 0.91})
    metadata, body = split_card(card)
    assert metadata["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert metadata["tags"] == ["lora", "transformers"]  # base_model:adapter:/home/... is gone
    assert "/home/me" not in card and "More Information Needed" not in card
    assert "ab" * 32 in body and "rotten-tomatoes" in body and "| accuracy | 0.91 |" in body
    assert by_key(facts())["deltacenter"].code.strip() in body and by_key(facts())["peft"].code.strip() in body


def test_a_backbone_known_only_by_a_local_path_is_left_out_of_the_card():
    card = card_for_push(PEFT_TEMPLATE, {"base_model": "/srv/models/bert", "base_model_hash": "cd" * 32,
                                         "tags": ["base_model:adapter:/srv/models/bert", "mine"]},
                         facts(backbone="/srv/models/bert"))  # fmt: skip
    metadata, body = split_card(card)
    assert "base_model" not in metadata and "/srv/models" not in card and metadata["base_model_hash"] == "cd" * 32
    assert metadata["tags"] == ["mine"] and "delta for its backbone" in body


def test_the_page_shows_a_cards_metadata_as_facts_and_its_body_safely():
    text = (
        "---\nbase_model: sentence-transformers/all-MiniLM-L6-v2\nlicense: mit\ndatasets: [rotten-tomatoes]\n"
        "model-index:\n- name: x\n  results:\n  - dataset: {name: rotten-tomatoes}\n"
        "    metrics: [{type: accuracy, value: 0.8}]\n---\n# Title\n\n<script>alert(1)</script>Body\n"
    )
    view = card_view(text)
    assert ("Base model", "sentence-transformers/all-MiniLM-L6-v2") in view.facts
    assert ("Datasets", "rotten-tomatoes") in view.facts and ("License", "mit") in view.facts
    assert view.claimed == [("rotten-tomatoes", "accuracy", 0.8)]
    assert "<h1>Title</h1>" in view.html and "<script" not in view.html


def test_the_page_does_not_present_peft_template_as_a_card():
    view = card_view(PEFT_TEMPLATE)
    assert view.unfilled_template and not view.html
    assert ("Library", "peft") in view.facts
    assert not any("/home/me" in value for _, value in view.facts)


def test_unreadable_metadata_is_reported_and_the_body_still_shows():
    view = card_view("---\na: [\n---\nHello\n")
    assert view.metadata_error and "Hello" in view.html and not view.facts
