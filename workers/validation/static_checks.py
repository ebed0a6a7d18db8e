"""Checks on the delta's files that execute nothing: formats, headers, values and tensor names."""

import json
import os
from pathlib import Path

import numpy as np

from deltacenter.file_policy import SAFE_ALTERNATIVE, is_pickle
from deltacenter.formats import BITFIT_HEAD, DELTA_CONFIG, PEFT_CONFIG
from deltacenter.safetensors_header import SafetensorsError, SafetensorsHeader, read_header
from workers.validation.errors import ValidationFailed

FLOAT_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16}
PEFT_FORMATS = {"LORA": "lora", "ADALORA": "lora", "IA3": "ia3"}


def check_delta_directory(directory: str | Path, delta_type: str) -> dict[str, SafetensorsHeader]:
    """Raise ValidationFailed on the first problem; returns {file name: header} of the weight files."""
    directory = Path(directory)
    _refuse_pickles(directory)
    config = _read_config(directory)
    weights = sorted(directory.rglob("*.safetensors"))
    headers = {path.relative_to(directory).as_posix(): _checked_header(path) for path in weights}
    if not headers:
        raise ValidationFailed("no_weights", "The delta has no .safetensors weights.")
    for name, header in headers.items():
        _check_finite(directory / name, header)
    # A task head saved beside the delta's own tensors is whatever layers the head has: no naming rule for it.
    delta_tensors = [t.name for name, h in headers.items() if name != BITFIT_HEAD for t in h.tensors]
    _check_names(_format_of(config, delta_type), delta_tensors)
    return headers


def _refuse_pickles(directory: Path) -> None:
    pickles = [p.name for p in directory.rglob("*") if is_pickle(p.name)]
    if pickles:
        raise ValidationFailed(
            "pickled_weights",
            f"{pickles[:3]} can execute code when loaded and are never loaded here. {SAFE_ALTERNATIVE}",
        )


def _read_config(directory: Path) -> dict:
    for name in (PEFT_CONFIG, DELTA_CONFIG):
        path = directory / name
        if path.is_file():
            try:
                config = json.loads(path.read_text())
            except (UnicodeDecodeError, ValueError):
                raise ValidationFailed("invalid_config", f"{name} is not valid JSON.") from None
            if not isinstance(config, dict):
                raise ValidationFailed("invalid_config", f"{name} must hold a JSON object.")
            return config
    raise ValidationFailed("missing_config", f"The delta has neither {PEFT_CONFIG} nor {DELTA_CONFIG}.")


def _format_of(config: dict, delta_type: str) -> str:
    """The tensor layout to expect: PEFT's own type when there is one. PEFT types without a rule in
    PEFT_FORMATS (LoHa, LoKr, prompt learning...) get no name check; attaching them still has to fit."""
    peft_type = str(config.get("peft_type", "")).upper()
    return PEFT_FORMATS.get(peft_type, "") if peft_type else delta_type


def _checked_header(path: Path) -> SafetensorsHeader:
    try:
        with open(path, "rb") as handle:
            return read_header(handle, os.fstat(handle.fileno()).st_size)
    except SafetensorsError as exc:
        raise ValidationFailed(exc.code, f"{path.name}: {exc}") from None


def _check_finite(path: Path, header: SafetensorsHeader) -> None:
    data = np.memmap(path, dtype=np.uint8, mode="r")
    for tensor in header.tensors:
        raw = data[header.data_start + tensor.begin : header.data_start + tensor.end]
        values = _as_float(raw, tensor.dtype)
        if values is not None and not np.isfinite(values).all():
            raise ValidationFailed("non_finite_weights", f"{path.name}: tensor {tensor.name!r} holds NaN or Inf.")


def _as_float(raw: np.ndarray, dtype: str) -> np.ndarray | None:
    if dtype in FLOAT_DTYPES:
        return raw.view(np.dtype(FLOAT_DTYPES[dtype]).newbyteorder("<"))
    if dtype == "BF16":  # bfloat16 is the top half of a float32
        return (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
    return None


def _check_names(layout: str, names: list[str]) -> None:
    rule = NAME_RULES.get(layout)
    problem = rule(names) if rule else None
    if problem:
        raise ValidationFailed(
            "implausible_tensor_names", f"These tensors do not look like a {layout} delta: {problem}"
        )


def _lora_problem(names: list[str]) -> str | None:
    if not any("lora_A" in n or "lora_embedding_A" in n for n in names):
        return "no lora_A tensor."
    if not any("lora_B" in n or "lora_embedding_B" in n for n in names):
        return "no lora_B tensor."
    return None


def _bitfit_problem(names: list[str]) -> str | None:
    odd = [n for n in names if not n.endswith(".bias")]
    return f"{odd[:3]} are not biases." if odd else None


def _ia3_problem(names: list[str]) -> str | None:
    return None if any("ia3_l" in n for n in names) else "no ia3_l tensor."


NAME_RULES = {"lora": _lora_problem, "bitfit": _bitfit_problem, "ia3": _ia3_problem}
