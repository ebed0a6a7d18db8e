"""The upload form's backbone picker: the results of a backbone search, and the backbone already chosen."""

from dataclasses import dataclass

from hub.deltas.backbone_search import MAX_QUERY_LENGTH, search_backbones, with_details
from hub.deltas.models import Backbone, is_sha256

PICKER_RESULTS = 20


@dataclass(frozen=True)
class Picker:
    query: str
    candidates: list[Backbone]
    chosen: str  # the chosen backbone's content hash, or ""


def backbone_picker(user, query: str, chosen: str) -> Picker:
    query, chosen = query.strip()[:MAX_QUERY_LENGTH], chosen.strip().lower()
    candidates = search_backbones(user, query, PICKER_RESULTS) if query else []
    if is_sha256(chosen) and all(b.content_hash != chosen for b in candidates):
        picked = with_details(Backbone.objects.visible_to(user).filter(content_hash=chosen), user).first()
        candidates = [picked, *candidates] if picked is not None else candidates
    return Picker(query, candidates, chosen)
