"""``stance report``: a self-contained static site for reading scored articles.

It reads the JSON Lines results of ``stance score`` and writes ``index.html`` (a
sortable table of the articles with small charts) and one page per article (its text
sentence by sentence, tinted by stance, technique badges, evidence underlined where
the results carry it, and a summary chart). Pages use inline CSS, inline SVG and one
small inline script; they load nothing from anywhere and open from the file system.

This package imports jinja2; the command line imports it only when a report is asked for.
"""

from .records import ReportInputError
from .site import ReportOutputError, ReportSummary, write_report

__all__ = ["ReportInputError", "ReportOutputError", "ReportSummary", "write_report"]
