"""The backbone's module tree, repeated layers folded, with the modules a delta changes highlighted.

Module paths come from tensor names in safetensors headers (read by range, never the whole file): the
backbone's weights give the tree, the version's weights say which modules the delta touches. A delta
tensor belongs to the deepest backbone module its name starts with (PEFT prefixes stripped); tensors
with no host in the backbone (prompt encoders, or a backbone whose weights are not on the hub) are shown
as modules of their own.
"""

import logging
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError
from django.core.cache import cache

from deltacenter.safetensors_header import ITEM_SIZES, SafetensorsError
from hub.core import objectstore
from hub.deltas.verify import read_safetensors_header

log = logging.getLogger(__name__)
PEFT_PREFIXES = ("base_model.model.", "base_model.")
CACHE_SECONDS = 24 * 3600
# A header that could not be read is retried after a while, not on every page view.
FAILURE_CACHE_SECONDS = 300
# Backbone checkpoints may be large and use any safetensors dtype.
BACKBONE_HEADER_BYTES = 100 * 1024 * 1024


@dataclass
class Node:
    label: str
    touched: bool = False
    repeat: int = 1
    children: list = field(default_factory=list)


def module_tree(backbone, version):
    delta_names = _tensor_names(f.object for f in version.files.all() if f.path.endswith(".safetensors"))
    if not delta_names:
        return None
    backbone_files = backbone.files.select_related("object").filter(path__endswith=".safetensors")
    modules = {_parent(name) for name in _tensor_names(f.object for f in backbone_files)}
    roots = {m.split(".", 1)[0] for m in modules if "." in m}
    touched = {_host(name, modules, roots) for name in delta_names}
    return build_tree(modules | touched, touched)


def build_tree(paths, touched):
    """Nested nodes for dotted module paths, runs of identical numbered layers folded into one."""
    root = {}
    for path in paths:
        node = root
        for part in path.split(".") if path else []:
            node = node.setdefault(part, {})
    return _fold(_nodes(root, "", touched))


def _nodes(tree, prefix, touched):
    nodes = []
    for label in sorted(tree, key=_natural):
        path = f"{prefix}.{label}" if prefix else label
        nodes.append(Node(label, path in touched, 1, _nodes(tree[label], path, touched)))
    return nodes


def _fold(nodes):
    folded = []
    for node in nodes:
        node.children = _fold(node.children)
        last = folded[-1] if folded else None
        if last is not None and _foldable(last, node):
            last.repeat += 1
            last.label = f"{last.label.split('–')[0]}–{node.label}"
        else:
            folded.append(node)
    return folded


def _foldable(previous, node):
    # Layers fold only when numbered and identical, highlights included: a delta on layer 3 alone stays visible.
    return previous.label.split("–")[0].isdigit() and node.label.isdigit() and _shape(previous) == _shape(node)


def _shape(node):
    return node.touched, tuple((c.label, c.repeat, _shape(c)) for c in node.children)


def _natural(label):
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


def _parent(name):
    return name.rsplit(".", 1)[0] if "." in name else ""


def _host(name, modules, roots):
    for prefix in PEFT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        for form in (candidate, *(f"{root}.{candidate}" for root in roots), candidate.partition(".")[2]):
            if form and form in modules:
                return form
    return _parent(name)


def _tensor_names(objects):
    names = []
    for obj in objects:
        names.extend(_cached_names(obj))
    return names


def _cached_names(obj):
    key = f"safetensors-names:{obj.sha256}"
    names = cache.get(key)
    if names is None:
        names = _read_names(obj)
        # Stored objects never change, so their tensor names can be cached for as long as we like.
        cache.set(key, names or [], CACHE_SECONDS if names is not None else FAILURE_CACHE_SECONDS)
    return names or []


def _read_names(obj):
    try:
        header = read_safetensors_header(obj.key, obj.size, ITEM_SIZES, BACKBONE_HEADER_BYTES)
    except (objectstore.ClientError, BotoCoreError, SafetensorsError) as exc:
        log.warning("Cannot read the safetensors header of %s: %s", obj.sha256[:12], exc)
        return None
    return [tensor.name for tensor in header.tensors]
