"""Model cards: Markdown written by uploaders, rendered to HTML and sanitised before it reaches a page, with the
YAML front matter shown as facts."""

from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.safestring import mark_safe

from deltacenter.cards import is_unfilled_template, looks_like_local_path
from hub.deltas.cards import CardError, load_front_matter, metadata_of, split_front_matter

EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
MAX_FACTS = 20
MAX_FACT_CHARS = 300
# Front-matter keys shown with a label of their own, in this order; other simple keys follow under their own name.
LABELS = {
    "base_model": "Base model",
    "base_model_hash": "Base model hash",
    "library_name": "Library",
    "pipeline_tag": "Pipeline",
    "task": "Task",
    "datasets": "Datasets",
    "language": "Language",
    "license": "License",
    "tags": "Tags",
}


@dataclass
class CardView:
    """What the page shows of a card: its metadata as (label, value) facts and its body as safe HTML."""

    metadata: dict = field(default_factory=dict)
    facts: list[tuple[str, str]] = field(default_factory=list)
    claimed: list[tuple[str, str, float]] = field(default_factory=list)  # (dataset, metric, value)
    html: str = ""
    unfilled_template: bool = False
    metadata_error: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.facts or self.claimed or self.html)


def card_view(text: str) -> CardView:
    """The card as the page shows it; PEFT's unfilled template keeps its facts but not its placeholder text."""
    front, body = split_front_matter(text or "")
    view = CardView()
    try:
        metadata = load_front_matter(front)
        view.claimed = [
            (d, m, v) for d, scores in metadata_of(metadata).claimed_metrics.items() for m, v in scores.items()
        ]
    except CardError as exc:
        metadata, view.metadata_error = {}, str(exc)
    view.metadata = metadata
    view.facts = card_facts(metadata)
    if is_unfilled_template(body):
        view.unfilled_template = True
    elif body.strip():
        view.html = _body_html(body)
    return view


def card_facts(metadata: dict) -> list[tuple[str, str]]:
    """Simple front-matter values as (label, text); nested structures (model-index) and local paths are left out."""
    keys = [key for key in LABELS if key in metadata] + sorted(
        k for k in metadata if k not in LABELS and isinstance(k, str)
    )
    facts = []
    for key in keys:
        text = _fact_text(metadata[key])
        if text and not (key == "base_model" and looks_like_local_path(text)):
            facts.append((LABELS.get(key, key), text[:MAX_FACT_CHARS]))
    return facts[:MAX_FACTS]


def _fact_text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value).strip()
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        items = [str(item) for item in value if not looks_like_local_path(str(item).split(":")[-1])]
        return ", ".join(items)
    return ""


def _body_html(body):
    """Safe HTML for a card's Markdown body: scripts, event handlers, styles and javascript: links are stripped."""
    html = markdown.markdown(body, extensions=EXTENSIONS, output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))
