"""Token ids for the classifier, straight from the ``tokenizers`` library.

Loading ``tokenizer.json`` with ``tokenizers`` takes a fraction of the time
``AutoTokenizer`` needs, and it is all prediction uses: encode with the
model's post-processing (special tokens), cut to the window, pad a batch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .tokenizer_file import read_tokenizer


class TokenEncoder:
    def __init__(self, backend, pad_id: int):
        self.backend = backend
        self.backend.no_padding()
        self.backend.no_truncation()
        self.pad_id = pad_id

    @classmethod
    def from_folder(cls, folder: str | Path) -> "TokenEncoder":
        folder = Path(folder)
        path = folder / "tokenizer.json"
        if not path.is_file():
            from .model_folder import ModelFolderError

            raise ModelFolderError(f"{folder} has no tokenizer.json; rebuild the model.")
        backend = read_tokenizer(path)
        pad_token = None
        config = folder / "tokenizer_config.json"
        if config.is_file():
            pad_token = json.loads(config.read_text(encoding="utf-8")).get("pad_token")
            if isinstance(pad_token, dict):
                pad_token = pad_token.get("content")
        pad_id = backend.token_to_id(pad_token) if pad_token else None
        return cls(backend, 0 if pad_id is None else pad_id)

    @classmethod
    def from_transformers(cls, tokenizer) -> "TokenEncoder":
        """Wrap the backend of a ``transformers`` fast tokenizer (used during training)."""
        from tokenizers import Tokenizer

        backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        return cls(backend, tokenizer.pad_token_id or 0)

    def encode(self, texts: list[str], max_length: int, contexts: list[str] | None = None,
               context_tokens: int = 64) -> tuple[list[list[int]], list[bool], list[int]]:
        """Token ids with special tokens, each text cut to ``max_length``.

        Returns the ids, whether each text was cut, and how many leading tokens of
        each row belong to the text itself (its own tokens and the special tokens
        that open and close it): the part the model pools. With ``contexts``, a
        non-empty context becomes the second segment of a pair, cut to its first
        ``context_tokens`` tokens; an empty one leaves the text alone, exactly as
        without contexts.
        """
        if contexts is None:
            contexts = [""] * len(texts)
        elif len(contexts) != len(texts):
            raise ValueError(f"{len(contexts)} contexts for {len(texts)} texts; give one per text")
        ids, truncated, pooled = [], [], []
        alone = [i for i, c in enumerate(contexts) if not c]
        paired = [i for i, c in enumerate(contexts) if c]
        rows: dict[int, tuple[list[int], bool, int]] = {}
        for i, enc in zip(alone, self.backend.encode_batch([texts[i] for i in alone])):
            row, cut = self._cut(enc, max_length)
            rows[i] = (row, cut, len(row))
        if paired:
            specials = self.backend.num_special_tokens_to_add(False)
            room = max_length - specials
            firsts = self.backend.encode_batch([texts[i] for i in paired], add_special_tokens=False)
            seconds = self.backend.encode_batch([contexts[i] for i in paired], add_special_tokens=False)
            for i, first, second in zip(paired, firsts, seconds):
                cut = len(first.ids) > room
                first.truncate(room)
                second.truncate(context_tokens)
                enc = self.backend.post_process(first, second, add_special_tokens=True)
                # A pair starts as the text alone would (BERT: [CLS] A [SEP], XLM-R: <s> A </s>).
                rows[i] = (enc.ids, cut, len(first.ids) + specials)
        for i in range(len(texts)):
            row, cut, own = rows[i]
            ids.append(row)
            truncated.append(cut)
            pooled.append(own)
        return ids, truncated, pooled

    @staticmethod
    def _cut(enc, max_length: int) -> tuple[list[int], bool]:
        row = enc.ids
        if len(row) <= max_length:
            return row, False
        # Keep the beginning, and the closing special token(s) the post-processor added.
        tail = [row[-1]] if enc.special_tokens_mask[-1] else []
        return row[: max_length - len(tail)] + tail, True

    def pad(self, batch: list[list[int]], pooled: list[int] | None = None,
            multiple_of: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pad to the longest row, rounded up to ``multiple_of`` (fewer distinct shapes
        let oneDNN reuse its kernels: about 5% faster on CPU).

        Returns input ids, the attention mask, and the pooling mask (the first
        ``pooled[i]`` tokens of row ``i``; the whole row when ``pooled`` is None), as
        int64 numpy arrays (``torch.from_numpy`` shares them without a copy).
        """
        width = -(-max(len(row) for row in batch) // multiple_of) * multiple_of
        input_ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
        attention = np.zeros((len(batch), width), dtype=np.int64)
        pool = np.zeros((len(batch), width), dtype=np.int64)
        for i, row in enumerate(batch):
            input_ids[i, : len(row)] = row
            attention[i, : len(row)] = 1
            pool[i, : len(row) if pooled is None else pooled[i]] = 1
        return input_ids, attention, pool
