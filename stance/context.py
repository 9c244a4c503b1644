"""The neighbouring sentences a model reads beside each sentence it labels.

Stance often turns on the author's framing, which can sit in the sentence
before or after ("Today, if Ukraine refuses again, the terms will only get
harsher." is framed by the next sentence as "a direct threat"). A model reads
its context in one of two ways (``mode``):

- ``"pair"``: each sentence is the first segment of a pair whose second segment is
  the neighbouring text; only the sentence's own tokens are pooled. Every sentence
  is encoded twice when an article is scored (as itself and as its neighbour's context).
- ``"vector"``: each sentence is encoded alone, once; the heads read its vector next to
  the previous sentence's own vector. Scoring an article costs what scoring its
  sentences alone costs.
- ``"window"``: consecutive sentences of an article are read together as one passage of at
  most ``max_tokens`` tokens (:mod:`stance.windows`), each sentence pooled over its own
  tokens: every sentence is encoded once, and its tokens attend to the sentences before and
  after it in the passage. A sentence given with a context that is not the sentence just
  before it in the request is read as a passage of two (the context, then the sentence).

Either way the label is about the sentence itself. How much context a model reads,
and how, is stored with its weights (``stance.json``), never chosen by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass


MODES = ("pair", "vector", "window")
#: the tokens of one passage of a window-mode model when none is given
WINDOW_TOKENS = 256


@dataclass(frozen=True)
class ContextWindow:
    """How many sentences before and after, and how many tokens of them at most (``pair``:
    of the context; ``window``: of a whole passage)."""

    before: int = 1
    after: int = 0
    max_tokens: int = 64
    mode: str = "pair"

    def __post_init__(self) -> None:
        if self.before < 0 or self.after < 0 or self.before + self.after == 0:
            raise ValueError(f"a context window needs before/after >= 0 and at least one of them "
                             f"> 0, got before={self.before}, after={self.after}")
        if self.max_tokens < 1:
            raise ValueError(f"context max_tokens must be >= 1, got {self.max_tokens}")
        if self.mode not in MODES:
            raise ValueError(f"context mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.mode in ("vector", "window") and (self.before, self.after) != (1, 0):
            raise ValueError(f"the {self.mode!r} context is given the one sentence before (before=1, "
                             f"after=0), got before={self.before}, after={self.after}")
        if self.mode == "window" and not 16 <= self.max_tokens <= 512:
            raise ValueError(f"a 'window' context reads passages of 16 to 512 tokens, got "
                             f"max_tokens={self.max_tokens}")

    @property
    def by_vector(self) -> bool:
        return self.mode == "vector"

    @property
    def by_window(self) -> bool:
        return self.mode == "window"

    @classmethod
    def from_dict(cls, data: Mapping | None) -> "ContextWindow | None":
        return None if not data else cls(**dict(data))

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.mode == "pair":  # the original form: folders of older versions read the same
            del data["mode"]
        return data

    def contexts(self, sentences: Sequence[str]) -> list[str]:
        """For each sentence of one article (in order), the text of its neighbours."""
        out = []
        for i in range(len(sentences)):
            before = sentences[max(0, i - self.before):i]
            after = sentences[i + 1:i + 1 + self.after]
            out.append(" ".join([*before, *after]))
        return out
