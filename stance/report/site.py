"""Write the report folder: ``index.html`` and one page per article under ``articles/``.

The results file is read twice, a line at a time: first to check every record and
gather the label names and index rows, then to write the pages, so a results file
larger than memory still makes a report. The folder is filled beside its destination
and renamed into place (:func:`stance.atomic.atomic_folder`): an interrupted run leaves
the previous report as it was.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_folder
from .charts import nice_scale
from .labels import LabelCollector
from .pages import ARTICLES_FOLDER, IndexRow, SiteInfo, describe_model, render_article, render_index
from .records import ReportInputError, read_articles

#: Written into every page; a folder whose index.html carries it may be replaced.
GENERATOR_MARK = '<meta name="generator" content="stance report">'


class ReportOutputError(OSError):
    """The report cannot be written where asked."""


@dataclass(frozen=True)
class ReportSummary:
    folder: Path
    articles: int
    sentences: int
    superseded: int  # older records of a document that was scored again

    def __str__(self) -> str:
        extra = (f" ({self.superseded} older record(s) of re-scored documents left out)"
                 if self.superseded else "")
        return (f"report: {self.articles} article(s), {self.sentences} sentences{extra}\n"
                f"open {self.folder / 'index.html'}")


def check_destination(out: str | Path) -> Path:
    """Refuse, before any work, a destination that is a file or a folder holding anything
    but an earlier report (replacing it would delete someone's files)."""
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise ReportOutputError(f"cannot write the report to {out}: it is a file; "
                                "give a folder for --out")
    if out.is_dir() and any(out.iterdir()):
        index = out / "index.html"
        try:
            ours = index.is_file() and GENERATOR_MARK in index.read_text("utf-8", "replace")[:2000]
        except OSError:
            ours = False
        if not ours:
            raise ReportOutputError(f"cannot write the report to {out}: the folder holds other "
                                    "files (not an earlier stance report); give an empty or new "
                                    "folder for --out")
    parent = out.parent
    if parent.exists() and not _writable(parent):
        raise ReportOutputError(f"cannot write the report to {out}: {parent} is not writable")
    return out


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def write_report(results: str | Path, out: str | Path) -> ReportSummary:
    """Read ``stance score`` results (JSON Lines) and write the report folder ``out``.

    Raises :class:`~stance.report.records.ReportInputError` for a results file that
    cannot be read (naming the file and line) and :class:`ReportOutputError` when the
    folder cannot be written. When a document was scored more than once (it changed
    between runs), its last record is the one shown.
    """
    results = Path(results)
    out = check_destination(out)
    collector = LabelCollector()
    rows: dict[str, IndexRow] = {}
    models: dict[str, None] = {}
    records = 0
    for article in read_articles(results):
        records += 1
        collector.add(article)
        rows[article.doc_id] = IndexRow.from_article(article)  # a later record replaces
        model = describe_model(article.model)
        if model:
            models.setdefault(model.removeprefix("model "), None)
    if not rows:
        raise ReportInputError(f"{results} holds no article records (is it empty? stance report "
                               "reads the JSON Lines results of stance score)")
    labels = collector.labels()
    scale = nice_scale(max((r for row in rows.values() for r in row.rates.values()), default=0))
    info = SiteInfo(results_name=results.name,
                    generated=_dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                    models="; ".join(models), scale=scale)
    keep = {row.line for row in rows.values()}
    try:
        with atomic_folder(out, overwrite=True) as tmp:
            (tmp / ARTICLES_FOLDER).mkdir()
            for article in read_articles(results):
                if article.line not in keep:
                    continue
                html = render_article(article, labels, info)
                row = rows[article.doc_id]
                (tmp / row.href).write_text(html, encoding="utf-8")
            (tmp / "index.html").write_text(render_index(list(rows.values()), labels, info),
                                            encoding="utf-8")
    except OSError as err:
        raise ReportOutputError(f"writing the report to {out} failed: {err.strerror or err}; "
                                "any earlier report there is unchanged") from None
    return ReportSummary(out, len(rows), sum(r.n_sentences for r in rows.values()),
                         records - len(rows))
