"""Text to model inputs: the backbone's own tokenizer when its files were uploaded, else a hashing fallback."""

import re
import zlib

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer.model", "vocab.json")
WORD_RE = re.compile(r"\w+|[^\w\s]")


class HashingTokenizer:
    """Deterministic word hashing into the model's vocabulary, for backbones uploaded without a tokenizer."""

    pad_id, start_id = 0, 1

    def __init__(self, vocab_size):
        self.vocab_size = vocab_size

    def token_ids(self, text, max_length):
        words = WORD_RE.findall(text.lower())[: max_length - 1]
        return [self.start_id] + [2 + zlib.crc32(w.encode()) % (self.vocab_size - 2) for w in words]

    def __call__(self, texts, max_length):
        import torch

        rows = [self.token_ids(t, max_length) for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.tensor([r + [self.pad_id] * (width - len(r)) for r in rows])
        return {"input_ids": ids, "attention_mask": (ids != self.pad_id).long()}


class PretrainedTokenizer:
    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, texts, max_length):
        return dict(
            self.tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        )


def tokenizer_for(directory, config):
    if any((directory / name).is_file() for name in TOKENIZER_FILES):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True, trust_remote_code=False)
        return PretrainedTokenizer(tokenizer)
    return HashingTokenizer(config.vocab_size)
