"""The model card a push publishes: the README's YAML front matter names the backbone by name and content hash,
so any hub (and any reader) can tell exactly which weights the delta belongs to, and its body says how to load it.

A card never publishes a path of the pusher's machine as `base_model`, and PEFT's unfilled template (the README
`save_pretrained` writes) is replaced by a card written from what the push knows."""

import re
from dataclasses import replace

import yaml

from deltacenter.usage import INSTALL, DeltaFacts, deltacenter_snippet, is_peft_format, peft_snippet

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_WINDOWS_DRIVE = re.compile(r"\A[A-Za-z]:[\\/]")
TEMPLATE_PLACEHOLDER = "[More Information Needed]"
# PEFT's template carries the placeholder dozens of times; an author's card may quote it once or twice.
TEMPLATE_MIN_PLACEHOLDERS = 5


def looks_like_local_path(name: object) -> bool:
    """Whether a model name is a path on someone's disk rather than a hub name such as `org/model`."""
    if not isinstance(name, str) or not name:
        return False
    return (
        name.startswith(("/", "./", "../", "~", "\\"))
        or name in (".", "..")
        or bool(_WINDOWS_DRIVE.match(name))
        or "\\" in name
        or name.count("/") > 1
    )


def is_unfilled_template(body: str) -> bool:
    """Whether a card's body is PEFT's (or transformers') model-card template with nothing filled in."""
    return (body or "").count(TEMPLATE_PLACEHOLDER) >= TEMPLATE_MIN_PLACEHOLDERS


def split_card(text: str) -> tuple[dict, str]:
    """(metadata, body) of a card; a card whose front matter is not a YAML mapping keeps it in its body."""
    match = FRONT_MATTER.match(text or "")
    if match is None:
        return {}, text or ""
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    return (data, text[match.end() :]) if isinstance(data, dict) else ({}, text)


def join_card(metadata: dict, body: str) -> str:
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True).strip()
    return f"---\n{front}\n---\n{body if body.startswith(chr(10)) else chr(10) + body}"


def without_local_paths(metadata: dict) -> dict:
    """The metadata without `base_model` values and `base_model:...` tags that name a path on the pusher's disk."""
    cleaned = dict(metadata)
    if looks_like_local_path(cleaned.get("base_model")):
        del cleaned["base_model"]
    tags = cleaned.get("tags")
    if isinstance(tags, list):
        cleaned["tags"] = [
            tag for tag in tags if not (isinstance(tag, str) and looks_like_local_path(tag.split(":")[-1]))
        ]
    return cleaned


def loadable_backbone_name(name: str | None, architecture: str | None = "") -> str:
    """The name a reader can load a backbone by: not a path on someone's disk, nor the class name a backbone
    registered without a name of its own falls back to; "" when there is none."""
    return "" if not name or looks_like_local_path(name) or name == architecture else name


def card_for_push(existing: str | None, facts: dict, usage: DeltaFacts, metrics: dict | None = None) -> str:
    """The card to publish: the author's own text and metadata, with the backbone (`base_model`, and its
    `base_model_hash`), task, datasets, tags, license and metrics of this push set in its front matter (empty facts
    are left out, and so is any path on the pusher's disk). An empty body, or PEFT's unfilled template, becomes a
    card written from the push's facts, naming the backbone as the front matter does."""
    metadata, body = split_card(existing or "")
    given = {key: value for key, value in facts.items() if value not in (None, "", [], {})}
    metadata = without_local_paths(metadata) | without_local_paths(given)
    if not body.strip() or is_unfilled_template(body):
        usage = replace(usage, backbone=metadata.get("base_model", ""))
        body = default_body(usage, metadata, metrics)
    return join_card(metadata, body)


def default_body(usage: DeltaFacts, metadata: dict, metrics: dict | None) -> str:
    backbone = f"`{usage.backbone}`" if usage.backbone else "its backbone"
    backbone_hash = metadata.get("base_model_hash", "")
    lines = [f"# {usage.repo_id}", "", f"A {usage.delta_type} delta for {backbone}, {usage.family.replace('-', ' ')}."]
    if backbone_hash:
        lines += ["", f"Backbone content hash: `{backbone_hash}` (`deltacenter hash` prints a checkpoint's)."]
    lines += _facts_lines(metadata)
    lines += _metrics_lines(metrics or {})
    lines += ["", "## How to load it", "", "With the `deltacenter` client, which checks the backbone's hash first:"]
    lines += ["", "```shell", INSTALL, "```", "", "```python", deltacenter_snippet(usage).code.rstrip(), "```"]
    if is_peft_format(usage.delta_type):
        lines += ["", "With Transformers and PEFT:", "", "```python", peft_snippet(usage).code.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _facts_lines(metadata: dict) -> list[str]:
    facts = [
        ("Task", metadata.get("task")),
        ("Datasets", metadata.get("datasets")),
        ("License", metadata.get("license")),
    ]
    lines = [f"- **{label}:** {', '.join(map(str, value)) if isinstance(value, list) else value}"
             for label, value in facts if value]  # fmt: skip
    return ["", *lines] if lines else []


def _metrics_lines(metrics: dict) -> list[str]:
    """A table of the claimed metrics: {metric: value} or {dataset: {metric: value}}."""
    rows = []
    for name, value in metrics.items():
        if isinstance(value, dict):
            rows += [(f"{name} · {metric}", score) for metric, score in value.items()]
        else:
            rows.append((name, value))
    if not rows:
        return []
    table = ["| metric | claimed |", "| --- | --- |", *(f"| {name} | {value} |" for name, value in rows)]
    return ["", "## Claimed results", "", *table, "", "The hub's validation measures them again on its own suites."]
