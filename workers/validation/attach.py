"""Put a delta on a warm backbone for one evaluation, then take it off again, leaving the backbone as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from deltacenter import families
from deltacenter.formats import BITFIT_HEAD, BITFIT_WEIGHTS, PEFT_CONFIG
from workers.validation.errors import ValidationFailed

if TYPE_CHECKING:
    import torch
    from peft import PeftModel

    from workers.validation.backbones import LoadedBackbone

ADAPTER = "under_validation"
PEFT_PREFIX = "base_model.model."


@dataclass(frozen=True)
class Attached:
    model: torch.nn.Module  # what to run
    trainable: int  # parameters the delta brought
    unscored: tuple = ()  # (reason code, message) when the attached model must not be scored


@contextmanager
def attached(loaded: LoadedBackbone, directory: str | Path) -> Iterator[Attached]:
    """Yield an Attached; the backbone is restored however the block ends."""
    directory = Path(directory)
    if (directory / PEFT_CONFIG).is_file():
        with _peft_attached(loaded, directory) as attachment:
            yield attachment
    elif (directory / BITFIT_WEIGHTS).is_file():
        with _bitfit_attached(loaded, directory) as attachment:
            yield attachment
    else:
        raise ValidationFailed("unsupported_delta_type", "Only PEFT adapters and BitFit deltas can be validated yet.")


@contextmanager
def _peft_attached(loaded: LoadedBackbone, directory: Path) -> Iterator[Attached]:
    from peft import MODEL_TYPE_TO_PEFT_MODEL_MAPPING, PeftConfig, PeftModel, set_peft_model_state_dict
    from safetensors.torch import load_file

    try:
        config = PeftConfig.from_pretrained(str(directory))
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationFailed(
            "invalid_config", f"{PEFT_CONFIG} is not a configuration PEFT can read.", detail=str(exc)
        ) from None
    config.inference_mode = True
    weights = _load_weights(load_file, directory / "adapter_model.safetensors")
    model = loaded.model
    try:
        peft_class = MODEL_TYPE_TO_PEFT_MODEL_MAPPING.get(config.task_type, PeftModel)
        try:
            peft_model = peft_class(model, config, adapter_name=ADAPTER)
        except (ValueError, RuntimeError, KeyError, AttributeError) as exc:
            raise ValidationFailed(
                "delta_does_not_fit",
                "The delta's configuration does not fit the backbone: PEFT cannot place it on this architecture.",
                detail=str(exc),
            ) from None
        head_keys = {PEFT_PREFIX + name: name for name in loaded.head_names}
        weights, unscored = _split_head(loaded, _expected_shapes(peft_model), weights, head_keys)
        set_peft_model_state_dict(peft_model, weights, adapter_name=ADAPTER)
        yield Attached(peft_model.eval(), sum(t.numel() for t in weights.values()), unscored)
    finally:
        strip_peft_layers(model)


def _split_head(
    loaded: LoadedBackbone,
    expected: dict[str, tuple[int, ...]],
    weights: dict[str, torch.Tensor],
    head_keys: dict[str, str],
) -> tuple[dict[str, torch.Tensor], tuple[str, ...]]:
    """Check the delta fits; returns the weights to load, and (code, message) when not to score it: a task head
    missing or made for another number of labels (the rest of the delta still has to fit), or no output layer."""
    # A head tensor counts only where PEFT will load it (modules_to_save names its module).
    provided = {head_keys[k] for k in weights if k in head_keys and k in expected}
    if loaded.family not in families.HEAD_FAMILIES:
        _check_fit(expected, weights)
        return weights, _output_layer_problem(loaded, provided)
    body = {k: v for k, v in weights.items() if k not in head_keys}
    _check_fit({k: s for k, s in expected.items() if k not in head_keys}, body)
    mismatched = sorted(
        k for k in weights if k in head_keys and k in expected and tuple(weights[k].shape) != expected[k]
    )
    unscored = _head_problem(loaded, provided, mismatched)
    return (body if unscored else weights), unscored


def _head_problem(loaded: LoadedBackbone, provided: set[str], mismatched: list[str]) -> tuple[str, ...]:
    """Why a classifier delta must not be scored: a head nobody trained, or one for other labels."""
    missing = sorted(loaded.head_names - provided)
    if missing:
        return (
            "no_task_head",
            f"The delta carries no trained task head ({', '.join(missing[:3])}): a {loaded.family} delta is"
            " scored only with its own head, never a random one. Save the head with the delta (PEFT's"
            " modules_to_save, or deltacenter.formats.save_bitfit).",
        )
    if mismatched:
        return (
            "head_label_mismatch",
            f"The delta's head ({', '.join(mismatched[:2])}) has another number of outputs than the"
            f" {loaded.num_labels} labels of its task's suites.",
        )
    return ()


def _output_layer_problem(loaded: LoadedBackbone, provided: set[str]) -> tuple[str, ...]:
    """Why a language model must not be scored: its output layer was neither uploaded nor brought by the delta."""
    untrained = sorted((loaded.untrained & loaded.head_names) - provided)
    if not untrained:
        return ()
    return (
        "backbone_without_lm_head",
        f"The backbone's uploaded weights lack its output layer ({', '.join(untrained[:3])}), so it cannot be"
        f" run as a {loaded.family} model; push the whole pretrained model with push_backbone.",
    )


def _load_weights(load_file: Callable[[str], dict[str, torch.Tensor]], path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ValidationFailed("no_weights", f"The delta has no {path.name}.")
    return load_file(str(path))


def _expected_shapes(peft_model: PeftModel) -> dict[str, tuple[int, ...]]:
    from peft import get_peft_model_state_dict

    return {k: tuple(v.shape) for k, v in get_peft_model_state_dict(peft_model, adapter_name=ADAPTER).items()}


def _check_fit(expected: Mapping[str, tuple[int, ...]], weights: Mapping[str, torch.Tensor]) -> None:
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing or unexpected:
        raise ValidationFailed(
            "delta_does_not_fit",
            f"The delta does not fit this backbone: missing keys {missing[:3]}, unexpected keys {unexpected[:3]}.",
        )
    mismatched = [
        f"{k}: {tuple(weights[k].shape)} vs {expected[k]}"
        for k in sorted(expected)
        if tuple(weights[k].shape) != expected[k]
    ]
    if mismatched:
        raise ValidationFailed("shape_mismatch", f"Tensor shapes differ from the backbone's: {mismatched[:3]}.")


def strip_peft_layers(module: torch.nn.Module) -> torch.nn.Module:
    """Replace every PEFT wrapper under `module` by the module it wraps, undoing the injection."""
    for name, child in list(module.named_children()):
        inner = _unwrapped(child)
        if inner is not child:
            setattr(module, name, inner)
        strip_peft_layers(inner)
    if hasattr(module, "peft_config"):
        del module.peft_config
    return module


def _unwrapped(child: torch.nn.Module) -> torch.nn.Module:
    while True:
        if hasattr(child, "original_module"):  # modules_to_save and trainable-token wrappers
            child = child.original_module
        elif hasattr(child, "base_layer") and callable(getattr(child, "get_base_layer", None)):
            child = child.get_base_layer()
        else:
            return child


@contextmanager
def _bitfit_attached(loaded: LoadedBackbone, directory: Path) -> Iterator[Attached]:
    from safetensors.torch import load_file

    from deltacenter.backbone_hash import backbone_module

    model = loaded.model
    biases = _load_weights(load_file, directory / BITFIT_WEIGHTS)
    params = dict(backbone_module(model).named_parameters())
    # Names the backbone lacks stay out of the expected set, so they surface as unexpected keys.
    _check_fit({n: tuple(params[n].shape) for n in biases if n in params}, biases)
    head = load_file(str(directory / BITFIT_HEAD)) if (directory / BITFIT_HEAD).is_file() else {}
    everything = dict(model.named_parameters())
    unknown = sorted(set(head) - loaded.head_names)
    if unknown:
        raise ValidationFailed("delta_does_not_fit", f"The delta's head has tensors the model lacks: {unknown[:3]}.")
    mismatched = sorted(n for n in head if tuple(head[n].shape) != tuple(everything[n].shape))
    if loaded.family in families.HEAD_FAMILIES:
        unscored = _head_problem(loaded, set(head), mismatched)
    elif mismatched:
        raise ValidationFailed("shape_mismatch", f"Tensor shapes differ from the model's: {mismatched[:3]}.")
    else:
        unscored = _output_layer_problem(loaded, set(head))
    changes = [(params, biases)] + ([] if unscored else [(everything, head)])
    originals = [(target, {n: target[n].detach().clone() for n in tensors}) for target, tensors in changes]
    try:
        for target, tensors in changes:
            _copy(target, tensors)
        yield Attached(model, sum(t.numel() for t in biases.values()) + sum(t.numel() for t in head.values()), unscored)
    finally:
        for target, tensors in originals:
            _copy(target, tensors)


def _copy(params: Mapping[str, torch.Tensor], tensors: Mapping[str, torch.Tensor]) -> None:
    import torch

    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].device, params[name].dtype))
