"""Stateless step: documents to sentences, ready for the model actors.

Each document is split by :func:`stance.article.segment_article` (language detected
unless given, page furniture dropped), the one splitter behind ``stance score``, so the
sentences and offsets are the local scorer's. A document already written (same id and
content hash) is passed on as ``skipped`` without being split; one that cannot be split
is passed on as ``failed`` with the local scorer's reason. Nothing here raises for a
document: a bad one never fails the job.
"""

from __future__ import annotations

import pyarrow as pa

from ..article import EmptyArticleError, segment_article
from ..scoring.documents import Document
from .resume import ResumeKeys
from .tables import FAILED, READY, SEGMENTED, SKIPPED

NO_SENTENCES = "no sentences (empty, or only page furniture)"


def segment_documents(batch: pa.Table, language: str | None = None,
                      done: ResumeKeys | None = None) -> pa.Table:
    """A batch of documents (the DOCUMENTS layout) to the SEGMENTED layout, one row each."""
    rows = []
    for row in batch.to_pylist():
        out = {"doc_id": row["doc_id"], "source": row["source"], "content_hash": None,
               "status": FAILED, "error": row["error"], "language": None, "sentences": None}
        rows.append(out)
        if row["error"] is not None:
            continue
        document = Document(row["doc_id"], row["source"], row["text"] or "")
        out["content_hash"] = document.content_hash
        if done is not None and (document.doc_id, document.content_hash) in done:
            out.update(status=SKIPPED, error=None)
            continue
        try:
            article = segment_article(document.text, row["lang"] or language)
        except EmptyArticleError:
            out["error"] = NO_SENTENCES
            continue
        except Exception as err:  # one bad document never stops the job
            out["error"] = f"could not split into sentences: {err}"
            continue
        out.update(status=READY, language=article.language,
                   sentences=[{"text": s.text, "start": s.start, "end": s.end} for s in article.spans])
    return pa.Table.from_pylist(rows, schema=SEGMENTED)
