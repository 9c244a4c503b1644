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

from ..atomic import atomic_open, atomic_path, atomic_write_text


class ResultLog:
    """An append-only JSON Lines file of article records, reopened safely after a crash.

    On opening, a last line left incomplete by a kill is cut off; a damaged line
    anywhere else (edited by hand, a disk error) is moved to a side file
    (``unreadable_path``) with its line number, and every good record is kept.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.done: set[tuple[str, str]] = set()
        self.repaired_bytes = 0
        self.moved_lines: list[int] = []
        self.first_record: dict | None = None
        self._load()
        self._handle = None

    @property
    def unreadable_path(self) -> Path:
        return self.path.with_name(self.path.name + ".unreadable.jsonl")

    @staticmethod
    def _parse(raw: bytes) -> dict | None:
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(record, dict) or "doc_id" not in record or "content_hash" not in record:
            return None
        return record

    def _load(self) -> None:
        """Read the keys of the complete records, one line at a time (the file can be
        larger than memory); cut off an incomplete last line; move damaged lines aside."""
        if not self.path.exists():
            return
        bad: list[tuple[int, bytes]] = []
        last_complete = True
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                record = self._parse(raw)
                if not raw.endswith(b"\n"):
                    last_complete = record is not None
                    if record is None:  # a line cut short by a kill
                        self.repaired_bytes = len(raw)
                        break
                if record is None:
                    if raw.strip():
                        bad.append((number, raw))
                    continue
                if self.first_record is None:
                    self.first_record = record
                self.done.add((str(record.get("doc_id")), str(record.get("content_hash"))))
        if bad:
            self._move_aside(bad)
        if self.repaired_bytes:
            size = self.path.stat().st_size
            with open(self.path, "r+b") as handle:
                handle.truncate(size - self.repaired_bytes)
        elif not last_complete or (self.path.stat().st_size and not self._ends_with_newline()):
            with open(self.path, "ab") as handle:  # a whole record whose newline was lost
                handle.write(b"\n")

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def _move_aside(self, bad: list[tuple[int, bytes]]) -> None:
        """Copy damaged lines, with their numbers, to the side file; then rewrite the log
        without them (through a temporary file: the log is never half-written)."""
        numbers = {number for number, _ in bad}
        with open(self.unreadable_path, "a", encoding="utf-8") as side:
            for number, raw in bad:
                side.write(json.dumps({"file": str(self.path), "line": number,
                                       "text": raw.decode("utf-8", "replace").rstrip("\n")},
                                      ensure_ascii=False) + "\n")
            side.flush()
            os.fsync(side.fileno())
        with atomic_path(self.path) as tmp, open(self.path, "rb") as src, open(tmp, "wb") as dst:
            for number, raw in enumerate(src, start=1):
                if number not in numbers:
                    dst.write(raw)
            dst.flush()
            os.fsync(dst.fileno())
        self.moved_lines = sorted(numbers)

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
    """One JSON line per document that could not be scored, with its reason.

    A rerun does not repeat itself: a document already listed with the same reason
    is not written again, and :meth:`close` drops the entries of documents that
    were scored after all and any duplicates (rewriting the file atomically).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.count = 0
        self._entries: dict[tuple[str, str], dict] = {}
        self._scored: set[tuple[str, str]] = set()
        self._lines_on_disk = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    self._lines_on_disk += 1
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(entry, dict):
                        self._entries[(str(entry.get("doc_id")), str(entry.get("source")))] = entry

    def append(self, doc_id: str, source: str, reason: str) -> None:
        self.count += 1
        entry = {"doc_id": doc_id, "source": source, "reason": reason}
        key = (doc_id, source)
        if self._entries.get(key) == entry:
            return
        self._entries[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._lines_on_disk += 1

    def scored(self, doc_id: str, source: str) -> None:
        """A document that was scored this time: an old error entry of it is obsolete."""
        self._scored.add((doc_id, source))

    def close(self) -> None:
        keep = [e for k, e in self._entries.items() if k not in self._scored]
        if len(keep) == self._lines_on_disk:
            return
        if not keep:
            self.path.unlink(missing_ok=True)
            return
        atomic_write_text(self.path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in keep))


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
            row["replaced_characters"] = sentence.get("replaced_characters", 0)
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
