"""Tiny random transformers models, built from a config so tests never download anything."""

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

TINY_BERT = dict(
    vocab_size=99,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=37,
    max_position_embeddings=64,
    num_labels=2,
)


def tiny_bert(seed=0, head=True):
    torch.manual_seed(seed)
    config = BertConfig(**TINY_BERT)
    model = BertForSequenceClassification(config) if head else BertModel(config)
    return model.eval()


def tiny_lora(model, seed=1):
    """A LoRA whose B matrices are random, so it really changes the outputs."""
    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(
        model, LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"], task_type="SEQ_CLS")
    )
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_()
    return peft_model.eval()


def tiny_bitfit_tuned(shift=0.1):
    """tiny_bert(seed=0) with every backbone bias moved by `shift`: what a BitFit run changes."""
    model = tiny_bert(seed=0)
    with torch.no_grad():
        for name, param in model.bert.named_parameters():
            if name.endswith(".bias"):
                param.add_(shift)
    return model


def sample_inputs():
    torch.manual_seed(123)
    return {"input_ids": torch.randint(0, 99, (3, 12)), "attention_mask": torch.ones(3, 12, dtype=torch.long)}
