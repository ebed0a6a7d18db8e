"""The backbone page's code generator: the module tree as checkboxes, and the code for the ticked choice."""

from dataclasses import dataclass

from django.http import QueryDict

from hub.core.errors import DomainError
from hub.core.validation import parse
from hub.deltas.inputs import DeltaCodeRequest, delta_choice
from hub.deltas.models import Backbone, Delta
from hub.deltas.peft_code import DELTA_TYPES
from hub.deltas.shapes import code_summary, delta_code, tensor_shapes
from hub.web.module_tree import MAX_MODULES, backbone_module_paths, build_tree, rows

# The form starts from the request's own defaults.
CHOICE_DEFAULTS = {
    "delta_type": "lora",
    **{name: str(DeltaCodeRequest().fields[name].default) for name in ("r", "alpha", "num_virtual_tokens")},
}


@dataclass(frozen=True)
class TreeRow:
    """A row of the module tree with the pattern its checkboxes send: its path, folded layers as a range."""

    row: object
    pattern: str
    targeted: bool
    frozen: bool


def tree_rows(paths: set[str], targets: set[str], frozen: set[str], fold: bool) -> list[TreeRow]:
    if not paths or len(paths) > MAX_MODULES:
        return []
    return _with_patterns(rows(build_tree(paths, set(), fold)), targets, frozen)


def _with_patterns(flat, targets, frozen) -> list[TreeRow]:
    # rows() lists nodes depth first; `closes` says how many levels end after each, so depth is tracked here.
    result, stack = [], []
    for row in flat:
        stack.append(row.node.label)
        pattern = ".".join(stack)
        result.append(TreeRow(row, pattern, pattern in targets, pattern in frozen))
        if not row.has_children:
            stack.pop()
        for _ in row.closes:
            stack.pop()
    return result


@dataclass(frozen=True)
class Generator:
    shapes_known: bool
    tree: list[TreeRow]
    unfolded: bool
    choice: dict
    result: dict | None
    error: str | None


def generator(backbone: Backbone, query: QueryDict) -> Generator:
    """What the backbone page's generator shows for the choice in `query` (none asked: the tree alone)."""
    shapes = tensor_shapes(backbone)
    targets, frozen = set(query.getlist("target")), set(query.getlist("frozen"))
    # Without readable weights, only paths kept from before: reading them again would repeat the lookup that failed.
    paths = set(backbone_module_paths(backbone) if shapes else backbone.module_paths or ())
    choice = {name: query.get(name, default) for name, default in CHOICE_DEFAULTS.items()}
    result = error = None
    if shapes and "delta_type" in query:
        try:
            generated = delta_code(backbone, delta_choice(parse(DeltaCodeRequest, query)))
        except DomainError as exc:
            error = f"{exc.field}: {exc.message}" if exc.field else exc.message
        else:
            result = code_summary(backbone, generated)
    unfolded = query.get("unfold") == "1"
    tree = tree_rows(paths, targets, frozen, fold=not unfolded)
    return Generator(bool(shapes), tree, unfolded, choice, result, error)


def delta_types() -> list[tuple[str, str]]:
    return [(value, Delta.DeltaType(value).label) for value in DELTA_TYPES]
