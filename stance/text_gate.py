"""The one gate every text passes before it is split, tokenised or written out.

Two things break downstream code and carry no text:

- **Unpaired surrogates** (``"\\ud800"``: legal in JSON and in a Python string, but
  not encodable as UTF-8). They are replaced by U+FFFD, one for one, so character
  offsets stay valid, and counted so a result can say its text was repaired.
- **Invisible characters**: zero-width and other format characters (``U+200B``,
  ``U+FEFF``, soft hyphens, bidi marks) and control characters. They are removed
  from what the model reads (control characters that separate words become spaces),
  so a text made only of them counts as empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters (Cc) other than the usual whitespace, which become spaces.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Format characters (Unicode category Cf: zero-width spaces and joiners, soft hyphen,
# bidi marks, BOM, tags); tests check this list against ``unicodedata``.
_FORMAT = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
                     "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
                     "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                     "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def repair_surrogates(text: str) -> tuple[str, int]:
    """``text`` with every unpaired surrogate replaced by U+FFFD (same length), and how many."""
    repaired, count = _SURROGATE.subn(REPLACEMENT, text)
    return repaired, count


def visible_text(text: str) -> str:
    """What the model reads: surrogates repaired, format characters dropped, control
    characters turned into spaces."""
    text, _ = repair_surrogates(text)
    return _CONTROL.sub(" ", _FORMAT.sub("", text))


def is_blank(text: str) -> bool:
    """True when nothing but whitespace and invisible characters is left."""
    return not visible_text(text).strip()


@dataclass(frozen=True)
class GatedText:
    """A text as results show it (``text``: surrogates repaired, otherwise as given), what
    the model reads (``model_text``), and how many characters were replaced."""

    text: str
    model_text: str
    replaced: int


def gate(text: str) -> GatedText:
    repaired, count = repair_surrogates(text)
    return GatedText(repaired, _CONTROL.sub(" ", _FORMAT.sub("", repaired)), count)
