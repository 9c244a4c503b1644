"""A sentence cut into pieces for display, each piece knowing which evidence covers it.

Evidence (``sentence["evidence"]``, optional) gives, per label, spans of the sentence
with a signed weight. Spans of several labels may overlap, so the text is cut at every
span boundary; a piece covered by evidence is underlined in the colour of the label that
weighs most on it, and its hover title lists every label with its weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Sentence


@dataclass(frozen=True)
class Piece:
    text: str
    marks: tuple[tuple[str, float], ...] = ()  # (label, weight), strongest first

    @property
    def label(self) -> str | None:
        return self.marks[0][0] if self.marks else None

    @property
    def against(self) -> bool:
        """The strongest evidence here speaks against its label (negative weight)."""
        return bool(self.marks) and self.marks[0][1] < 0

    @property
    def title(self) -> str:
        return "; ".join(f"evidence for {label}: {weight:+.2f}" for label, weight in self.marks)


def pieces(sentence: Sentence, hidden: tuple[str, ...] = ()) -> list[Piece]:
    """The sentence text as consecutive pieces; just one piece when there is no evidence.

    Evidence for the labels in ``hidden`` is not shown: the no-side stance (``neutral``)
    would underline words in nearly every sentence and bury the evidence that matters.
    """
    text = sentence.text
    spans = [(label, span) for label, items in sentence.evidence.items() if label not in hidden
             for span in items]
    if not spans:
        return [Piece(text)]
    cuts = sorted({0, len(text)} | {s.start for _, s in spans} | {s.end for _, s in spans})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        covering: dict[str, float] = {}
        for label, span in spans:
            if span.start <= start and end <= span.end:
                if abs(span.weight) > abs(covering.get(label, 0.0)):
                    covering[label] = span.weight
        marks = tuple(sorted(covering.items(), key=lambda item: -abs(item[1])))
        if out and out[-1].marks == marks:  # join neighbours that read the same
            out[-1] = Piece(out[-1].text + text[start:end], marks)
        else:
            out.append(Piece(text[start:end], marks))
    return out
