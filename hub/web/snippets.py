"""The "Use it" box of a delta page: the client's usage snippets, written from what the delta's version declares."""

from django.conf import settings

from deltacenter.cards import loadable_backbone_name
from deltacenter.families import FEATURE_EXTRACTION, family_of_config
from deltacenter.usage import DeltaFacts, Snippet, snippets

MAX_LABELS = 1_000_000


def delta_facts(delta, version, card_metadata: dict | None = None) -> DeltaFacts:
    return DeltaFacts(
        repo_id=delta.full_name,
        endpoint=settings.SITE_URL,
        delta_type=delta.delta_type,
        family=declared_family(version),
        backbone=backbone_name(delta),
        private=delta.private,
        num_labels=declared_labels(card_metadata or {}),
    )


def declared_family(version) -> str:
    """The task family the version's adapter_config.json or delta_config.json declares; none: feature extraction."""
    config = version.delta_config if version is not None else {}
    try:
        return family_of_config(config if isinstance(config, dict) else {})
    except ValueError:
        return FEATURE_EXTRACTION


def backbone_name(delta) -> str:
    """The name a reader loads the backbone by: the bound backbone's, else the one the files give; never a path,
    nor the class name a backbone registered without a name of its own falls back to."""
    if delta.backbone is None:
        return loadable_backbone_name(delta.base_model_name)
    return loadable_backbone_name(delta.backbone.name, delta.backbone.architecture)


def declared_labels(card_metadata: dict) -> int | None:
    """The task head's label count the card declares (`num_labels:`, which the deltacenter client writes)."""
    labels = card_metadata.get("num_labels")
    return labels if isinstance(labels, int) and not isinstance(labels, bool) and 0 < labels <= MAX_LABELS else None


def usage_snippets(delta, version, card_metadata: dict | None = None) -> list[Snippet]:
    return snippets(delta_facts(delta, version, card_metadata))
