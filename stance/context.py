"""The neighbouring sentences a model reads beside each sentence it labels.

Stance often turns on the author's framing, which can sit in the sentence
before or after ("Today, if Ukraine refuses again, the terms will only get
harsher." is framed by the next sentence as "a direct threat"). A model trained
with context reads each sentence as the first segment of a pair whose second
segment is the surrounding text; only the sentence's own tokens are pooled, so
the label is still about the sentence. How much context a model reads is stored
with its weights (``stance.json``), never chosen by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ContextWindow:
    """How many sentences before and after, and how many tokens of them at most."""

    before: int = 1
    after: int = 0
    max_tokens: int = 64

    def __post_init__(self) -> None:
        if self.before < 0 or self.after < 0 or self.before + self.after == 0:
            raise ValueError(f"a context window needs before/after >= 0 and at least one of them "
                             f"> 0, got before={self.before}, after={self.after}")
        if self.max_tokens < 1:
            raise ValueError(f"context max_tokens must be >= 1, got {self.max_tokens}")

    @classmethod
    def from_dict(cls, data: Mapping | None) -> "ContextWindow | None":
        return None if not data else cls(**dict(data))

    def to_dict(self) -> dict:
        return asdict(self)

    def contexts(self, sentences: Sequence[str]) -> list[str]:
        """For each sentence of one article (in order), the text of its neighbours."""
        out = []
        for i in range(len(sentences)):
            before = sentences[max(0, i - self.before):i]
            after = sentences[i + 1:i + 1 + self.after]
            out.append(" ".join([*before, *after]))
        return out
