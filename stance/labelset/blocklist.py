"""Held-out evaluation data that training data must never overlap.

A blocklist file (``../shared/heldout/blocklist.json`` in this project) lists the first 16
hex digits of the SHA-256 of each held-out page's normalised URL and of each held-out
text's normalised form; the normalisations are written in the file and implemented here.
A labelled record whose ``url`` or ``text`` is listed must not be in ``labels/``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .records import LabelRecord

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_WORD = re.compile(r"\w+")


def url_key(url: str) -> str:
    """lower-case; drop #fragment and ?query; drop the scheme; drop a leading www., m. or amp.;
    drop trailing slashes."""
    url = url.strip().lower().split("#", 1)[0].split("?", 1)[0]
    url = _SCHEME.sub("", url)
    for prefix in ("www.", "m.", "amp."):
        if url.startswith(prefix):
            url = url[len(prefix):]
            break
    return url.rstrip("/")


def text_key(text: str) -> str:
    """Unicode NFKC; lower-case; the word characters (\\w+) joined by single spaces."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Blocklist:
    urls: frozenset[str]
    texts: frozenset[str]
    path: str = ""

    @classmethod
    def load(cls, path: str | Path) -> "Blocklist":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(frozenset(data["url_sha256_16"]), frozenset(data["text_sha256_16"]), str(path))

    def url_listed(self, url: str) -> bool:
        return _digest(url_key(url)) in self.urls

    def text_listed(self, text: str) -> bool:
        key = text_key(text)
        return len(key.split()) >= 3 and _digest(key) in self.texts

    def problems(self, records: list[LabelRecord]) -> list[str]:
        """``file:line: ...`` for every record whose URL or text is held out."""
        out = []
        for r in records:
            if r.url and self.url_listed(r.url):
                out.append(f"{r.where}: {r.id!r} is modelled on a held-out page ({r.url}); "
                           "remove its excerpt: held-out pages must never be used")
            if self.text_listed(r.text):
                out.append(f"{r.where}: {r.id!r} has the text of a held-out sentence; remove it")
        return out


def project_blocklist(labels_dir: str | Path) -> Path | None:
    """This project's blocklist beside the checkout (``<repo>/../shared/heldout/blocklist.json``),
    or None where it is absent (as on a user's machine)."""
    path = Path(labels_dir).resolve().parent.parent / "shared" / "heldout" / "blocklist.json"
    return path if path.is_file() else None
