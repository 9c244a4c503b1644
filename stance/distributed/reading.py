"""Documents in: files and folders (text, Markdown, HTML, JSON Lines, Parquet), or rows of a
Dataset, as the stateless tasks that read them.

Text, HTML and JSON Lines files are read exactly as ``stance score`` reads them (the same
functions of :mod:`stance.scoring.documents`: decoding, HTML main-text extraction, one
document per JSON line, the same ids and error reasons); every task reads whole files,
so a cluster reads many files at once (split one huge JSON Lines file into shards to
spread it). Parquet files give one document per row. Every path must be readable at the
same place on every node (a shared file system).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..scoring.documents import (Document, InputOptions, count_documents, document_from_field,
                                 documents_from_bytes, expand_inputs, file_kind)
from .tables import DOCUMENTS

PARQUET_SUFFIXES = {".parquet", ".pq"}


class InputError(ValueError):
    """An input the Ray engine cannot read (named, with the fix)."""


@dataclass
class InputFiles:
    """The files of the inputs, in the order ``stance score`` reads them; Parquet apart."""

    files: list[str] = field(default_factory=list)
    parquet: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.files or self.parquet)


def expand_paths(inputs: list[str]) -> InputFiles:
    """Files as given, folders expanded recursively (as the local scorer does), with the
    Parquet files of folders added. Standard input cannot be spread over a cluster."""
    found = InputFiles()
    for item in inputs:
        if item == "-":
            raise InputError("the Ray engine cannot read standard input ('-'): its tasks run on "
                             "other processes or machines; save the input to a file (or leave out "
                             "--engine ray)")
        path = Path(item)
        if path.is_dir():
            found.files += [str(p) for p in expand_inputs([item])]
            found.parquet += [str(p) for p in sorted(path.rglob("*")) if p.is_file()
                              and p.suffix.lower() in PARQUET_SUFFIXES and not p.name.startswith(".")]
        elif path.suffix.lower() in PARQUET_SUFFIXES:
            found.parquet.append(str(path))
        else:
            found.files.append(str(path))
    return found


def parquet_columns(paths: list[str], id_field: str, text_field: str) -> list[str]:
    """The columns to read from the Parquet inputs (id, text, and ``lang`` where every file
    has it); an unreadable file or one without the id or text column raises :class:`InputError`."""
    import pyarrow.parquet as pq

    with_lang = True
    for path in paths:
        try:
            names = pq.read_schema(path).names
        except (OSError, pa.ArrowException) as err:
            raise InputError(f"cannot read the Parquet file {path}: {err}") from None
        for column, option in ((id_field, "--id-field"), (text_field, "--text-field")):
            if column not in names:
                raise InputError(f"{path} has no column {column!r} (columns: {', '.join(names)}); "
                                 f"name the right one with {option}")
        with_lang = with_lang and "lang" in names
    return [id_field, text_field] + (["lang"] if with_lang else [])


def count_inputs(found: InputFiles, options: InputOptions) -> int:
    """How many documents the inputs hold (for a progress bar with a total)."""
    import pyarrow.parquet as pq

    total = count_documents(found.files, options) or 0
    return total + sum(pq.ParquetFile(path).metadata.num_rows for path in found.parquet)


def _document_row(document: Document, lang: str | None = None) -> dict:
    return {"doc_id": document.doc_id, "source": document.source, "text": document.text,
            "lang": lang, "error": document.error}


def read_files(batch: pa.Table, options: InputOptions) -> pa.Table:
    """Stateless step: a batch of file paths to the documents they hold (HTML extracted)."""
    rows = []
    for path in batch.column("path").to_pylist():
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            rows.append(_document_row(Document(path, path, error=f"cannot read: {err.strerror or err}")))
            continue
        rows += [_document_row(document) for document in documents_from_bytes(path, data, file_kind(path),
                                                                                options)]
    return pa.Table.from_pylist(rows, schema=DOCUMENTS)


def documents_from_rows(batch: pa.Table, id_column: str = "id", text_column: str = "text",
                        lang_column: str = "lang", source_column: str = "source") -> pa.Table:
    """Stateless step: rows of a table (an id, a text, optionally a language and a source) to
    documents; a text that looks like HTML has its main text extracted, as in JSON Lines."""
    rows = []
    for row in batch.to_pylist():
        body = row.get(text_column)
        doc_id = row.get(id_column)
        source = str(row.get(source_column) or (doc_id if doc_id is not None else "<dataset>"))
        lang = row.get(lang_column) if isinstance(row.get(lang_column), str) else None
        if doc_id is None or doc_id == "":
            digest = hashlib.sha256(str(body).encode("utf-8", "replace")).hexdigest()[:12]
            rows.append(_document_row(Document(f"{source}:<no id, text {digest}>", source, error=(
                f"no id (column {id_column!r} is empty); give every document an id"))))
        elif not isinstance(body, str):
            rows.append(_document_row(Document(str(doc_id), source, error=(
                f"no string field {text_column!r} (found {type(body).__name__}); set --text-field"))))
        else:
            rows.append(_document_row(document_from_field(str(doc_id), source, body), lang))
    return pa.Table.from_pylist(rows, schema=DOCUMENTS)


def read_inputs(found: InputFiles, options: InputOptions, files_per_task: int = 16, **task_options):
    """A Dataset of documents (the DOCUMENTS layout) from the files of ``found``: text, HTML
    and JSON Lines files in the local scorer's order, then the rows of the Parquet files.
    ``task_options`` (resources, compute) go to the stateless reading tasks."""
    import ray.data

    parts = []
    if found.files:
        # a reading task per few files: HTML extraction of a large folder is spread out
        paths = ray.data.from_items([{"path": path} for path in found.files],
                                    override_num_blocks=max(1, -(-len(found.files) // files_per_task)))
        parts.append(paths.map_batches(read_files, batch_format="pyarrow", fn_kwargs={"options": options},
                                       **task_options))
    if found.parquet:
        columns = parquet_columns(found.parquet, options.id_field, options.text_field)
        table = ray.data.read_parquet(found.parquet, columns=columns, include_paths=True)
        parts.append(table.map_batches(documents_from_rows, batch_format="pyarrow", fn_kwargs=dict(
            id_column=options.id_field, text_column=options.text_field, source_column="path"),
            **task_options))
    if not parts:
        raise InputError("no documents to read: the inputs hold no .txt, .md, .html, .jsonl or "
                         ".parquet file")
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
