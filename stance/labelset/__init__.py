"""Reading, checking and splitting the labelled sentences under ``labels/``."""

from .check import LabelCheckError, LabelIssue, check_labels, check_lines, load_checked
from .records import LabelRecord, read_records
from .splits import assign_splits, resolve_splits

__all__ = [
    "LabelCheckError",
    "LabelIssue",
    "LabelRecord",
    "assign_splits",
    "check_labels",
    "check_lines",
    "load_checked",
    "read_records",
    "resolve_splits",
]
