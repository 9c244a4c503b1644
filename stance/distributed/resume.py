"""The documents already written, as a compact set that travels to every worker.

A document is done when an article row with its id and content hash exists (the same
rule as the local scorer's). Millions of ids are shipped to the splitting tasks as one
sorted array of 16-byte digests (zero-copy in Ray's object store), looked up by binary
search.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np


def _digest(doc_id: str, content_hash: str) -> bytes:
    return hashlib.sha256(f"{doc_id}\x00{content_hash}".encode("utf-8", "surrogatepass")).digest()[:16]


class ResumeKeys:
    """A set of (doc_id, content_hash) pairs; ``in`` tells whether a document is done."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        digests = sorted({_digest(doc_id, content_hash) for doc_id, content_hash in pairs})
        self._keys = np.array(digests, dtype="S16")

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, pair: tuple[str, str]) -> bool:
        if not len(self._keys):
            return False
        # Compared as S16 arrays: numpy drops trailing NUL bytes from a single element, and a
        # digest may end in them.
        key = np.array([_digest(*pair)], dtype="S16")
        at = int(np.searchsorted(self._keys, key)[0])
        return at < len(self._keys) and bool(self._keys[at:at + 1] == key)
