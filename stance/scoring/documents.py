"""Finding and reading the documents to score: files, folders, JSON Lines and standard input."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..text_gate import repair_surrogates
from .html_text import html_to_text

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES


@dataclass(frozen=True)
class Document:
    """One article ready to score (``error`` set instead when it cannot be).

    Every string passes the text gate here: an unpaired surrogate (valid in JSON,
    and how Python spells undecodable bytes of a file name) becomes U+FFFD, so the
    document can be written out as UTF-8 and its offsets stay valid.
    """

    doc_id: str
    source: str
    text: str = ""
    error: str | None = None

    def __post_init__(self) -> None:
        for name in ("doc_id", "source", "text", "error"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, repair_surrogates(value)[0])

    @functools.cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class InputOptions:
    id_field: str = "id"
    text_field: str = "text"
    stdin_format: str = "auto"  # auto | text | html | jsonl


def expand_inputs(inputs: list[str]) -> list[Path | str]:
    """Files in the order given; folders expanded recursively (known suffixes only, sorted)."""
    out: list[Path | str] = []
    for item in inputs:
        if item == "-":
            out.append("-")
            continue
        path = Path(item)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file()
                              and p.suffix.lower() in KNOWN_SUFFIXES and not p.name.startswith(".")))
        else:
            out.append(path)  # a missing file becomes an error record, not a crash
    return out


def _decode(data: bytes, source: str) -> tuple[str | None, str | None]:
    if b"\x00" in data[:8192]:
        return None, "binary file (contains NUL bytes); not a text, HTML or JSON Lines document"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        return None, f"not valid UTF-8 ({err.reason} at byte {err.start}); re-encode it as UTF-8"


def _sniff(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith("{"):
        return "jsonl"
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article", "<div", "<p")):
        return "html"
    return "text"


def _from_text(doc_id: str, source: str, text: str, kind: str) -> Document:
    if kind == "html":
        text = html_to_text(text)
        if not text.strip():
            return Document(doc_id, source, error="no article text found in the HTML")
    if not text.strip():
        return Document(doc_id, source, error="empty document")
    return Document(doc_id, source, text)


def _from_jsonl(text: str, source: str, options: InputOptions) -> Iterator[Document]:
    # Lines end at "\n" only: JSON strings may hold U+2028 or U+0085, which str.splitlines
    # would take for line ends.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield Document(where, where, error=f"malformed JSON ({err.msg}, column {err.colno})")
            continue
        if not isinstance(record, dict):
            yield Document(where, where, error=f"expected a JSON object, found {type(record).__name__}")
            continue
        doc_id = str(record.get(options.id_field, where))
        body = record.get(options.text_field)
        if not isinstance(body, str):
            yield Document(doc_id, where, error=f"no string field {options.text_field!r} "
                           f"(fields: {', '.join(sorted(record)) or 'none'}); set --text-field")
            continue
        yield document_from_field(doc_id, where, body)


def document_from_field(doc_id: str, source: str, body: str) -> Document:
    """One document from a text field of a record (a JSON line, a table row): HTML when it
    looks like HTML (main text extracted), plain text otherwise."""
    kind = "html" if _sniff(body) == "html" else "text"
    return _from_text(doc_id, source, body, kind)


def file_kind(path: str | Path) -> str:
    """How a file is read, from its suffix: jsonl, html, text, or auto (sniffed from the content)."""
    suffix = Path(path).suffix.lower()
    return ("jsonl" if suffix in JSONL_SUFFIXES else "html" if suffix in HTML_SUFFIXES
            else "text" if suffix in TEXT_SUFFIXES else "auto")


def documents_from_bytes(source: str, data: bytes, kind: str,
                         options: InputOptions | None = None) -> Iterator[Document]:
    """The documents of one file's content (``kind`` as :func:`file_kind` gives it):
    one for a text or HTML file, one per line for JSON Lines; bad ones with ``error`` set."""
    options = options or InputOptions()
    text, error = _decode(data, source)
    if error:
        yield Document(source, source, error=error)
        return
    if kind == "auto":
        kind = _sniff(text)
    if kind == "jsonl":
        yield from _from_jsonl(text, source, options)
    else:
        yield _from_text(source, source, text, kind)


def iter_documents(inputs: list[str], options: InputOptions | None = None) -> Iterator[Document]:
    """Every document of the inputs, in order; unreadable ones come with ``error`` set."""
    options = options or InputOptions()
    for item in expand_inputs(inputs):
        if item == "-":
            data = sys.stdin.buffer.read()
            source = "<stdin>"
            kind = options.stdin_format
        else:
            source = str(item)
            try:
                data = Path(item).read_bytes()
            except OSError as err:
                yield Document(source, source, error=f"cannot read: {err.strerror or err}")
                continue
            kind = file_kind(item)
        yield from documents_from_bytes(source, data, kind, options)


def count_documents(inputs: list[str], options: InputOptions | None = None) -> int | None:
    """How many documents :func:`iter_documents` will yield, for a progress bar with a total
    and an ETA; None when it cannot be known without reading standard input.

    A JSON Lines file counts its non-blank lines (read as bytes, without parsing); any
    other file counts one.
    """
    total = 0
    for item in expand_inputs(inputs):
        if item == "-":
            return None
        path = Path(item)
        if path.suffix.lower() in JSONL_SUFFIXES or path.suffix.lower() not in KNOWN_SUFFIXES:
            try:
                with open(path, "rb") as handle:
                    head = handle.read(8192)
                    if path.suffix.lower() not in JSONL_SUFFIXES and not head.lstrip().startswith(b"{"):
                        total += 1
                        continue
                    handle.seek(0)
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total
