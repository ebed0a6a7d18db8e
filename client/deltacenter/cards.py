"""The model card a push publishes: the README's YAML front matter names the backbone by name and content hash,
so any hub (and any reader) can tell exactly which weights the delta belongs to."""

import re

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def split_card(text: str) -> tuple[dict, str]:
    """(metadata, body) of a card; a card whose front matter is not a YAML mapping keeps it in its body."""
    match = _FRONT_MATTER.match(text or "")
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


def card_for_push(existing: str | None, repo_id: str, facts: dict) -> str:
    """The card to publish: the author's own text and metadata, with the backbone, task, datasets, tags, license
    and metrics of this push set in its front matter (empty facts are left out)."""
    metadata, body = split_card(existing or "")
    metadata.update({key: value for key, value in facts.items() if value not in (None, "", [], {})})
    if not body.strip():
        body = default_body(repo_id, facts)
    return join_card(metadata, body)


def default_body(repo_id: str, facts: dict) -> str:
    backbone = facts.get("base_model") or "its backbone"
    lines = [
        f"# {repo_id}",
        "",
        f"A parameter-efficient delta for `{backbone}`",
        f"(backbone content hash `{facts.get('base_model_hash')}`).",
        "",
        "Load it onto that exact backbone with the `deltacenter` client:",
        "",
        "```python",
        "from deltacenter import from_finetuned",
        "",
        f'model = from_finetuned("{repo_id}", backbone_model)  # checks the backbone hash first',
        "```",
    ]
    return "\n".join(lines) + "\n"
