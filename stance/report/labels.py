"""The labels a report shows, taken from the records themselves, and their colours.

Stance classes and techniques are whatever the results carry, in the order first met,
so a new technique needs no code here. Colours come from the Okabe-Ito palette, which
stays distinct for the common kinds of colour blindness; every colour is also named in
text on the page (legend, badges, hover titles), so nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .records import Article

#: The two sides first (blue and vermillion), then the remaining Okabe-Ito colours.
SIDE_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#009E73", "#E69F00", "#56B4E9")
#: The stance nobody argues for (the one with no "top sentences" of its own).
DEFAULT_COLOUR = "#8A8A8A"
TECHNIQUE_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#332288", "#882255",
                     "#44AA99", "#999933", "#AA4499", "#117733")


def _add(seen: dict[str, None], names: Iterable[str]) -> None:
    for name in names:
        seen.setdefault(name, None)


def display_name(label: str) -> str:
    """``loaded_language`` as ``loaded language``: the words, for reading."""
    return label.replace("_", " ").strip() or label


class LabelCollector:
    """Gathers label names from records one at a time (a results file is read as a stream)."""

    def __init__(self) -> None:
        self._stances: dict[str, None] = {}
        self._techniques: dict[str, None] = {}
        self._driven: set[str] = set()
        self._has_top = False

    def add(self, article: Article) -> None:
        _add(self._stances, article.stance_shares)
        _add(self._techniques, article.technique_rate)
        if article.top_sentences:
            self._has_top = True
            self._driven.update(article.top_sentences)
        for sentence in article.sentences:
            _add(self._stances, sentence.stance_scores)
            _add(self._techniques, sentence.technique_scores)
            _add(self._techniques, sentence.techniques)
        _add(self._stances, [article.leaning])

    def labels(self) -> "LabelSet":
        stances = tuple(self._stances)
        # stance score lists "top sentences" for every side and technique, never for the
        # default stance: that is how the records say which class is the default
        undriven = [s for s in stances if s not in self._driven] if self._has_top else []
        default = undriven[0] if len(undriven) == 1 else None
        return LabelSet(stances, tuple(t for t in self._techniques if t not in self._stances),
                        default)


@dataclass(frozen=True)
class LabelSet:
    stances: tuple[str, ...]
    techniques: tuple[str, ...]
    default_stance: str | None

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(s for s in self.stances if s != self.default_stance)

    @property
    def all(self) -> tuple[str, ...]:
        return self.stances + self.techniques

    def colour(self, label: str) -> str:
        if label == self.default_stance:
            return DEFAULT_COLOUR
        if label in self.stances:
            return SIDE_COLOURS[self.sides.index(label) % len(SIDE_COLOURS)]
        if label in self.techniques:
            return TECHNIQUE_COLOURS[self.techniques.index(label) % len(TECHNIQUE_COLOURS)]
        return DEFAULT_COLOUR

    def css_class(self, label: str) -> str:
        """A class name made of an index, never of the label (labels are untrusted text)."""
        return f"k{self.all.index(label)}" if label in self.all else "kx"

    def css(self) -> str:
        """One rule per label setting its colour ``--c`` (used by tints, underlines, badges)."""
        rules = [f".{self.css_class(label)}{{--c:{self.colour(label)}}}" for label in self.all]
        return "\n".join(rules + [f".kx{{--c:{DEFAULT_COLOUR}}}"])
