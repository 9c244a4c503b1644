"""Messages of a training run, on standard error, prefixed so they stand out."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(f"[stance train] {message}", file=sys.stderr, flush=True)
