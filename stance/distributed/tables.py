"""The Arrow layout of every table the Ray engine passes between steps or writes.

Built from the model's labels, so that every batch and every Parquet partition of one
model has the same columns and types, empty batches included:

- *documents*: what the reading step gives (``doc_id``, ``source``, ``text``, ``lang``, ``error``);
- *segmented*: what the splitting step gives the model actors (sentences with offsets);
- *results*: one row per document, the local scorer's record (``stance score`` JSON Lines)
  with its sentences nested, plus ``status`` (scored, skipped or failed) and ``error``;
- *articles*: the per-article Parquet partitions: a result row without its sentences;
- *sentences*: the per-sentence Parquet partitions: exactly the columns of
  ``stance score --out x.parquet`` (:func:`stance.scoring.output.sentence_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

from ..scoring.output import sentence_rows

SCORED, SKIPPED, FAILED, READY = "scored", "skipped", "failed", "ready"

DOCUMENTS = pa.schema([("doc_id", pa.string()), ("source", pa.string()), ("text", pa.string()),
                       ("lang", pa.string()), ("error", pa.string())])

SPAN = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
SEGMENTED = pa.schema([("doc_id", pa.string()), ("source", pa.string()),
                       ("content_hash", pa.string()), ("status", pa.string()),
                       ("error", pa.string()), ("language", pa.string()),
                       ("sentences", pa.list_(SPAN))])

CONTEXT = pa.struct([("before", pa.int64()), ("after", pa.int64()), ("max_tokens", pa.int64()),
                     ("mode", pa.string())])
MODEL = pa.struct([("name", pa.string()), ("version", pa.string()), ("context", CONTEXT)])


@dataclass(frozen=True)
class ResultTables:
    """The result, article and sentence schemas of a model with these labels."""

    stance_labels: tuple[str, ...]
    technique_labels: tuple[str, ...]
    stance_default: str

    @classmethod
    def for_model(cls, model) -> "ResultTables":
        """For a loaded classifier (or anything with its ``info``)."""
        info = model.info
        return cls(tuple(info.stance_labels), tuple(info.technique_labels), info.stance_default)

    def _struct(self, names: Sequence[str], kind: pa.DataType) -> pa.StructType:
        return pa.struct([(name, kind) for name in names])

    @cached_property
    def sentence_struct(self) -> pa.StructType:
        return pa.struct([
            ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
            ("stance", pa.string()),
            ("stance_scores", self._struct(self.stance_labels, pa.float64())),
            ("techniques", pa.list_(pa.string())),
            ("technique_scores", self._struct(self.technique_labels, pa.float64())),
            ("truncated", pa.bool_()), ("replaced_characters", pa.int64()),
        ])

    @cached_property
    def articles(self) -> pa.Schema:
        sides = [label for label in self.stance_labels if label != self.stance_default]
        return pa.schema([
            ("doc_id", pa.string()), ("source", pa.string()), ("content_hash", pa.string()),
            ("model", MODEL), ("language", pa.string()), ("n_sentences", pa.int64()),
            ("stance_shares", self._struct(self.stance_labels, pa.float64())),
            ("leaning", pa.string()), ("leaning_confidence", pa.float64()),
            ("technique_counts", self._struct(self.technique_labels, pa.int64())),
            ("technique_rate", self._struct(self.technique_labels, pa.float64())),
            ("top_sentences", self._struct([*sides, *self.technique_labels], pa.list_(pa.int64()))),
        ])

    @cached_property
    def results(self) -> pa.Schema:
        return pa.schema([*self.articles, ("sentences", pa.list_(self.sentence_struct)),
                          ("status", pa.string()), ("error", pa.string())])

    @cached_property
    def sentences(self) -> pa.Schema:
        fields = [(name, pa.string()) for name in ("doc_id", "source", "content_hash", "model",
                                                   "model_version", "language")]
        fields += [("sentence_index", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
                   ("text", pa.string()), ("stance", pa.string())]
        fields += [(f"p_{label}", pa.float64()) for label in self.stance_labels]
        for label in self.technique_labels:
            fields += [(f"p_{label}", pa.float64()), (label, pa.int64())]
        fields += [("truncated", pa.bool_()), ("replaced_characters", pa.int64())]
        return pa.schema(fields)

    # -- conversions ---------------------------------------------------------------------

    def result_table(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.results)

    def article_table(self, records: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(records, schema=self.articles)

    def sentence_table(self, records: Iterable[dict]) -> pa.Table:
        return pa.Table.from_pylist(list(sentence_rows(records)), schema=self.sentences)


def record_from_row(row: dict) -> dict:
    """A result (or article) row as the local scorer's record: ``status`` and ``error``
    dropped, and the model's context as ``ContextWindow.to_dict`` writes it."""
    record = {key: value for key, value in row.items() if key not in ("status", "error")}
    model = record.get("model")
    if model and model.get("context"):
        context = {key: value for key, value in model["context"].items() if value is not None}
        record["model"] = {**model, "context": context}
    return record
