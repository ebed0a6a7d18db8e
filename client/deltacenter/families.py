"""Task families: what a delta does with its backbone, from the task type it declares. Imports no torch.

A PEFT adapter declares ``task_type`` in adapter_config.json; a hub format such as BitFit declares
``task_type`` (PEFT's names) or ``family`` (the names below) in delta_config.json. A delta that declares
nothing runs on the bare backbone: feature extraction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from deltacenter.errors import DeltaCenterError

if TYPE_CHECKING:
    import torch

    from deltacenter.backbone_hash import PathLike

SEQUENCE_CLASSIFICATION = "sequence-classification"
TOKEN_CLASSIFICATION = "token-classification"
QUESTION_ANSWERING = "question-answering"
CAUSAL_LM = "causal-lm"
SEQ2SEQ_LM = "seq2seq-lm"
FEATURE_EXTRACTION = "feature-extraction"

FAMILY_OF_TASK_TYPE = {
    "SEQ_CLS": SEQUENCE_CLASSIFICATION,
    "TOKEN_CLS": TOKEN_CLASSIFICATION,
    "QUESTION_ANS": QUESTION_ANSWERING,
    "CAUSAL_LM": CAUSAL_LM,
    "SEQ_2_SEQ_LM": SEQ2SEQ_LM,
    "FEATURE_EXTRACTION": FEATURE_EXTRACTION,
}
TASK_TYPE_OF_FAMILY = {family: task_type for task_type, family in FAMILY_OF_TASK_TYPE.items()}
FAMILIES = tuple(TASK_TYPE_OF_FAMILY)
# Families whose output layer is trained for the task, so the delta has to bring it.
HEAD_FAMILIES = (SEQUENCE_CLASSIFICATION, TOKEN_CLASSIFICATION, QUESTION_ANSWERING)
# The transformers Auto class that loads a model of each family.
AUTO_CLASS = {
    SEQUENCE_CLASSIFICATION: "AutoModelForSequenceClassification",
    TOKEN_CLASSIFICATION: "AutoModelForTokenClassification",
    QUESTION_ANSWERING: "AutoModelForQuestionAnswering",
    CAUSAL_LM: "AutoModelForCausalLM",
    SEQ2SEQ_LM: "AutoModelForSeq2SeqLM",
    FEATURE_EXTRACTION: "AutoModel",
}

CONFIG_FILES = ("adapter_config.json", "delta_config.json")


def family_of_task_type(task_type: object) -> str:
    """The family of a PEFT task type (None or empty: feature extraction); ValueError when unknown."""
    if not task_type:
        return FEATURE_EXTRACTION
    family = FAMILY_OF_TASK_TYPE.get(str(task_type).upper())
    if family is None:
        raise ValueError(f"unknown task_type {task_type!r}; expected one of {', '.join(FAMILY_OF_TASK_TYPE)}")
    return family


def family_of_config(config: dict) -> str:
    """The family a delta's config declares: `family` by name, else `task_type` by PEFT's name."""
    family = config.get("family")
    if family:
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
        return family
    return family_of_task_type(config.get("task_type"))


def declared_family(directory: PathLike) -> str:
    """The family the delta in `directory` declares."""
    for name in CONFIG_FILES:
        path = Path(directory) / name
        if path.is_file():
            try:
                return family_of_config(json.loads(path.read_text()))
            except (OSError, ValueError, AttributeError) as exc:
                raise DeltaCenterError(f"{path}: {exc}") from None
    raise DeltaCenterError(f"{directory} has none of {', '.join(CONFIG_FILES)}.")


def task_type_of_model(model: torch.nn.Module) -> str:
    """PEFT's task type for a transformers model, from its class: BertForSequenceClassification is SEQ_CLS."""
    from transformers.models.auto import modeling_auto as auto

    mappings = (
        ("SEQ_CLS", auto.MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES),
        ("TOKEN_CLS", auto.MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES),
        ("QUESTION_ANS", auto.MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES),
        ("CAUSAL_LM", auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES),
        ("SEQ_2_SEQ_LM", auto.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES),
    )
    name = type(model).__name__
    for task_type, mapping in mappings:
        for value in mapping.values():
            if name == value or (isinstance(value, tuple) and name in value):
                return task_type
    return "FEATURE_EXTRACTION"
