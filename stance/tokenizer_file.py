"""Reading ``tokenizer.json`` once per file version, in the background where that helps.

Parsing the 250k-piece vocabulary of the default model takes about half a second, the
largest part of loading a model. Checking a model folder (is the tokenizer readable?) and
building its token encoder both need it: :func:`read_tokenizer` lets them share one read.
:func:`prefetch_tokenizer` starts the read in a thread (``tokenizers`` parses without
holding the GIL), so that it overlaps the rest of loading. Imports neither torch nor
``tokenizers`` at import time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

#: how many tokenizer versions stay in memory
KEEP = 4

_reads: OrderedDict[tuple[str, int, int], Future] = OrderedDict()
_lock = threading.Lock()


def _key(path: str | os.PathLike) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _claim(key: tuple[str, int, int]) -> tuple[Future, bool]:
    """The read of ``key`` (and whether the caller must do it), newest last."""
    with _lock:
        found = _reads.get(key)
        if found is not None:
            _reads.move_to_end(key)
            return found, False
        future: Future = Future()
        _reads[key] = future
        while len(_reads) > KEEP:
            _reads.popitem(last=False)
        return future, True


def _read(key: tuple[str, int, int], future: Future) -> None:
    try:
        from tokenizers import Tokenizer

        future.set_result(Tokenizer.from_file(key[0]))
    except BaseException as err:  # handed to whoever waits for the read
        with _lock:
            if _reads.get(key) is future:
                del _reads[key]  # a later call reads again
        future.set_exception(err)


def prefetch_tokenizer(path: str | os.PathLike) -> None:
    """Start reading ``path`` in a background thread (nothing happens when it is missing
    or already read); :func:`read_tokenizer` then waits for that read."""
    try:
        key = _key(path)
    except OSError:
        return
    future, mine = _claim(key)
    if mine:
        threading.Thread(target=_read, args=(key, future), daemon=True,
                         name="stance-tokenizer-read").start()


def read_tokenizer(path: str | os.PathLike):
    """The ``tokenizers.Tokenizer`` of ``path``, read once per file version (path, mtime,
    size). Raises what ``tokenizers`` raises for a malformed file."""
    key = _key(path)
    future, mine = _claim(key)
    if mine:
        _read(key, future)
    return future.result()
