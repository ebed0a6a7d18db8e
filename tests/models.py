"""Tiny random transformers models, built from a config so tests never download anything."""

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

TINY_VOCAB = 99
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


def tiny_gpt2(seed=0):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=TINY_VOCAB, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=1, eos_token_id=1
    )
    return GPT2LMHeadModel(config).eval()


def tiny_llama(seed=0, dtype=torch.bfloat16):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=99,
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    return LlamaForCausalLM(config).to(dtype).eval()


def tiny_t5(seed=0):
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    config = T5Config(vocab_size=99, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=2, decoder_start_token_id=0)
    return T5ForConditionalGeneration(config).eval()


def tiny_bert_tagger(num_labels, seed=0):
    from transformers import BertForTokenClassification

    torch.manual_seed(seed)
    return BertForTokenClassification(BertConfig(**{**TINY_BERT, "num_labels": num_labels})).eval()


def lora(model, task_type, target_modules, seed=1, zero=False):
    """A LoRA of `task_type`; random B matrices (so it changes the outputs) unless `zero`, PEFT's own start."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, lora_alpha=8, target_modules=target_modules, task_type=task_type)
    peft_model = get_peft_model(model, config)
    if not zero:
        torch.manual_seed(seed)
        with torch.no_grad():
            for name, param in peft_model.named_parameters():
                if "lora_B" in name:
                    param.normal_(std=0.5)
    return peft_model.eval()


def word_tokenizer(texts, vocab_size=TINY_VOCAB):
    """A real tokenizer (word level, trained here on `texts`) for the tiny language models."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[BOS]", "[UNK]"])
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", bos_token="[BOS]", unk_token="[UNK]")


def trainable_count_of(code, directory):
    """Run generated delta code with the local checkpoint `directory` in place of the hub name "org/tiny" (the
    documented way) and return how many parameters it trains."""
    line = 'BACKBONE = "org/tiny"'
    assert code.count(line) == 1
    namespace = {}
    exec(code.replace(line, f"BACKBONE = {str(directory)!r}"), namespace)
    if "trainable" in namespace:  # BitFit: plain torch
        return namespace["trainable"]
    return namespace["model"].get_nb_trainable_parameters()[0]
