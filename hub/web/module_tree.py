"""The backbone's module tree, repeated layers folded, with the modules a delta changes highlighted.

Module paths come from tensor names the hub kept when it checked the weights (a version's `tensor_names`, a
backbone's `module_paths`), so a page view reads no file. A delta tensor belongs to the deepest backbone module its
name starts with (PEFT prefixes stripped); tensors with no host in the backbone (prompt encoders, or a backbone
whose weights are not on the hub) are shown as modules of their own. Everything here is bounded and iterative:
names are at most MAX_DEPTH levels deep, and a tree of more than MAX_MODULES modules is not drawn.
"""

import logging
import re
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError

from deltacenter.safetensors_header import ITEM_SIZES, MAX_NAME_DEPTH, SafetensorsError
from hub.core import objectstore
from hub.deltas.models import Backbone, DeltaVersion
from hub.deltas.shapes import HEADER_BYTES, tensor_shapes
from hub.deltas.verify import module_paths_of, read_safetensors_header

log = logging.getLogger(__name__)
PEFT_PREFIXES = ("base_model.model.", "base_model.")
MAX_DEPTH = MAX_NAME_DEPTH
MAX_MODULES = 20_000
_NUMBER = re.compile(r"[0-9]+")


@dataclass
class Node:
    label: str
    touched: bool = False
    repeat: int = 1
    children: list = field(default_factory=list)
    shape: tuple = ()


@dataclass(frozen=True)
class Row:
    """One node of the tree in document order: `closes` is how many nested lists end after it."""

    node: Node
    has_children: bool
    closes: range


def module_tree(delta, version) -> list[Node] | None:
    delta_names = version_tensor_names(version)
    if not delta_names or delta.backbone is None:
        return None
    modules = set(backbone_module_paths(delta.backbone))
    roots = {m.split(".", 1)[0] for m in modules if "." in m}
    touched = {_host(name, modules, roots) for name in delta_names}
    paths = modules | touched
    if len(paths) > MAX_MODULES:
        return None
    return build_tree(paths, touched)


def build_tree(paths, touched, fold=True) -> list[Node]:
    """Nested nodes for dotted module paths, runs of identical numbered layers folded into one (unless not
    `fold`)."""
    trie = {}
    for path in paths:
        node = trie
        for part in path.split(".")[:MAX_DEPTH] if path else []:
            node = node.setdefault(part, {})
    root = Node("")
    visited, pending = [], [(trie, "", root)]
    while pending:
        branch, prefix, parent = pending.pop()
        visited.append(parent)
        for label in sorted(branch, key=_natural):
            path = f"{prefix}.{label}" if prefix else label
            child = Node(label, path in touched)
            parent.children.append(child)
            pending.append((branch[label], path, child))
    for node in reversed(visited):  # children before their parents
        node.children = _fold(node.children) if fold else node.children
        node.shape = (node.touched, tuple((c.label, c.repeat, c.shape) for c in node.children))
    return root.children


def rows(nodes: list[Node]) -> list[Row]:
    """The tree flattened in document order, so a template draws nested lists without including itself."""
    out, pending = [], [(node, 0) for node in reversed(nodes)]
    depth_after = []
    while pending:
        node, depth = pending.pop()
        out.append((node, depth))
        pending.extend((child, depth + 1) for child in reversed(node.children))
    for index, (_node, depth) in enumerate(out):
        next_depth = out[index + 1][1] if index + 1 < len(out) else 0
        depth_after.append(max(0, depth - next_depth))
    return [Row(node, bool(node.children), range(closes)) for (node, _), closes in zip(out, depth_after, strict=True)]


def _fold(nodes):
    folded = []
    for node in nodes:
        last = folded[-1] if folded else None
        if last is not None and _foldable(last, node):
            last.repeat += 1
            last.label = f"{last.label.split('–')[0]}–{node.label}"
        else:
            folded.append(node)
    return folded


def _foldable(previous, node):
    # Layers fold only when numbered and identical, highlights included: a delta on layer 3 alone stays visible.
    first = previous.label.split("–")[0]
    return _NUMBER.fullmatch(first) and _NUMBER.fullmatch(node.label) and previous.shape == node.shape


def _natural(label):
    return (0, int(label), "") if _NUMBER.fullmatch(label) else (1, 0, label)


def _parent(name):
    return name.rsplit(".", 1)[0] if "." in name else ""


def _host(name, modules, roots):
    for prefix in PEFT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    parts = name.split(".")[: MAX_DEPTH + 1]
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        for form in (candidate, *(f"{root}.{candidate}" for root in roots), candidate.partition(".")[2]):
            if form and form in modules:
                return form
    return _parent(".".join(parts))


def version_tensor_names(version: DeltaVersion) -> list[str]:
    """The version's tensor names; read once from its files if it was committed before the hub kept them."""
    if version.tensor_names is None:
        files = version.files.select_related("object").filter(path__endswith=".safetensors")
        version.tensor_names = _read_names(f.object for f in files)
        DeltaVersion.objects.filter(pk=version.pk).update(tensor_names=version.tensor_names)
    return version.tensor_names


def backbone_module_paths(backbone: Backbone) -> list[str]:
    """The backbone's module paths; read once from its weights if they were attached before the hub kept them."""
    if backbone.module_paths is None:
        shapes = tensor_shapes(backbone)
        if shapes is None:
            return []
        backbone.module_paths = module_paths_of(shapes)
        Backbone.objects.filter(pk=backbone.pk).update(module_paths=backbone.module_paths)
    return backbone.module_paths


def _read_names(objects) -> list[str]:
    names = []
    for obj in objects:
        try:
            header = read_safetensors_header(obj.key, obj.size, ITEM_SIZES, HEADER_BYTES)
        except (objectstore.ClientError, BotoCoreError, SafetensorsError) as exc:
            log.warning("Cannot read the safetensors header of %s: %s", obj.sha256[:12], exc)
            continue
        names.extend(tensor.name for tensor in header.tensors)
    return sorted(set(names))
