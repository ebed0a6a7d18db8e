"""Text to token ids and back: the backbone's own tokenizer when its files were uploaded, else a hashing fallback.

Both give the suites' runners the same few operations, so a runner never asks which one it has.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from transformers import PretrainedConfig, PreTrainedTokenizerBase

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer.model", "spiece.model", "vocab.json")
WORD_RE = re.compile(r"\w+|[^\w\s]")


class HashingTokenizer:
    """Deterministic word hashing into the model's vocabulary, for backbones uploaded without a tokenizer.

    Special ids come from the model's config where it names them in range. Decoding cannot give words back,
    so decoded text is the word ids themselves ("w17 w4"), and references are compared in the same form.
    """

    def __init__(self, config: PretrainedConfig) -> None:
        vocab_size = config.vocab_size

        def special(name: str) -> int | None:
            value = getattr(config, name, None)
            return value if isinstance(value, int) and 0 <= value < vocab_size else None

        self.pad_id = special("pad_token_id") if special("pad_token_id") is not None else 0
        self.bos_id, self.eos_id = special("bos_token_id"), special("eos_token_id")
        self.start_id = self.bos_id if self.bos_id is not None else 1
        reserved = [i for i in (self.pad_id, self.bos_id, self.eos_id, self.start_id) if i is not None]
        self.first_word_id = min(max(reserved) + 1, vocab_size - 1)
        self.vocab_size = vocab_size
        self.is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))

    def encode(self, text: str) -> list[int]:
        span = max(1, self.vocab_size - self.first_word_id)
        return [self.first_word_id + zlib.crc32(w.encode()) % span for w in WORD_RE.findall(text.lower())]

    def start_ids(self) -> list[int]:
        return [self.start_id]

    def encoder_ids(self, text: str, max_length: int) -> list[int]:
        """Ids for an encoder's input: a start token, the words, and an end token for encoder-decoders."""
        end = [self.eos_id] if self.is_encoder_decoder and self.eos_id is not None else []
        words = self.encode(text)[: max(0, max_length - 1 - len(end))]
        return [self.start_id, *words, *end]

    def decode(self, ids: Iterable[int]) -> str:
        return " ".join(f"w{i}" for i in ids if i >= self.first_word_id)

    def reference(self, text: str) -> str:
        return self.decode(self.encode(text))

    def word_ids(self, words: Sequence[str], max_length: int) -> tuple[list[int], list[int | None]]:
        """(ids, word index of each id or None): one id per word, after the start token."""
        ids = [self.start_id] + [(self.encode(w) or [self.first_word_id])[0] for w in words]
        ids = ids[:max_length]
        return ids, [None, *range(len(ids) - 1)]

    def __call__(self, texts: Iterable[str], max_length: int) -> dict[str, torch.Tensor]:
        return pad([self.encoder_ids(t, max_length) for t in texts], self.pad_id)


class PretrainedTokenizer:
    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer
        self.pad_id = next(i for i in (tokenizer.pad_token_id, tokenizer.eos_token_id, 0) if i is not None)
        self.bos_id, self.eos_id = tokenizer.bos_token_id, tokenizer.eos_token_id

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def start_ids(self) -> list[int]:
        """What conditions the first token of a text: the beginning-of-text token, else end-of-text."""
        start = self.bos_id if self.bos_id is not None else self.eos_id
        return [start] if start is not None else []

    def encoder_ids(self, text: str, max_length: int) -> list[int]:
        return self.tokenizer(text, truncation=True, max_length=max_length)["input_ids"]

    def decode(self, ids: Iterable[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def reference(self, text: str) -> str:
        return text

    def word_ids(self, words: Sequence[str], max_length: int) -> tuple[list[int], list[int | None]]:
        encoded = self.tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
        return encoded["input_ids"], encoded.word_ids()

    def __call__(self, texts: Iterable[str], max_length: int) -> dict[str, torch.Tensor]:
        return dict(
            self.tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        )


# What the suites' runners are given: the same few operations either way.
Tokenizer = HashingTokenizer | PretrainedTokenizer


def pad(rows: Sequence[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded input ids and attention mask: real tokens keep their positions whatever the batch."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad_id] * (width - len(r)) for r in rows], dtype=torch.long)
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], dtype=torch.long)
    return {"input_ids": ids, "attention_mask": mask}


def tokenizer_for(directory: Path, config: PretrainedConfig) -> Tokenizer:
    if any((directory / name).is_file() for name in TOKENIZER_FILES):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True, trust_remote_code=False)
        return PretrainedTokenizer(tokenizer)
    return HashingTokenizer(config)
