"""How to load a delta, as code a reader copies: one snippet per way in, written from what the delta declares.

The hub's delta page and the card a push publishes show the same text. Every Python snippet names the backbone
on one line, ``BACKBONE = "<its name>"``; point it at a local directory of the backbone's weights when the name
is not on the Hugging Face Hub (``deltacenter hash DIR`` prints the content hash to compare). Values are written
as Python and shell literals, so no name or address can break out of the code around it.
"""

import json
import shlex
from dataclasses import dataclass, field

from deltacenter.families import (
    AUTO_CLASS,
    CAUSAL_LM,
    FEATURE_EXTRACTION,
    HEAD_FAMILIES,
    QUESTION_ANSWERING,
    SEQ2SEQ_LM,
    SEQUENCE_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
)
from deltacenter.formats import PEFT_TYPES

# Delta types stored in PEFT's own format (adapter_config.json); the others use the hub's (delta_config.json).
PEFT_DELTA_TYPES = frozenset(PEFT_TYPES.values())
INSTALL = 'pip install "./client[torch]"   # from a checkout of the Delta Center source'
BACKBONE_PLACEHOLDER = "the backbone it was trained on"
TOKEN_PLACEHOLDER = "dc_..."  # an API token of this hub, from its tokens page

# What each family does with the loaded model: a line of input, and the lines that run it and print the result.
_RUN = {
    SEQUENCE_CLASSIFICATION: (
        '["What a delightful, moving film."]',
        [
            "with torch.no_grad():",
            "    logits = model(**inputs).logits",
            "print(logits.softmax(-1).tolist())  # one row of class probabilities per text",
        ],
    ),
    TOKEN_CLASSIFICATION: (
        '["Alice flew from Paris to Lisbon on Monday."]',
        [
            "with torch.no_grad():",
            "    logits = model(**inputs).logits",
            "print(logits.argmax(-1).tolist())  # one label id per token",
        ],
    ),
    QUESTION_ANSWERING: (
        '["Where did Alice fly to?"], ["Alice flew from Paris to Lisbon on Monday."]',
        [
            "with torch.no_grad():",
            "    out = model(**inputs)",
            "start, end = int(out.start_logits.argmax()), int(out.end_logits.argmax())",
            "print(tokenizer.decode(inputs.input_ids[0][start : end + 1]))",
        ],
    ),
    CAUSAL_LM: (
        '["The film opens with"]',
        [
            "with torch.no_grad():",
            "    output = model.generate(**inputs, max_new_tokens=20, do_sample=False)",
            "print(tokenizer.decode(output[0], skip_special_tokens=True))",
        ],
    ),
    SEQ2SEQ_LM: (
        '["summarize: The council approved the new budget on Tuesday after a long debate."]',
        [
            "with torch.no_grad():",
            "    output = model.generate(**inputs, max_new_tokens=20, do_sample=False)",
            "print(tokenizer.decode(output[0], skip_special_tokens=True))",
        ],
    ),
    FEATURE_EXTRACTION: (
        '["What a delightful, moving film."]',
        [
            "with torch.no_grad():",
            "    hidden = model(**inputs).last_hidden_state",
            "print(hidden.mean(dim=1).tolist())  # one mean-pooled embedding per text",
        ],
    ),
}


@dataclass(frozen=True)
class Snippet:
    key: str  # peft, deltacenter, huggingface_hub, cli
    title: str
    language: str  # python or shell
    code: str
    env: dict[str, str] = field(default_factory=dict)  # variables the code expects to be set before it runs

    def exports(self) -> str:
        """The `export` lines a reader runs before the snippet."""
        return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in self.env.items())


@dataclass(frozen=True)
class DeltaFacts:
    """What the snippets need to know of a delta."""

    repo_id: str
    endpoint: str
    delta_type: str
    family: str = FEATURE_EXTRACTION
    backbone: str = ""  # the backbone's name; empty when it is not known
    private: bool = False
    num_labels: int | None = None  # labels of the delta's task head, when its card says (`num_labels:`)


def _py(text: str) -> str:
    """A Python string literal of `text` in double quotes (JSON's escapes are Python's)."""
    return json.dumps(text)


def is_peft_format(delta_type: str) -> bool:
    return delta_type in PEFT_DELTA_TYPES


def snippets(facts: DeltaFacts) -> list[Snippet]:
    """The ways to load this delta, most direct first: PEFT (for PEFT's formats), the client, the raw files, the CLI."""
    found = [deltacenter_snippet(facts), huggingface_hub_snippet(facts), cli_snippet(facts)]
    return ([peft_snippet(facts)] if is_peft_format(facts.delta_type) else []) + found


def _load_backbone(facts: DeltaFacts) -> tuple[list[str], list[str]]:
    """(imports, lines) that load the backbone and its tokenizer."""
    auto = AUTO_CLASS.get(facts.family, "AutoModel")
    options = ", num_labels=NUM_LABELS" if facts.family in HEAD_FAMILIES else ""
    lines = [f"BACKBONE = {_py(facts.backbone or BACKBONE_PLACEHOLDER)}  # or a local directory of these weights"]
    if facts.family in HEAD_FAMILIES:
        if facts.num_labels:
            lines.append(f"NUM_LABELS = {int(facts.num_labels)}  # the labels of the delta's task head")
        else:
            lines.append("NUM_LABELS = 2  # as many labels as the delta was trained with")
    lines += [
        "tokenizer = AutoTokenizer.from_pretrained(BACKBONE)",
        f"backbone = {auto}.from_pretrained(BACKBONE{options})",
    ]
    return ["import torch", f"from transformers import AutoTokenizer, {auto}"], lines


def _run(facts: DeltaFacts) -> list[str]:
    text, lines = _RUN.get(facts.family, _RUN[FEATURE_EXTRACTION])
    return [f'inputs = tokenizer({text}, return_tensors="pt")', *lines]


def _python(facts: DeltaFacts, imports: list[str], attach: list[str]) -> str:
    """Code that loads the backbone, attaches the delta with the lines `attach` (which need `imports`), runs it."""
    backbone_imports, load = _load_backbone(facts)
    return "\n".join([*backbone_imports, *imports, "", *load, "", *attach, "", *_run(facts)]) + "\n"


def peft_snippet(facts: DeltaFacts) -> Snippet:
    attach = [
        "# endpoint= fetches the delta from this hub and leaves the backbone's download to the Hugging Face Hub.",
        f"delta_dir = snapshot_download({_py(facts.repo_id)}, endpoint={_py(facts.endpoint)})",
        "model = PeftModel.from_pretrained(backbone, delta_dir).eval()",
    ]
    code = _python(facts, ["from huggingface_hub import snapshot_download", "from peft import PeftModel"], attach)
    env = {"HF_TOKEN": TOKEN_PLACEHOLDER} if facts.private else {}
    return Snippet("peft", "Transformers and PEFT", "python", code, env)


def deltacenter_snippet(facts: DeltaFacts) -> Snippet:
    attach = [
        "# Checks that the backbone's content hash is the one the delta was trained on, then attaches it.",
        f"model = from_finetuned({_py(facts.repo_id)}, backbone, endpoint={_py(facts.endpoint)})",
    ]
    code = _python(facts, ["from deltacenter import from_finetuned"], attach)
    env = {"DELTACENTER_TOKEN": TOKEN_PLACEHOLDER} if facts.private else {}
    return Snippet("deltacenter", "The deltacenter client", "python", code, env)


def huggingface_hub_snippet(facts: DeltaFacts) -> Snippet:
    code = [
        "import os",
        "from huggingface_hub import snapshot_download",
        "",
        f"path = snapshot_download({_py(facts.repo_id)})  # into the Hugging Face cache",
        "print(path, sorted(os.listdir(path)))",
    ]
    env = {"HF_ENDPOINT": facts.endpoint, **({"HF_TOKEN": TOKEN_PLACEHOLDER} if facts.private else {})}
    return Snippet("huggingface_hub", "The files, with huggingface_hub", "python", "\n".join(code) + "\n", env)


def cli_snippet(facts: DeltaFacts) -> Snippet:
    login = ["deltacenter login   # asks for an API token of this hub"] if facts.private else []
    code = [*login, f"deltacenter pull {shlex.quote(facts.repo_id)}   # prints the directory it downloaded"]
    return Snippet("cli", "Command line", "shell", "\n".join(code) + "\n", {"DELTACENTER_ENDPOINT": facts.endpoint})
