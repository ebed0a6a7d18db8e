"""Code that creates a delta on a backbone, and the number of parameters that delta trains.

Pure: it reads the backbone's tensor shapes (from its weights' safetensors headers) and its config, never a file
or the network, so a page can call it per request. The counts follow PEFT 0.21's own layers:

- LoRA: A (r × in) and B (out × r) per adapted layer, r·(in + out); an embedding gets r·(rows + dim) the same way.
- IA3: one vector per adapted layer, as long as its output, or as its input for a feed-forward layer (here: a
  layer whose input is wider than its output, the second layer of a transformer's MLP).
- Prefix tuning (no projection): num_virtual_tokens × (num_layers · 2 · token_dim), token_dim shrunk to the
  key/value width for grouped-query attention.
- BitFit is not a PEFT method: plain torch that trains only the biases of the chosen modules.

Modules are chosen with patterns: a dotted module path whose segments may be a range of layer numbers
(`encoder.layer.0–11.attention`, as the folded tree shows them) or `*`; a pattern takes the module and all below
it, and the longest pattern marking a module decides whether it is a target or frozen.
"""

import json
import math
import re
from dataclasses import dataclass

from hub.core.errors import Invalid

DELTA_TYPES = ("lora", "ia3", "prefix", "bitfit")
# Model types whose transformers implementation uses Conv1D (weight stored in × out) instead of nn.Linear.
CONV1D_MODEL_TYPES = frozenset({"gpt2", "openai-gpt", "imagegpt", "decision_transformer"})
EMBEDDING_NAMES = frozenset({"wte", "wpe", "shared"})
_RANGE = re.compile(r"([0-9]+)[–-]([0-9]+)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_PATTERNS = 1000
# How many module-tree nodes the patterns of one request may visit: bounds the work of a request, however broad.
MAX_PATTERN_WORK = 200_000


@dataclass(frozen=True)
class BackboneFacts:
    """What the generator needs to know of a backbone."""

    name: str
    model_class: str  # a transformers class, e.g. BertModel; AutoModel when unknown
    model_type: str
    config: dict
    tensor_shapes: dict[str, list[int]]


@dataclass(frozen=True)
class DeltaChoice:
    delta_type: str
    targets: tuple[str, ...] = ()
    frozen: tuple[str, ...] = ()
    r: int = 8
    alpha: int = 16
    num_virtual_tokens: int = 20


@dataclass(frozen=True)
class GeneratedDelta:
    code: str
    trainable_parameters: int
    modules: tuple[str, ...]  # the modules the delta changes (empty for prefix tuning, which adds its own)


def generate(backbone: BackboneFacts, choice: DeltaChoice) -> GeneratedDelta:
    """The code that creates `choice` on `backbone`, and how many parameters it trains."""
    if choice.delta_type not in DELTA_TYPES:
        raise Invalid("invalid_choice", f"Choose a delta type among {', '.join(DELTA_TYPES)}.", field="delta_type")
    if choice.delta_type == "prefix":
        return _prefix(backbone, choice)
    layers = _layers(backbone)
    chosen = _chosen(layers, choice)
    if choice.delta_type == "lora":
        return _lora(backbone, choice, layers, chosen)
    if choice.delta_type == "ia3":
        return _ia3(backbone, layers, chosen)
    return _bitfit(backbone, layers, chosen)


# Modules and their parameters


@dataclass(frozen=True)
class Layer:
    path: str
    weight: tuple[int, ...] | None
    bias: tuple[int, ...] | None

    @property
    def leaf(self) -> str:
        return self.path.rpartition(".")[2]


def _layers(backbone: BackboneFacts) -> dict[str, Layer]:
    if not backbone.tensor_shapes:
        raise Invalid(
            "shapes_unknown",
            "The hub does not know this backbone's tensor shapes: its weights were not uploaded to the hub.",
            field="backbone",
        )
    params: dict[str, dict[str, tuple[int, ...]]] = {}
    for name, shape in backbone.tensor_shapes.items():
        module, _, param = name.rpartition(".")
        params.setdefault(module, {})[param] = tuple(shape)
    return {
        path: Layer(path, found.get("weight"), found.get("bias") if len(found.get("bias", ())) == 1 else None)
        for path, found in params.items()
    }


def _in_out(backbone: BackboneFacts, layer: Layer) -> tuple[int, int]:
    rows, cols = layer.weight
    return (rows, cols) if _is_conv1d(backbone, layer) else (cols, rows)


def _is_conv1d(backbone: BackboneFacts, layer: Layer) -> bool:
    return backbone.model_type in CONV1D_MODEL_TYPES and not _is_embedding(layer)


def _is_embedding(layer: Layer) -> bool:
    return "embed" in layer.leaf.lower() or layer.leaf in EMBEDDING_NAMES


def _eligible(delta_type: str, layer: Layer) -> bool:
    if delta_type == "bitfit":
        return layer.bias is not None
    two_d = layer.weight is not None and len(layer.weight) == 2
    return two_d and (delta_type == "lora" or not _is_embedding(layer))


# Choosing modules with patterns


def _segment_matches(pattern: str, segment: str) -> bool:
    if pattern in ("*", segment):
        return True
    bounds = _RANGE.fullmatch(pattern)
    return bool(bounds and segment.isdigit() and int(bounds[1]) <= int(segment) <= int(bounds[2]))


def _segments(pattern: str) -> list[str]:
    return pattern.split(".") if pattern else []  # an empty pattern stands for the whole model


def _chosen(layers: dict[str, Layer], choice: DeltaChoice) -> list[str]:
    if len(choice.targets) + len(choice.frozen) > MAX_PATTERNS:
        raise Invalid("too_many", f"Mark at most {MAX_PATTERNS} modules.", field="targets")
    marks = _marks(layers, choice)
    chosen = []
    for path, layer in layers.items():
        if _eligible(choice.delta_type, layer) and _decided_by_deepest(path, marks):
            chosen.append(path)
    if not chosen:
        raise Invalid("no_targets", _no_targets_message(choice.delta_type), field="targets")
    return sorted(chosen)


def _marks(layers: dict[str, Layer], choice: DeltaChoice) -> dict[str, bool]:
    """The paths the patterns mark, True for a target, False for frozen (frozen wins where both mark one).

    Patterns are followed down a tree of the paths, so the work is what they match, within a fixed budget."""
    trie: dict = {}
    for path in layers:
        node = trie
        for part in path.split("."):
            node = node.setdefault(part, {})
    marks, budget = {}, [MAX_PATTERN_WORK]
    for patterns, is_target in ((choice.targets, True), (choice.frozen, False)):
        for pattern in patterns:
            for path in _expand(trie, _segments(pattern), budget):
                marks[path] = marks.get(path, True) and is_target
    return marks


def _expand(trie: dict, segments: list[str], budget: list[int]) -> list[str]:
    frontier = [("", trie)]
    for segment in segments:
        literal = segment != "*" and not _RANGE.fullmatch(segment)
        following = []
        for prefix, node in frontier:
            for label, child in _children(node, segment, literal):
                budget[0] -= 1
                if budget[0] < 0:
                    raise Invalid("too_broad", "These patterns match too many modules; mark fewer.", field="targets")
                if literal or _segment_matches(segment, label):
                    following.append((f"{prefix}.{label}" if prefix else label, child))
        frontier = following
    return [path for path, _ in frontier]


def _children(node: dict, segment: str, literal: bool) -> list[tuple[str, dict]]:
    if not literal:
        return list(node.items())
    return [(segment, node[segment])] if segment in node else []


def _decided_by_deepest(path: str, marks: dict[str, bool]) -> bool:
    """Whether the deepest marked module on `path` (itself, or one above it) is a target."""
    parts = path.split(".")
    for end in range(len(parts), -1, -1):
        mark = marks.get(".".join(parts[:end]))
        if mark is not None:
            return mark
    return False


def _no_targets_message(delta_type: str) -> str:
    kinds = {
        "lora": "linear or embedding layers",
        "ia3": "linear layers",
        "bitfit": "modules with a bias",
    }
    return f"Mark at least one module holding {kinds[delta_type]} as a target."


def suffixes(chosen: list[str], every: list[str], *, plain: bool = False) -> list[str]:
    """The shortest name endings that pick out exactly `chosen` among `every` module path, as PEFT matches
    target_modules: a module is picked when its path is the ending or ends with "." + ending (with `plain`, when
    it ends with the ending at all: PEFT's test for IA3's feedforward_modules)."""
    wanted, endings, verdicts, out = set(chosen), _Endings(every), {}, set()
    for path in chosen:
        parts = path.split(".")
        for size in range(1, len(parts) + 1):
            ending = ".".join(parts[-size:])
            if ending not in verdicts:
                verdicts[ending] = all(m in wanted for m in endings.picked(ending, plain))
            if verdicts[ending]:
                out.add(ending)
                break
    return sorted(out)


class _Endings:
    """Which module paths each dotted ending picks out, indexed once so a choice over thousands of layers is
    answered by lookups rather than by comparing every ending with every path."""

    def __init__(self, every: list[str]) -> None:
        self.every = every
        self.by_ending: dict[str, list[str]] = {}
        for path in every:
            parts = path.split(".")
            for size in range(1, len(parts) + 1):
                self.by_ending.setdefault(".".join(parts[-size:]), []).append(path)

    def picked(self, ending: str, plain: bool) -> list[str]:
        if not plain:
            return self.by_ending.get(ending, [])
        # A plain match ends with the ending's later segments whole; only its first may be longer.
        _, dot, rest = ending.partition(".")
        candidates = self.by_ending.get(rest, []) if dot else self.every
        return [path for path in candidates if path.endswith(ending)]


def _all_modules(layers: dict[str, Layer]) -> list[str]:
    """Every module path, containers included: a target ending must not name one PEFT cannot adapt."""
    found = set()
    for path in layers:
        parts = path.split(".")
        found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return sorted(found)


# The four kinds of delta


def _lora(backbone, choice: DeltaChoice, layers, chosen) -> GeneratedDelta:
    _check_range("r", choice.r, 1, 4096)
    _check_range("alpha", choice.alpha, 1, 65536)
    count = sum(choice.r * sum(layers[path].weight) for path in chosen)
    options = [f"r={choice.r}", f"lora_alpha={choice.alpha}", f"target_modules={_targets(chosen, layers)!r}"]
    if any(_is_conv1d(backbone, layers[p]) for p in chosen):
        options += ["# Conv1D layers store their weight as (in, out)", "fan_in_fan_out=True"]
    return GeneratedDelta(_peft_code(backbone, "LoraConfig", options, count), count, tuple(chosen))


def _ia3(backbone, layers, chosen) -> GeneratedDelta:
    feedforward = {p for p in chosen if _is_feedforward(backbone, layers[p])}
    others = [p for p in chosen if p not in feedforward]
    every = _all_modules(layers)
    ff_endings = suffixes(sorted(feedforward), every, plain=True)
    # No ending of the other targets reaches a feed-forward layer: each picks out only modules of `others`.
    targets = sorted(set(ff_endings) | set(suffixes(others, every)))
    count = 0
    for path in chosen:
        inputs, outputs = _in_out(backbone, layers[path])
        count += inputs if path in feedforward else outputs
    options = [f"target_modules={targets!r}", f"feedforward_modules={ff_endings!r}"]
    return GeneratedDelta(_peft_code(backbone, "IA3Config", options, count), count, tuple(chosen))


def _is_feedforward(backbone: BackboneFacts, layer: Layer) -> bool:
    inputs, outputs = _in_out(backbone, layer)
    return inputs > outputs


def _bitfit(backbone, layers, chosen) -> GeneratedDelta:
    count = sum(layers[path].bias[0] for path in chosen)
    with_bias = sorted(path for path, layer in layers.items() if layer.bias is not None)
    endings = suffixes(chosen, with_bias)
    model_class = _model_class(backbone)
    code = "\n".join(
        [
            *_header(backbone),
            f"from transformers import {model_class}",
            "",
            f"BACKBONE = {json.dumps(backbone.name)}",
            f"TRAINED = {endings!r}  # BitFit: only these modules' biases train",
            "",
            f"model = {model_class}.from_pretrained(BACKBONE)",
            "for name, param in model.named_parameters():",
            '    module, _, kind = name.rpartition(".")',
            '    chosen = any(module == end or module.endswith("." + end) for end in TRAINED)',
            '    param.requires_grad = kind == "bias" and chosen',
            "trainable = sum(param.numel() for param in model.parameters() if param.requires_grad)",
            f'print(f"trainable params: {{trainable:,}}")  # {count:,}',
            "",
        ]
    )
    return GeneratedDelta(code, count, tuple(chosen))


def _prefix(backbone: BackboneFacts, choice: DeltaChoice) -> GeneratedDelta:
    _check_range("num_virtual_tokens", choice.num_virtual_tokens, 1, 1024)
    config = backbone.config.get("text_config") or backbone.config
    layers = _first(config, ("num_hidden_layers", "num_layers", "n_layer"))
    token_dim = _first(config, ("hidden_size", "n_embd", "d_model"))
    heads = _first(config, ("num_attention_heads", "n_head", "num_heads", "encoder_attention_heads"))
    if layers is None or token_dim is None or heads is None:
        raise Invalid(
            "config_unknown",
            "Prefix tuning needs the backbone's layer count, hidden size and attention heads from its config.",
            field="delta_type",
        )
    if config.get("num_key_value_heads"):
        if config.get("global_head_dim") or config.get("per_layer_config"):
            raise Invalid(
                "unsupported", "Prefix tuning of mixed-attention models is not generated.", field="delta_type"
            )
        token_dim = (config.get("head_dim") or token_dim // heads) * config["num_key_value_heads"]
    if backbone.config.get("is_encoder_decoder"):
        raise Invalid("unsupported", "Prefix tuning of encoder-decoder models is not generated.", field="delta_type")
    count = choice.num_virtual_tokens * layers * 2 * token_dim
    options = [f"task_type={_task_type(backbone)!r}", f"num_virtual_tokens={choice.num_virtual_tokens}"]
    return GeneratedDelta(_peft_code(backbone, "PrefixTuningConfig", options, count), count, ())


def _task_type(backbone: BackboneFacts) -> str:
    # Prompt learning needs a task type; these two add no trainable head of their own.
    causal = _model_class(backbone).endswith(("ForCausalLM", "LMHeadModel"))
    return "CAUSAL_LM" if causal else "FEATURE_EXTRACTION"


def _first(config: dict, keys: tuple[str, ...]) -> int | None:
    for key in keys:
        if isinstance(config.get(key), int) and config[key] > 0:
            return config[key]
    return None


def _check_range(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise Invalid("out_of_range", f"{field} must be between {low} and {high}.", field=field)


def _targets(chosen: list[str], layers: dict[str, Layer]) -> list[str]:
    return suffixes(chosen, _all_modules(layers))


# The code text


def _header(backbone: BackboneFacts) -> list[str]:
    return [
        f"# A delta on {backbone.name}, written by Delta Center.",
        "# BACKBONE names the checkpoint to load: a Hugging Face Hub id, or a local directory holding it.",
    ]


def _model_class(backbone: BackboneFacts) -> str:
    return backbone.model_class if _IDENTIFIER.fullmatch(backbone.model_class or "") else "AutoModel"


def _peft_code(backbone: BackboneFacts, config_class: str, options: list[str], count: int) -> str:
    model_class = _model_class(backbone)
    lines = [
        *_header(backbone),
        f"from peft import {config_class}, get_peft_model",
        f"from transformers import {model_class}",
        "",
        f"BACKBONE = {json.dumps(backbone.name)}",
        "",
        f"model = {model_class}.from_pretrained(BACKBONE)",
        f"config = {config_class}(",
        *(f"    {option}" if option.startswith("#") else f"    {option}," for option in options),
        ")",
        "model = get_peft_model(model, config)",
        f"model.print_trainable_parameters()  # trainable params: {count:,}",
        "",
    ]
    return "\n".join(lines)


def share(trainable: int, total: int) -> str:
    """`trainable` as a share of `total` parameters, e.g. "0.29%"."""
    if total <= 0:
        return ""
    percent = 100 * trainable / total
    digits = max(0, 2 - math.floor(math.log10(percent))) if percent > 0 else 0
    return f"{percent:.{min(digits, 6)}f}%"
