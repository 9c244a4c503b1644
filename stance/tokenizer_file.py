"""Reading ``tokenizer.json`` once per file version.

Parsing the 250k-piece vocabulary of the default model takes most of a second. Checking
a model folder (is the tokenizer readable?) and building its token encoder both need it:
:func:`read_tokenizer` lets them share one read. Imports neither torch nor ``tokenizers``
at import time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def read_tokenizer(path: str | os.PathLike):
    """The ``tokenizers.Tokenizer`` of ``path``, read once per file version (path, mtime,
    size). Raises what ``tokenizers`` raises for a malformed file."""
    stat = Path(path).stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int, size: int):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)
