"""Put a delta on a warm backbone for one evaluation, then take it off again, leaving the backbone as it was."""

from contextlib import contextmanager
from pathlib import Path

from deltacenter.formats import BITFIT_WEIGHTS, PEFT_CONFIG
from workers.validation.errors import ValidationFailed

ADAPTER = "under_validation"


@contextmanager
def attached(model, directory):
    """Yield (model to run, trainable parameter count); the backbone is restored however the block ends."""
    directory = Path(directory)
    if (directory / PEFT_CONFIG).is_file():
        with _peft_attached(model, directory) as attached_model:
            yield attached_model
    elif (directory / BITFIT_WEIGHTS).is_file():
        with _bitfit_attached(model, directory) as attached_model:
            yield attached_model
    else:
        raise ValidationFailed("unsupported_delta_type", "Only PEFT adapters and BitFit deltas can be validated yet.")


@contextmanager
def _peft_attached(model, directory):
    from peft import MODEL_TYPE_TO_PEFT_MODEL_MAPPING, PeftConfig, PeftModel, set_peft_model_state_dict
    from safetensors.torch import load_file

    try:
        config = PeftConfig.from_pretrained(str(directory))
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationFailed("invalid_config", f"{PEFT_CONFIG} is not a PEFT configuration: {exc}") from None
    config.inference_mode = True
    weights = _load_weights(load_file, directory / "adapter_model.safetensors")
    try:
        peft_class = MODEL_TYPE_TO_PEFT_MODEL_MAPPING.get(config.task_type, PeftModel)
        try:
            peft_model = peft_class(model, config, adapter_name=ADAPTER)
        except (ValueError, RuntimeError, KeyError, AttributeError) as exc:
            raise ValidationFailed(
                "delta_does_not_fit", f"The delta's configuration does not fit the backbone: {exc}"
            ) from None
        _check_fit(_expected_shapes(peft_model), weights)
        set_peft_model_state_dict(peft_model, weights, adapter_name=ADAPTER)
        yield peft_model.eval(), sum(t.numel() for t in weights.values())
    finally:
        strip_peft_layers(model)


def _load_weights(load_file, path):
    if not path.is_file():
        raise ValidationFailed("no_weights", f"The delta has no {path.name}.")
    return load_file(str(path))


def _expected_shapes(peft_model):
    from peft import get_peft_model_state_dict

    return {k: tuple(v.shape) for k, v in get_peft_model_state_dict(peft_model, adapter_name=ADAPTER).items()}


def _check_fit(expected, weights):
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


def strip_peft_layers(module):
    """Replace every PEFT wrapper under `module` by the module it wraps, undoing the injection."""
    for name, child in list(module.named_children()):
        inner = _unwrapped(child)
        if inner is not child:
            setattr(module, name, inner)
        strip_peft_layers(inner)
    if hasattr(module, "peft_config"):
        del module.peft_config
    return module


def _unwrapped(child):
    while True:
        if hasattr(child, "original_module"):  # modules_to_save and trainable-token wrappers
            child = child.original_module
        elif hasattr(child, "base_layer") and callable(getattr(child, "get_base_layer", None)):
            child = child.get_base_layer()
        else:
            return child


@contextmanager
def _bitfit_attached(model, directory):
    import torch
    from safetensors.torch import load_file

    from deltacenter.backbone_hash import backbone_module

    weights = _load_weights(load_file, directory / BITFIT_WEIGHTS)
    params = dict(backbone_module(model).named_parameters())
    # Names the backbone lacks stay out of the expected set, so they surface as unexpected keys.
    _check_fit({n: tuple(params[n].shape) for n in weights if n in params}, weights)
    originals = {name: params[name].detach().clone() for name in weights}
    try:
        with torch.no_grad():
            for name, tensor in weights.items():
                params[name].copy_(tensor.to(params[name].device, params[name].dtype))
        yield model, sum(t.numel() for t in weights.values())
    finally:
        with torch.no_grad():
            for name, tensor in originals.items():
                params[name].copy_(tensor)
