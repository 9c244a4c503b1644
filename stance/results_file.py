"""Opening a results file written by ``stance score``, with errors a user can act on.

Shared by the readers of results (``stance report``, ``stance suggest``); each passes the
error class its command reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO


def open_results_file(path: str | Path, error: type[Exception]) -> BinaryIO:
    """``path`` opened for reading in binary; a missing file, a folder or an unreadable
    file raises ``error`` naming the path and what to give instead."""
    path = Path(path)
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise error(f"results file not found: {path}") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder; give the .jsonl results file written by "
                    "stance score") from None
    except OSError as err:
        raise error(f"cannot read {path}: {err.strerror or err}") from None
