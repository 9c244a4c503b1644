"""File names for article pages that are safe whatever the document id holds.

A document id is untrusted text (a path, a URL, an id from a JSON Lines field): it may
hold ``..``, slashes, quotes, control characters or nothing readable at all. A page's
name keeps only a short readable part of the id (ASCII letters, digits, ``-``, ``_``,
``.``) and adds a hash of the whole id, so two ids never share a page and the name means
the same on every file system.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_STEM = 48


def page_name(doc_id: str) -> str:
    """``<readable part>-<hash>.html``: the name of a document's page in ``articles/``."""
    tail = re.split(r"[/\\]", doc_id.rstrip("/\\"))[-1] or doc_id
    ascii_tail = unicodedata.normalize("NFKD", tail).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("-", ascii_tail).strip(".-_")[:MAX_STEM].strip(".-_") or "article"
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{stem}-{digest}.html"
