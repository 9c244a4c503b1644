"""Score many documents: batch sentences across documents, write as you go, resume after a crash."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import probe_writable_folder
from ..article import EmptyArticleError, SegmentedArticle, score_segmented, segment_article
from .documents import Document, InputOptions, count_documents, iter_documents
from .output import ErrorLog, ResultLog, export_csv, export_parquet


@dataclass
class ScoreOptions:
    out: str
    format: str = "jsonl"  # jsonl | csv | parquet
    errors: str | None = None
    inputs: InputOptions = field(default_factory=InputOptions)
    batch_size: int = 32  # 64 peaked 0.1 GiB higher and was no faster (2 cores, fp32)
    batch_sentences: int = 1024
    language: str | None = None
    thresholds: dict | None = None
    progress: bool = True
    #: Read each sentence with the neighbours its model was trained with (False: alone,
    #: about twice as fast for a model with context, less accurate).
    context: bool = True
    #: Add to an output written with other settings (another model version, or with and
    #: without context); without it such a rerun is refused.
    force: bool = False
    #: Add each sentence's evidence (True or a method of :mod:`stance.evidence`).
    explain: bool | str = False

    def __post_init__(self) -> None:
        if self.format not in ("jsonl", "csv", "parquet"):
            raise ValueError(f"unknown output format {self.format!r}; use jsonl, csv or parquet")
        if self.batch_size < 1 or self.batch_sentences < 1:
            raise ValueError("batch sizes must be at least 1")

    @property
    def log_path(self) -> Path:
        out = Path(self.out)
        return out if self.format == "jsonl" else out.with_name(out.name + ".progress.jsonl")

    @property
    def errors_path(self) -> Path:
        if self.errors:
            return Path(self.errors)
        out = Path(self.out)
        return out.with_name(out.stem + ".errors.jsonl")


class OutputError(OSError):
    """The results cannot be written where asked (checked before the model loads), or
    writing failed during the run; what was written stays and the next run resumes."""


class SettingsMismatchError(ValueError):
    """The output holds results scored with other settings; refused unless ``force``."""


def check_output(options: ScoreOptions) -> None:
    """Make sure the output folder exists and files can be created and written there,
    before any time is spent loading a model. Raises :class:`OutputError`."""
    for path in {options.log_path, Path(options.out), options.errors_path}:
        folder = path.parent
        try:
            probe_writable_folder(folder)
        except OSError as err:
            raise OutputError(f"cannot write results to {path}: {err.strerror or err} "
                              f"({folder}); choose another --out") from None
        if path.exists() and not os.access(path, os.W_OK):
            raise OutputError(f"cannot write results to {path}: the file is read-only; "
                              "choose another --out")


def scoring_settings(model, context: bool) -> dict:
    """What a record says about how it was scored (model name, version, context window)."""
    window = model.context_window if context else None
    return {"name": model.name, "version": model.version,
            "context": window.to_dict() if window else None}


def check_settings(log: ResultLog, settings: dict, force: bool) -> None:
    found = (log.first_record or {}).get("model")
    if found is None or force or found == settings:
        return
    raise SettingsMismatchError(
        f"{log.path} holds results scored with {_describe(found)}, but this run scores with "
        f"{_describe(settings)}: mixing them would make the file inconsistent. Rerun with the "
        "same settings, write to another --out, or pass --force to add to it anyway.")


def _describe(settings: dict) -> str:
    context = settings.get("context")
    read = "sentences read alone" if not context else f"context {context}"
    return f"model {settings.get('name')} version {settings.get('version')} ({read})"


@dataclass
class ScoreSummary:
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    duplicates: int = 0
    sentences: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        share = 100 * self.model_seconds / self.seconds if self.seconds else 0.0
        dup = f" ({self.duplicates} of them duplicate ids)" if self.duplicates else ""
        return (f"{self.scored} documents scored, {self.skipped} already done, {self.failed} failed{dup}; "
                f"{self.sentences} sentences in {self.seconds:.1f} s ({rate:.0f} sentences/s, "
                f"{share:.0f}% of the time in the model)")


@dataclass
class _Pending:
    document: Document
    article: SegmentedArticle


def score_inputs(model, inputs: list[str], options: ScoreOptions) -> ScoreSummary:
    """Score every document of ``inputs`` with ``model`` into ``options.out``.

    Raises :class:`OutputError` when results cannot be written (nothing written is
    lost; rerun to resume) and :class:`SettingsMismatchError` when the output holds
    results scored with other settings and ``options.force`` is not set.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    summary = ScoreSummary()
    check_output(options)
    log = ResultLog(options.log_path)
    if log.repaired_bytes:
        print(f"note: removed {log.repaired_bytes} bytes of a record cut short in {log.path}",
              file=sys.stderr)
    if log.moved_lines:
        shown = ", ".join(map(str, log.moved_lines[:10])) + (" ..." if len(log.moved_lines) > 10 else "")
        print(f"note: moved {len(log.moved_lines)} unreadable line(s) of {log.path} (line {shown}) "
              f"to {log.unreadable_path}; every other record is kept", file=sys.stderr)
    settings = scoring_settings(model, options.context)
    check_settings(log, settings, options.force)
    errors = ErrorLog(options.errors_path)
    seen: dict[str, str] = {}
    pending: list[_Pending] = []
    pending_sentences = 0
    bar = tqdm(desc="scoring", unit="doc", total=count_documents(inputs, options.inputs),
               disable=not options.progress, file=sys.stderr, dynamic_ncols=True)

    def flush() -> None:
        nonlocal pending_sentences
        if not pending:
            return
        tick = time.perf_counter()
        results = score_segmented(model, [item.article for item in pending], context=options.context,
                                  batch_size=options.batch_size, thresholds=options.thresholds,
                                  explain=options.explain)
        summary.model_seconds += time.perf_counter() - tick
        for item, article in zip(pending, results):
            log.append(_record(settings, item.document, article))
            errors.scored(item.document.doc_id, item.document.source)
            summary.scored += 1
            summary.sentences += len(item.article.spans)
        bar.update(len(pending))
        elapsed = time.perf_counter() - started
        bar.set_postfix(sent_per_s=f"{summary.sentences / elapsed:.0f}", failed=summary.failed)
        pending.clear()
        pending_sentences = 0

    def fail(document: Document) -> None:
        errors.append(document.doc_id, document.source, document.error)
        summary.failed += 1
        bar.update(1)

    try:
        for document in iter_documents(inputs, options.inputs):
            first = seen.get(document.doc_id)
            if first is not None:
                summary.duplicates += 1
                fail(Document(document.doc_id, document.source,
                              error=f"duplicate document id {document.doc_id!r} (first at {first}); "
                              "only the first was scored: give every document its own id "
                              "(--id-field)"))
                continue
            seen[document.doc_id] = document.source
            if document.error is None and log.is_done(document.doc_id, document.content_hash):
                summary.skipped += 1
                bar.update(1)
                continue
            if document.error is None:
                try:
                    article = segment_article(document.text, options.language)
                except EmptyArticleError:
                    document = Document(document.doc_id, document.source,
                                        error="no sentences (empty, or only page furniture)")
                except Exception as err:  # one bad document never stops the batch
                    document = Document(document.doc_id, document.source,
                                        error=f"could not split into sentences: {err}")
            if document.error is not None:
                fail(document)
                continue
            pending.append(_Pending(document, article))
            pending_sentences += len(article.spans)
            if pending_sentences >= options.batch_sentences:
                flush()
        flush()
    except OSError as err:
        raise OutputError(f"writing results to {options.log_path} failed: {err.strerror or err}; "
                          "every record written so far is kept, and rerunning the same command "
                          "resumes from there") from None
    finally:
        bar.close()
        log.close()
        try:
            errors.close()
        except OSError:
            pass  # the errors file keeps its duplicates until a later run can rewrite it
        summary.seconds = time.perf_counter() - started
    try:
        if options.format == "csv":
            export_csv(log, options.out)
        elif options.format == "parquet":
            export_parquet(log, options.out)
    except OSError as err:
        raise OutputError(f"writing {options.out} failed: {err.strerror or err}; the results are "
                          f"kept in {options.log_path}, and rerunning the same command writes it") from None
    return summary


def _record(settings: dict, document: Document, article) -> dict:
    return article_record(settings, document.doc_id, document.source, document.content_hash, article)


def article_record(settings: dict, doc_id: str, source: str, content_hash: str, article) -> dict:
    """One scored article as written (a JSON line here; a row on the Ray engine)."""
    return {
        "doc_id": doc_id,
        "source": source,
        "content_hash": content_hash,
        "model": settings,
        **article.to_dict(),
    }
