"""What ``stance report`` and ``stance score --report`` run: messages to standard error,
an exit status back (0 written, 1 the results or the folder failed, 2 usage)."""

from __future__ import annotations

import sys
from pathlib import Path

from .records import ReportInputError
from .site import ReportOutputError, check_destination, write_report


def destination_problem(out: str) -> str | None:
    """Why the report cannot go to ``out`` (checked before any scoring), or None."""
    try:
        check_destination(out)
    except ReportOutputError as err:
        return str(err)
    return None


def run_report(results: str, out: str) -> int:
    if not Path(results).exists():
        print(f"error: results file not found: {results}", file=sys.stderr)
        return 2
    try:
        summary = write_report(results, out)
    except (ReportInputError, ReportOutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    return 0
