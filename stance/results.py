"""Result objects: one per sentence (:class:`Prediction`) and one per article."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, repr=False)
class Prediction:
    """What the model says about one text.

    ``stance_scores`` are calibrated probabilities that sum to 1;
    ``technique_scores`` are independent probabilities, and ``techniques`` are
    the names whose score reaches the model's tuned threshold. ``truncated`` is
    true when the text was longer than the model's window and only its first
    ``max_length`` tokens were read. ``replaced_characters`` counts unpaired
    surrogates in the input that ``text`` shows as U+FFFD (see :mod:`stance.text_gate`).
    """

    text: str
    stance: str
    stance_scores: Mapping[str, float]
    techniques: tuple[str, ...]
    technique_scores: Mapping[str, float]
    truncated: bool = False
    replaced_characters: int = 0
    #: With ``predict(..., explain=True)``: for the chosen stance and each reported
    #: technique, the words that drive it (see :mod:`stance.evidence`); else None.
    evidence: Mapping[str, tuple] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "stance_scores", _frozen(self.stance_scores))
        object.__setattr__(self, "technique_scores", _frozen(self.technique_scores))

    @property
    def probas(self) -> dict[str, float]:
        """All scores in one flat dict (stance classes and techniques)."""
        return {**self.stance_scores, **self.technique_scores}

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "stance": self.stance,
            "stance_scores": dict(self.stance_scores),
            "techniques": list(self.techniques),
            "technique_scores": dict(self.technique_scores),
            "truncated": self.truncated,
            "replaced_characters": self.replaced_characters,
            **({"evidence": {label: [e.to_dict() for e in items]
                             for label, items in self.evidence.items()}}
               if self.evidence is not None else {}),
        }

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        techniques = ", ".join(self.techniques) or "none"
        return (f"Prediction(stance={self.stance!r} ({self.stance_scores[self.stance]:.2f}), "
                f"techniques=[{techniques}], text={text!r}"
                + (", truncated=True" if self.truncated else "") + ")")


@dataclass(frozen=True, repr=False)
class SentenceResult:
    """One sentence of an article: where it is, and what the model says about it."""

    text: str
    start: int
    end: int
    prediction: Prediction

    def to_dict(self) -> dict[str, Any]:
        pred = self.prediction.to_dict()
        pred.pop("text")
        return {"text": self.text, "start": self.start, "end": self.end, **pred}

    def __repr__(self) -> str:
        return f"SentenceResult({self.start}:{self.end}, {self.prediction!r})"


@dataclass(frozen=True, repr=False)
class ArticleResult:
    """A scored article: its sentences and what they add up to.

    - ``stance_shares``: share of sentences predicted for each stance.
    - ``leaning``: the side the partisan sentences favour (``neutral`` when none
      is partisan or the sides balance), with ``leaning_confidence`` in [0, 1]:
      how far the mean calibrated probabilities of the two sides are apart,
      weighted by how many sentences are partisan at all.
    - ``technique_counts`` and ``technique_rate`` (per 100 sentences).
    - ``top_sentences``: for each stance class and technique, the indexes of
      the sentences that drive it most (highest score first, at most 3).
    """

    sentences: tuple[SentenceResult, ...]
    language: str
    stance_shares: Mapping[str, float]
    leaning: str
    leaning_confidence: float
    technique_counts: Mapping[str, int]
    technique_rate: Mapping[str, float]
    top_sentences: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "n_sentences": len(self.sentences),
            "stance_shares": dict(self.stance_shares),
            "leaning": self.leaning,
            "leaning_confidence": self.leaning_confidence,
            "technique_counts": dict(self.technique_counts),
            "technique_rate": dict(self.technique_rate),
            "top_sentences": {k: list(v) for k, v in self.top_sentences.items()},
            "sentences": [s.to_dict() for s in self.sentences],
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.technique_counts.items())
        return (f"ArticleResult({len(self.sentences)} sentences, leaning={self.leaning!r} "
                f"({self.leaning_confidence:.2f}), techniques: {counts})")


__all__ = ["ArticleResult", "Prediction", "SentenceResult"]
