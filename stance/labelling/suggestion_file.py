"""The labelling file ``stance suggest`` writes: the project's label format, one JSON object
per line, with the model's guess filled in and marked as a guess.

Each line is a label record (``labels/README.md``) of origin ``suggested``:

- ``stance`` and ``techniques`` hold the model's guess, ready to be corrected in place;
  ``"confirmed": false`` says nobody has checked them yet. The label checker refuses such
  a line, in ``labels/`` or in ``stance import``, until a person sets ``"confirmed": true``.
- ``guess`` keeps what the model said (stance, techniques, scores, the model and the
  sentence's uncertainty), so the guess stays on record after the labels are corrected.
- ``context`` is the sentence before it, as the scorer read it; ``source`` the document
  id, ``source_path`` the file it was read from, ``content_hash`` that document's version,
  ``sentence_index`` and ``start``/``end`` its place in the article.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from ..atomic import atomic_write_text
from .candidates import Candidate

ORIGIN = "suggested"


def suggestion_id(candidate: Candidate) -> str:
    """Stable and unique: the language and a hash of the document, its version, the
    sentence's place and its text (the same sentence suggested twice gets the same id,
    so importing it twice is caught as a duplicate)."""
    key = "\0".join([candidate.doc_id, candidate.content_hash, str(candidate.index), candidate.text])
    return f"s-{candidate.lang}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def guessed_techniques(candidate: Candidate, thresholds: Mapping[str, float]) -> list[str]:
    """The techniques whose probability reaches the threshold ``suggest`` ranks with."""
    return [name for name, p in candidate.technique_scores.items()
            if name in thresholds and p >= thresholds[name]]


def suggestion_record(candidate: Candidate, uncertainty: float,
                      thresholds: Mapping[str, float]) -> dict:
    """One line of the labelling file (see the module's docstring)."""
    techniques = guessed_techniques(candidate, thresholds)
    record = {
        "id": suggestion_id(candidate), "text": candidate.text, "lang": candidate.lang,
        "source": candidate.doc_id, "stance": candidate.stance, "techniques": techniques,
        "origin": ORIGIN, "confirmed": False,
        "guess": {"stance": candidate.stance, "techniques": list(techniques),
                  "stance_scores": dict(candidate.stance_scores),
                  "technique_scores": dict(candidate.technique_scores),
                  "uncertainty": round(uncertainty, 4), "model": candidate.model or None},
        "context": candidate.context, "source_path": candidate.source,
        "content_hash": candidate.content_hash or None, "sentence_index": candidate.index,
        "start": candidate.start, "end": candidate.end,
    }
    return {k: v for k, v in record.items() if v is not None}


def write_suggestions(records: list[dict], out: str | Path) -> None:
    """One JSON object per line, written through a temporary file and a rename."""
    atomic_write_text(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
