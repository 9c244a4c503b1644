"""Score many documents: batch sentences across documents, write as you go, resume after a crash."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..article import EmptyArticleError, SegmentedArticle, score_segmented, segment_article
from .documents import Document, InputOptions, iter_documents
from .output import ErrorLog, ResultLog, export_csv, export_parquet


@dataclass
class ScoreOptions:
    out: str
    format: str = "jsonl"  # jsonl | csv | parquet
    errors: str | None = None
    inputs: InputOptions = field(default_factory=InputOptions)
    batch_size: int = 64
    batch_sentences: int = 1024
    language: str | None = None
    thresholds: dict | None = None
    progress: bool = True
    #: Read each sentence with the neighbours its model was trained with (False: alone,
    #: about twice as fast for a model with context, less accurate).
    context: bool = True

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


@dataclass
class ScoreSummary:
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    sentences: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        share = 100 * self.model_seconds / self.seconds if self.seconds else 0.0
        return (f"{self.scored} documents scored, {self.skipped} already done, {self.failed} failed; "
                f"{self.sentences} sentences in {self.seconds:.1f} s ({rate:.0f} sentences/s, "
                f"{share:.0f}% of the time in the model)")


@dataclass
class _Pending:
    document: Document
    article: SegmentedArticle


def score_inputs(model, inputs: list[str], options: ScoreOptions) -> ScoreSummary:
    """Score every document of ``inputs`` with ``model`` into ``options.out``."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    summary = ScoreSummary()
    log = ResultLog(options.log_path)
    if log.repaired_bytes:
        print(f"note: removed {log.repaired_bytes} bytes of a record cut short in {log.path}",
              file=sys.stderr)
    errors = ErrorLog(options.errors_path)
    pending: list[_Pending] = []
    pending_sentences = 0
    bar = tqdm(desc="scoring", unit="doc", disable=not options.progress, file=sys.stderr,
               dynamic_ncols=True)

    def flush() -> None:
        nonlocal pending_sentences
        if not pending:
            return
        tick = time.perf_counter()
        results = score_segmented(model, [item.article for item in pending], context=options.context,
                                  batch_size=options.batch_size, thresholds=options.thresholds)
        summary.model_seconds += time.perf_counter() - tick
        for item, article in zip(pending, results):
            log.append(_record(model, item.document, article, options.context))
            summary.scored += 1
            summary.sentences += len(item.article.spans)
        bar.update(len(pending))
        elapsed = time.perf_counter() - started
        bar.set_postfix(sent_per_s=f"{summary.sentences / elapsed:.0f}", failed=summary.failed)
        pending.clear()
        pending_sentences = 0

    try:
        for document in iter_documents(inputs, options.inputs):
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
                errors.append(document.doc_id, document.source, document.error)
                summary.failed += 1
                bar.update(1)
                continue
            pending.append(_Pending(document, article))
            pending_sentences += len(article.spans)
            if pending_sentences >= options.batch_sentences:
                flush()
        flush()
    finally:
        bar.close()
        log.close()
        summary.seconds = time.perf_counter() - started
    if options.format == "csv":
        export_csv(log, options.out)
    elif options.format == "parquet":
        export_parquet(log, options.out)
    return summary


def _record(model, document: Document, article, context: bool) -> dict:
    window = model.context_window if context else None
    return {
        "doc_id": document.doc_id,
        "source": document.source,
        "content_hash": document.content_hash,
        "model": {"name": model.name, "version": model.version,
                  "context": window.to_dict() if window else None},
        **article.to_dict(),
    }
