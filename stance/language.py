"""Language identification for documents whose language the user did not give."""

from __future__ import annotations

import functools
from pathlib import Path

# Languages the labelled data covers; detection is restricted to these plus a
# few neighbours so that short Cyrillic texts are not mistaken for Bulgarian etc.
_CANDIDATES = ("en", "ru", "uk", "be", "bg", "de", "fr", "es", "pl", "it", "tr")


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(_CANDIDATES))
    return identifier


def detect_language(text: str) -> str:
    """Return an ISO 639-1 code for ``text`` (``"en"`` when there is nothing to go on)."""
    sample = text[:5000]
    if not any(ch.isalpha() for ch in sample):
        return "en"
    lang, _ = _identifier().classify(sample)
    return lang
