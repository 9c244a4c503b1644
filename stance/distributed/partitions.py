"""The output folder of the Ray engine: Parquet partitions written so that a crash at any
moment loses at most the partition being written, and a rerun resumes.

    OUT/articles/part-<run>-<n>.parquet    one row per article (the record without sentences)
    OUT/sentences/part-<run>-<n>.parquet   one row per sentence (the columns of stance score's Parquet)
    OUT/errors.jsonl                       the documents that could not be scored, with the reason

The driver writes each partition pair from the results it receives: the sentences file
first, then the articles file, each through a temporary file, a sync and a rename. The
articles file is the commit: a document is done when its article row exists. On opening,
a sentences file without its articles twin (a crash between the two renames) and any
temporary file are removed, so every sentence in the folder belongs to a committed article,
and nothing is written twice.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

from ..atomic import atomic_path, probe_writable_folder
from ..scoring.runner import OutputError
from .tables import record_from_row

ARTICLES, SENTENCES, UNREADABLE = "articles", "sentences", "unreadable"


class PartitionFolder:
    """Opens (and repairs) an output folder; :meth:`write` adds one committed partition pair.

    ``done`` holds the (doc_id, content_hash) of every committed article; ``first_record``
    the first article row (its ``model`` says how the folder was scored); ``path`` the folder.
    """

    def __init__(self, root: str | Path):
        self.path = Path(root)
        self.articles = self.path / ARTICLES
        self.sentences = self.path / SENTENCES
        self.done: set[tuple[str, str]] = set()
        self.first_record: dict | None = None
        self.removed: list[str] = []  # leftovers of an interrupted write, removed
        self.moved: list[str] = []  # unreadable partitions, moved to OUT/unreadable/
        self.run_id = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        self._written = 0
        self._check_writable()
        self._repair()
        self._load()

    @property
    def errors_path(self) -> Path:
        return self.path / "errors.jsonl"

    def _check_writable(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path} is a file; the Ray engine writes a folder of Parquet "
                              "partitions: give --out a folder name (e.g. results/)")
        for folder in (self.articles, self.sentences):
            try:
                probe_writable_folder(folder)
            except OSError as err:
                raise OutputError(f"cannot write results to {folder}: {err.strerror or err}; "
                                  "choose another --out") from None

    def _repair(self) -> None:
        for folder in (self.articles, self.sentences):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)
                self.removed.append(str(leftover))
        committed = {path.name for path in self.articles.glob("*.parquet")}
        for path in self.sentences.glob("*.parquet"):
            if path.name not in committed:
                path.unlink()
                self.removed.append(str(path))

    def _load(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for path in sorted(self.articles.glob("*.parquet")):
            try:
                table = pq.read_table(path, columns=["doc_id", "content_hash"])
                if self.first_record is None and table.num_rows:
                    first = pq.read_table(path, columns=["model"]).slice(0, 1).to_pylist()[0]
                    self.first_record = record_from_row(first)
            except (OSError, pa.ArrowException, KeyError):
                self._move_aside(path)
                continue
            self.done.update(zip(table.column("doc_id").to_pylist(),
                                 table.column("content_hash").to_pylist()))

    def _move_aside(self, path: Path) -> None:
        """An articles file that cannot be read (damaged by hand or by the disk): it and its
        sentences twin go to OUT/unreadable/, so the documents are scored again."""
        target = self.path / UNREADABLE
        target.mkdir(exist_ok=True)
        for folder in (self.articles, self.sentences):
            twin = folder / path.name
            if twin.exists():
                shutil.move(str(twin), str(target / f"{folder.name}-{path.name}"))
        self.moved.append(str(path))

    def write(self, records: list[dict], tables) -> str:
        """Commit the scored ``records`` (the local scorer's records, sentences nested) as one
        partition pair; returns the partition's name."""
        import pyarrow.parquet as pq

        name = f"part-{self.run_id}-{self._written:05d}.parquet"
        for folder, table in ((self.sentences, tables.sentence_table(records)),
                              (self.articles, tables.article_table(records))):
            with atomic_path(folder / name) as tmp:
                pq.write_table(table, tmp)
                with open(tmp, "rb") as handle:
                    os.fsync(handle.fileno())
            _sync_folder(folder)
        self._written += 1
        self.done.update((record["doc_id"], record["content_hash"]) for record in records)
        return name

    def partitions(self) -> list[Path]:
        return sorted(self.articles.glob("*.parquet"))


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover (platforms without directory handles)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
