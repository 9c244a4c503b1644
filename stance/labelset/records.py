"""One labelled sentence per JSON line, read with its file and line number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORIGINS = ("corpus", "translation", "authored", "modelled", "suggested")


@dataclass(frozen=True)
class LabelRecord:
    """A labelled sentence as stored in ``labels/data/**/*.jsonl``.

    ``split`` is stored on origin sentences only; derived copies (translations,
    authored variants) inherit their origin's split (see :func:`resolve_splits`).
    """

    @property
    def unit(self) -> str:
        """What a split is assigned to: the excerpt of a modelled sentence (never cut),
        else the sentence itself."""
        return f"excerpt:{self.excerpt}" if self.origin == "modelled" and self.excerpt else self.id

    id: str
    text: str
    lang: str
    source: str
    stance: str
    techniques: tuple[str, ...]
    origin: str
    derived_from: str | None = None
    split: str | None = None
    start: int | None = None
    end: int | None = None
    note: str | None = None
    # Sentences modelled on a real page (origin "modelled"): the page they are modelled
    # on, its outlet, its publication date where known, and the excerpt they belong to
    # with their place in it (the order gives each sentence its context).
    url: str | None = None
    outlet: str | None = None
    outlet_group: str | None = None
    date: str | None = None
    excerpt: str | None = None
    position: int | None = None
    theme: str | None = None
    # Sentences of scored articles picked by ``stance suggest`` (origin "suggested"): the
    # sentence before it as the scorer read it, and where it was cut from.
    context: str | None = None
    source_path: str | None = None
    content_hash: str | None = None
    sentence_index: int | None = None
    # Provenance of the label (optional on every record): who gave it, and when.
    annotator: str | None = None
    labelled_at: str | None = None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RawLine:
    """A line that could be read from a file, parsed or not."""

    file: str
    line: int
    data: Any = None
    error: str | None = None


def data_files(labels_dir: str | Path) -> list[Path]:
    """All label files below ``labels_dir/data`` in a stable order."""
    return sorted(Path(labels_dir, "data").rglob("*.jsonl"))


def read_raw(labels_dir: str | Path) -> list[RawLine]:
    """Every non-blank line of every label file, JSON-decoded where possible."""
    out: list[RawLine] = []
    for path in data_files(labels_dir):
        out += read_lines(path)
    return out


def read_lines(path: str | Path) -> list[RawLine]:
    """Every non-blank line of one JSON Lines file, JSON-decoded where possible."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        return [RawLine(name, 0, error=f"file is not UTF-8 ({err.reason} at byte {err.start})")]
    out: list[RawLine] = []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: see scoring
        if not line.strip():
            continue
        try:
            out.append(RawLine(name, number, data=json.loads(line)))
        except json.JSONDecodeError as err:
            out.append(RawLine(name, number, error=f"malformed JSON: {err.msg} (column {err.colno})"))
    return out


def read_records(labels_dir: str | Path) -> list[LabelRecord]:
    """Read records without checking them; use :func:`stance.labelset.load_checked` for training."""
    records = []
    for raw in read_raw(labels_dir):
        if raw.error is None and isinstance(raw.data, dict):
            record = record_from_dict(raw.data, raw.file, raw.line)
            if record is not None:
                records.append(record)
    return records


def record_from_dict(data: dict, file: str, line: int) -> LabelRecord | None:
    """Build a record from a decoded line; ``None`` when required fields are not strings."""
    try:
        return LabelRecord(
            id=data["id"], text=data["text"], lang=data["lang"], source=data["source"],
            stance=data["stance"], techniques=tuple(data.get("techniques") or ()),
            origin=data["origin"], derived_from=data.get("derived_from"),
            split=data.get("split"), start=data.get("start"), end=data.get("end"),
            note=data.get("note"), url=data.get("url"), outlet=data.get("outlet"),
            outlet_group=data.get("outlet_group"), date=data.get("date"),
            excerpt=data.get("excerpt"), position=data.get("position"), theme=data.get("theme"),
            context=data.get("context"), source_path=data.get("source_path"),
            content_hash=data.get("content_hash"), sentence_index=data.get("sentence_index"),
            annotator=data.get("annotator"), labelled_at=data.get("labelled_at"),
            file=file, line=line,
        )
    except (KeyError, TypeError):
        return None
