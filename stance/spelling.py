"""Spelling and naming forms (Kiev/Kyiv, "на/в Украине" ...) that must not decide stance.

The groups come from ``labels/spelling_variants.json`` and are stored in every
model folder. Training adds swapped copies of sentences; prediction rewrites
every listed form to the first form of its group before the model reads the
text, so a spelling alone can never change a result.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SpellingVariants:
    """Groups of interchangeable forms per language, from ``labels/spelling_variants.json``."""

    groups: dict[str, list[list[str]]]

    @classmethod
    def from_dict(cls, data) -> "SpellingVariants":
        return cls({k: [list(g) for g in v] for k, v in (data or {}).items() if not k.startswith("_")})

    @classmethod
    def load(cls, labels_dir: str | Path) -> "SpellingVariants":
        path = Path(labels_dir, "spelling_variants.json")
        if not path.is_file():
            return cls({})
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @staticmethod
    @functools.lru_cache(maxsize=512)
    def _pattern(form: str) -> re.Pattern:
        return re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")

    def canonical(self, text: str) -> str:
        """``text`` with every listed form replaced by the first form of its group (any language)."""
        for groups in self.groups.values():
            for group in groups:
                for form in group[1:]:
                    if form in text:
                        text = self._pattern(form).sub(group[0], text)
        return text

    def contains(self, text: str, lang: str) -> bool:
        return any(self._pattern(f).search(text) for group in self.groups.get(lang, ()) for f in group)

    def swap(self, text: str, lang: str) -> str:
        """Replace every form found with the next form of its group (cyclically)."""
        out = text
        for group in self.groups.get(lang, ()):
            found = [f for f in group if self._pattern(f).search(out)]
            if not found:
                continue
            # Placeholders first, so that A->B and B->A in one text do not undo each other.
            marks = {}
            for i, form in enumerate(found):
                mark = f"\x00{i}\x00"
                marks[mark] = group[(group.index(form) + 1) % len(group)]
                out = self._pattern(form).sub(mark, out)
            for mark, replacement in marks.items():
                out = out.replace(mark, replacement)
        return out
