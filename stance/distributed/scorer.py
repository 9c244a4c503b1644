"""The model actor: loads the model once, then scores batches of split documents.

Each actor is a long-lived Ray process (``map_batches`` with this callable class and an
actor pool): the model loads in ``__init__``, once per actor, and every batch goes through
:func:`stance.article.score_segmented`, the local scorer's own pipeline (contexts,
prediction, aggregation), so the numbers are the local scorer's. Rows that are not
ready (skipped, failed) pass through untouched. If a batch raises, its documents are
scored one by one and the one that fails is recorded as failed: a bad document never
fails the job.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import pyarrow as pa

from ..article import SegmentedArticle, score_segmented
from ..scoring.runner import article_record, scoring_settings
from ..segment import Span
from .tables import FAILED, READY, SCORED, ResultTables


class ModelMismatchError(RuntimeError):
    """The model folder a worker loaded is not the one the driver checked."""


class ArticleScorer:
    """Callable class for ``Dataset.map_batches``: SEGMENTED batches in, result batches out."""

    def __init__(self, model_path: str, settings: Mapping, tables: ResultTables, *, device: str = "cpu",
                 fast: str = "auto", threads: int = 1, context: bool = True, batch_size: int = 32,
                 thresholds: Mapping[str, float] | None = None):
        import torch

        import stance
        from stance.locate import ModelNotFoundError
        from stance.model_folder import ModelFolderError
        from stance.precision import auto_for_batch

        if device == "cpu":
            torch.set_num_threads(threads)
        try:
            self.model = stance.load(model_path, device=device, fast=auto_for_batch(fast, device))
        except (ModelNotFoundError, ModelFolderError) as err:
            raise ModelFolderError(
                f"on node {socket.gethostname()} (pid {os.getpid()}): {str(err).rstrip('.')}. "
                "Every node of the cluster must see the model folder at the same path: put it on "
                "a shared file system, or copy it to that path on each node") from None
        self.settings = scoring_settings(self.model, context)
        if self.settings != dict(settings):
            raise ModelMismatchError(
                f"the model at {model_path} on node {socket.gethostname()} is {self.settings}, but "
                f"the driver's is {dict(settings)}: every node must hold the same model folder")
        self.model.check_thresholds(thresholds)
        self.tables = tables
        self.options = dict(context=context, batch_size=batch_size, thresholds=thresholds)

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        ready = [row for row in rows if row["status"] == READY]
        scored = self._score(ready)
        out = []
        for row in rows:
            if row["status"] == READY:
                out.append(scored[id(row)])
            else:
                out.append({"doc_id": row["doc_id"], "source": row["source"],
                            "content_hash": row["content_hash"], "status": row["status"],
                            "error": row["error"]})
        return self.tables.result_table(out)

    def _score(self, rows: list[dict]) -> dict[int, dict]:
        """One result row per ready row (keyed by ``id(row)``): all in one batched pass, or
        one by one when the pass fails, so that only the bad document fails."""
        try:
            return self._score_together(rows)
        except Exception:  # find the bad document below; the others are scored as usual
            pass
        results = {}
        for row in rows:
            try:
                results.update(self._score_together([row]))
            except Exception as err:  # one bad document never stops the job
                results[id(row)] = {"doc_id": row["doc_id"], "source": row["source"],
                                    "content_hash": row["content_hash"], "status": FAILED,
                                    "error": f"could not be scored: {type(err).__name__}: {err}"}
        return results

    def _score_together(self, rows: list[dict]) -> dict[int, dict]:
        articles = [SegmentedArticle(row["language"], tuple(Span(s["text"], s["start"], s["end"])
                                                            for s in row["sentences"]))
                    for row in rows]
        results = score_segmented(self.model, articles, **self.options) if articles else []
        return {id(row): {**article_record(self.settings, row["doc_id"], row["source"],
                                           row["content_hash"], result),
                          "status": SCORED, "error": None}
                for row, result in zip(rows, results)}
