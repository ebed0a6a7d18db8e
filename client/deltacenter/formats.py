"""Delta formats the hub understands: PEFT adapters, and bias-only (BitFit) deltas."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from deltacenter.errors import DeltaCenterError

if TYPE_CHECKING:
    import torch

    from deltacenter.backbone_hash import PathLike

PEFT_CONFIG = "adapter_config.json"
DELTA_CONFIG = "delta_config.json"
BITFIT_WEIGHTS = "delta.safetensors"
BITFIT_HEAD = "head.safetensors"
BITFIT_FORMAT = "deltacenter-bitfit/1"
PEFT_TYPES = {
    "LORA": "lora",
    "ADALORA": "lora",
    "LOHA": "lora",
    "LOKR": "lora",
    "IA3": "ia3",
    "PREFIX_TUNING": "prefix",
    "PROMPT_TUNING": "prompt",
    "P_TUNING": "prompt",
    "MULTITASK_PROMPT_TUNING": "prompt",
}


def _read_json(path: PathLike) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise DeltaCenterError(f"Cannot read {path}: {exc}") from None


def detect_delta_type(directory: PathLike) -> str:
    directory = Path(directory)
    if (directory / PEFT_CONFIG).is_file():
        peft_type = _read_json(directory / PEFT_CONFIG).get("peft_type", "")
        return PEFT_TYPES.get(str(peft_type).upper(), "other")
    if (directory / DELTA_CONFIG).is_file():
        return _read_json(directory / DELTA_CONFIG).get("delta_type", "other")
    raise DeltaCenterError(
        f"{directory} has neither {PEFT_CONFIG} (a PEFT save_pretrained directory) nor {DELTA_CONFIG} (a BitFit delta)."
    )


def bias_names(model: torch.nn.Module) -> list[str]:
    """Names of the backbone's bias tensors, as the backbone hash names them."""
    from deltacenter.backbone_hash import backbone_module

    return [name for name, _ in backbone_module(model).named_parameters() if name.endswith(".bias")]


def head_names(model: torch.nn.Module) -> list[str]:
    """Names (in the full model) of the parameters outside the backbone: the task head a fine-tune trains."""
    from deltacenter.backbone_hash import backbone_module

    model = model.get_base_model() if callable(getattr(model, "get_base_model", None)) else model
    inside = {id(p) for p in backbone_module(model).parameters()}
    return [name for name, param in model.named_parameters() if id(param) not in inside]


def save_bitfit(
    model: torch.nn.Module, directory: PathLike, names: Iterable[str] | None = None, task_type: str | None = None
) -> Path:
    """Save a BitFit delta: the backbone's biases, the task head beside them, and a small config.

    `task_type` (PEFT's names: SEQ_CLS, TOKEN_CLS, CAUSAL_LM...) defaults to what the model's class is for.
    For a task that trains its own output layer (classification, question answering) the parameters outside
    the backbone, the head, go to head.safetensors; a language model's head is part of its backbone.
    """
    from safetensors.torch import save_file

    from deltacenter.backbone_hash import backbone_module
    from deltacenter.families import HEAD_FAMILIES, family_of_task_type, task_type_of_model

    params = dict(backbone_module(model).named_parameters())
    names = list(names) if names is not None else bias_names(model)
    missing = [n for n in names if n not in params]
    if missing:
        raise DeltaCenterError(f"The backbone has no parameters named {missing[:5]}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_file({n: params[n].detach().cpu().contiguous() for n in names}, str(directory / BITFIT_WEIGHTS))
    task_type = task_type or task_type_of_model(model)
    config = {"delta_type": "bitfit", "format": BITFIT_FORMAT, "task_type": task_type}
    everything = dict(model.named_parameters())
    head = {n: everything[n].detach().cpu().contiguous() for n in head_names(model)}
    if head and family_of_task_type(task_type) in HEAD_FAMILIES:
        save_file(head, str(directory / BITFIT_HEAD))
        config["head"] = BITFIT_HEAD
    (directory / DELTA_CONFIG).write_text(json.dumps(config, indent=2))
    return directory


def apply_bitfit(model: torch.nn.Module, directory: PathLike) -> torch.nn.Module:
    """Load a BitFit delta into `model` in place; every tensor must match a parameter exactly."""
    from safetensors.torch import load_file

    from deltacenter.backbone_hash import backbone_module

    directory = Path(directory)
    _copy_into(dict(backbone_module(model).named_parameters()), load_file(str(directory / BITFIT_WEIGHTS)))
    if (directory / BITFIT_HEAD).is_file():
        _copy_into(dict(model.named_parameters()), load_file(str(directory / BITFIT_HEAD)))
    return model


def _copy_into(params: dict[str, torch.nn.Parameter], tensors: dict[str, torch.Tensor]) -> None:
    import torch

    unexpected = sorted(n for n in tensors if n not in params)
    mismatched = sorted(n for n in tensors if n in params and params[n].shape != tensors[n].shape)
    if unexpected or mismatched:
        raise DeltaCenterError(
            f"This BitFit delta does not fit the model: unexpected keys {unexpected[:5]},"
            f" shape mismatches {mismatched[:5]}."
        )
    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].device, params[name].dtype))


def attach(model: torch.nn.Module, directory: PathLike, is_trainable: bool = False) -> torch.nn.Module:
    """Attach the delta saved in `directory` to `model`; returns the model to run."""
    directory = Path(directory)
    if (directory / PEFT_CONFIG).is_file():
        from peft import PeftModel

        return PeftModel.from_pretrained(model, str(directory), is_trainable=is_trainable)
    if detect_delta_type(directory) == "bitfit":
        return apply_bitfit(model, directory)
    raise DeltaCenterError(f"Don't know how to attach the delta in {directory}.")
