"""Crash-safe result files.

Results are appended to a JSON Lines file one whole line per document, each
write flushed and synced; a line cut short by a kill is removed when the file
is opened again, so the file only ever holds complete records. CSV and
Parquet exports are written from that log at the end, through a temporary
file and a rename.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from pathlib import Path

from ..atomic import atomic_open, atomic_path


class ResultLog:
    """An append-only JSON Lines file of article records, reopened safely after a crash."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.done: set[tuple[str, str]] = set()
        self.repaired_bytes = 0
        self._load()
        self._handle = None

    def _load(self) -> None:
        """Read the keys of the complete records, one line at a time (the file can be
        larger than memory), and cut off a last line left incomplete by a kill."""
        if not self.path.exists():
            return
        good_end = 0
        with open(self.path, "rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # a line cut short by a kill
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError:
                    break
                self.done.add((str(record.get("doc_id")), str(record.get("content_hash"))))
                good_end += len(raw)
        size = self.path.stat().st_size
        if good_end < size:
            self.repaired_bytes = size - good_end
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)

    def is_done(self, doc_id: str, content_hash: str) -> bool:
        return (doc_id, content_hash) in self.done

    def append(self, record: dict) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.done.add((record["doc_id"], record["content_hash"]))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def records(self):
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


class ErrorLog:
    """One JSON line per document that could not be scored, with its reason."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.count = 0

    def append(self, doc_id: str, source: str, reason: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"doc_id": doc_id, "source": source, "reason": reason},
                                    ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.count += 1


SENTENCE_COLUMNS = ["doc_id", "source", "content_hash", "model", "model_version", "language",
                    "sentence_index", "start", "end", "text", "stance"]


def sentence_rows(records, stance_labels=None, technique_labels=None):
    """Flatten article records into one dict per sentence (columns follow the model's labels)."""
    for record in records:
        for index, sentence in enumerate(record["sentences"]):
            row = {
                "doc_id": record["doc_id"], "source": record["source"],
                "content_hash": record["content_hash"], "model": record["model"]["name"],
                "model_version": record["model"]["version"], "language": record["language"],
                "sentence_index": index, "start": sentence["start"], "end": sentence["end"],
                "text": sentence["text"], "stance": sentence["stance"],
            }
            for name, value in sentence["stance_scores"].items():
                row[f"p_{name}"] = value
            for name, value in sentence["technique_scores"].items():
                row[f"p_{name}"] = value
                row[name] = int(name in sentence["techniques"])
            row["truncated"] = sentence["truncated"]
            yield row


def export_csv(log: ResultLog, path: str | Path) -> int:
    """Write one CSV row per sentence, streaming from the log; returns the row count."""
    rows = sentence_rows(log.records())
    first = next(rows, None)
    fields = list(first) if first is not None else SENTENCE_COLUMNS
    count = 0
    with atomic_open(path, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in itertools.chain([first] if first is not None else [], rows):
            writer.writerow(row)
            count += 1
    return count


PARQUET_BATCH_ROWS = 50_000


def export_parquet(log: ResultLog, path: str | Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError("Parquet output needs pyarrow: pip install 'stance[parquet]'") from None
    rows = sentence_rows(log.records())
    count = 0
    with atomic_path(path) as tmp:
        writer = None
        try:
            while batch := list(itertools.islice(rows, PARQUET_BATCH_ROWS)):
                if writer is None:  # the first batch fixes the columns and their types
                    schema = pa.Table.from_pylist(batch).schema
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
            if writer is None:
                pq.write_table(pa.table({name: [] for name in SENTENCE_COLUMNS}), tmp)
        finally:
            if writer is not None:
                writer.close()
    return count
