"""Model cards: the README's YAML front matter, read safely, as the metadata a delta declares about itself."""

import math
from dataclasses import dataclass, field

import yaml

from deltacenter.cards import FRONT_MATTER
from hub.deltas.models import is_sha256

MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_ITEMS = 50


class CardError(ValueError):
    """The front matter is not YAML the hub can use; the message says why."""


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases, which can expand a few bytes into gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise CardError("aliases (*name) are not allowed in card metadata")
        return super().compose_node(parent, index)


def split_front_matter(text: str) -> tuple[str, str]:
    """(YAML front matter, body) of a card; the front matter is empty when there is none."""
    match = FRONT_MATTER.match(text or "")
    if match is None:
        return "", text or ""
    return match.group(1), text[match.end() :]


def parse_front_matter(text: str) -> dict:
    """The card's metadata as a dict; CardError when it is too large, not YAML, or not a mapping."""
    return load_front_matter(split_front_matter(text)[0])


def load_front_matter(front: str) -> dict:
    """A front matter block (split_front_matter's first part) as a dict, checked as parse_front_matter does."""
    if not front.strip():
        return {}
    if len(front) > MAX_FRONT_MATTER_CHARS:
        raise CardError(f"the metadata block is longer than {MAX_FRONT_MATTER_CHARS} characters")
    try:
        data = yaml.load(front, Loader=_NoAliasLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        raise CardError(f"the metadata block is not valid YAML: {_first_line(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardError("the metadata block must be a mapping of keys to values")
    return data


@dataclass
class CardMetadata:
    base_model: str = ""
    base_model_hash: str | None = None
    task: str | None = None
    tags: list[str] | None = None
    datasets: list[str] | None = None
    license: str | None = None
    claimed_metrics: dict = field(default_factory=dict)


def card_metadata(text: str) -> CardMetadata:
    """What a card's front matter says about the delta, each value checked and trimmed to what the hub stores."""
    return metadata_of(parse_front_matter(text))


def metadata_of(data: dict) -> CardMetadata:
    """card_metadata for front matter already parsed into a dict."""
    digest = _text(data.get("base_model_hash"), 64)
    return CardMetadata(
        base_model=_first_text(data.get("base_model"), 200) or "",
        base_model_hash=digest if digest and is_sha256(digest) else None,
        task=_text(data.get("task"), 100) or _model_index_task(data.get("model-index")),
        tags=_texts(data.get("tags"), 64),
        datasets=_texts(data.get("datasets"), 200),
        license=_text(data.get("license"), 64),
        claimed_metrics=_model_index_metrics(data.get("model-index")),
    )


def _first_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _text(value, limit):
    if isinstance(value, str) and value.strip() and "\x00" not in value:
        return value.strip()[:limit]
    return None


def _first_text(value, limit):
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    return _text(value, limit)


def _texts(value, limit):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    items = {text for text in (_text(item, limit) for item in value[:MAX_ITEMS]) if text}
    return sorted(items)


def _results(model_index):
    if not isinstance(model_index, list):
        return []
    results = []
    for model in model_index[:MAX_ITEMS]:
        if isinstance(model, dict) and isinstance(model.get("results"), list):
            results += [r for r in model["results"][:MAX_ITEMS] if isinstance(r, dict)]
    return results


def _model_index_task(model_index):
    for result in _results(model_index):
        task = result.get("task")
        if isinstance(task, dict):
            return _text(task.get("name"), 100) or _text(task.get("type"), 100)
    return None


def _model_index_metrics(model_index):
    """{dataset name: {metric type: value}} from the card's model-index, the numbers the author claims."""
    claims = {}
    for result in _results(model_index):
        dataset = result.get("dataset")
        name = _text(dataset.get("name") or dataset.get("type"), 200) if isinstance(dataset, dict) else None
        metrics = result.get("metrics")
        if not name or not isinstance(metrics, list):
            continue
        for metric in metrics[:MAX_ITEMS]:
            if not isinstance(metric, dict):
                continue
            kind, value = _text(metric.get("type"), 100), metric.get("value")
            if kind and isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                claims.setdefault(name, {})[kind] = float(value)
    return claims
