"""Read and check the JSON Lines results of ``stance score`` for the report.

Every line is one article record. A record is checked before anything is drawn, and a
problem is one :class:`ReportInputError` naming the file, the line and the field. Label
names are never fixed here: the stance classes and techniques are whatever the records
carry, so a technique added to the schema shows up in the report without code changes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results_file import open_results_file


class ReportInputError(ValueError):
    """The results file cannot be read as ``stance score`` output; the message names the
    file and, where it is one line's fault, the line."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Checks one record, raising a message with the dotted path of the bad field."""

    def __init__(self, where: str):
        self.where = where

    def fail(self, field: str, problem: str) -> None:
        raise ReportInputError(f"{self.where}: {field} {problem}")

    def text(self, record: dict, key: str, field: str, required: bool = True) -> str | None:
        value = record.get(key)
        if value is None and not required:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and key == "doc_id":
            return str(value)
        if not isinstance(value, str):
            self.fail(field, "is missing" if key not in record else
                      f"should be a string, found {type(value).__name__}")
        return value

    def number(self, record: dict, key: str, field: str, required: bool = True) -> float | None:
        value = record.get(key)
        if value is None and not required:
            return None
        if not _is_number(value):
            self.fail(field, "is missing" if key not in record else
                      f"should be a number, found {value!r:.40}")
        return float(value)

    def scores(self, record: dict, key: str, field: str, required: bool = True) -> dict[str, float]:
        value = record.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(field, "is missing" if key not in record else
                      f"should be an object of label: number, found {type(value).__name__}")
        for name, score in value.items():
            if not _is_number(score):
                self.fail(f"{field}.{name}", f"should be a number, found {score!r:.40}")
        return {str(k): float(v) for k, v in value.items()}

    def names(self, record: dict, key: str, field: str) -> list[str]:
        value = record.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(field, "should be a list of label names")
        return value

    def indexes(self, record: dict, key: str, field: str, n: int) -> dict[str, list[int]]:
        value = record.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(field, "should be an object of label: [sentence indexes]")
        out = {}
        for name, items in value.items():
            if not isinstance(items, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in items):
                self.fail(f"{field}.{name}", f"should be a list of sentence indexes below {n}")
            out[str(name)] = items
        return out


@dataclass(frozen=True)
class Span:
    """One piece of evidence: characters ``start:end`` of a sentence, and its signed weight."""

    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class Sentence:
    text: str
    stance: str
    stance_scores: dict[str, float]
    techniques: tuple[str, ...]
    technique_scores: dict[str, float]
    truncated: bool
    replaced_characters: int
    gap_before: int | None  # characters between the previous sentence and this one, if known
    evidence: dict[str, tuple[Span, ...]]


@dataclass(frozen=True)
class Article:
    """One record of the results file, checked; ``line`` is where it was read."""

    line: int
    doc_id: str
    source: str
    content_hash: str
    model: dict
    language: str
    stance_shares: dict[str, float]
    leaning: str
    leaning_confidence: float
    technique_counts: dict[str, int]
    technique_rate: dict[str, float]
    top_sentences: dict[str, list[int]]
    sentences: tuple[Sentence, ...]

    @property
    def n_sentences(self) -> int:
        return len(self.sentences)


def _evidence(raw: Any, text: str) -> dict[str, tuple[Span, ...]]:
    """The evidence spans of a sentence that point at its text; anything else is left out
    (evidence is optional, and a malformed span must not stop the report)."""
    if not isinstance(raw, dict):
        return {}
    out = {}
    for label, spans in raw.items():
        if not isinstance(spans, list):
            continue
        kept = []
        for span in spans:
            if not isinstance(span, dict):
                continue
            start, end, weight = span.get("start"), span.get("end"), span.get("weight")
            if not (isinstance(start, int) and isinstance(end, int) and _is_number(weight)
                    and 0 <= start < end <= len(text)):
                continue
            if isinstance(span.get("text"), str) and text[start:end] != span["text"]:
                continue  # offsets that do not point at the words they name
            kept.append(Span(start, end, float(weight)))
        if kept:
            out[str(label)] = tuple(kept)
    return out


def _sentence(check: _Checker, raw: Any, i: int, previous_end: int | None) -> Sentence:
    field = f"sentences[{i}]"
    if not isinstance(raw, dict):
        check.fail(field, "should be an object")
    text = check.text(raw, "text", f"{field}.text")
    stance = check.text(raw, "stance", f"{field}.stance")
    stance_scores = check.scores(raw, "stance_scores", f"{field}.stance_scores")
    if stance not in stance_scores:
        check.fail(f"{field}.stance", f"{stance!r} has no score in stance_scores")
    start, end = raw.get("start"), raw.get("end")
    gap = None
    if isinstance(start, int) and isinstance(previous_end, int) and start >= previous_end:
        gap = start - previous_end
    replaced = raw.get("replaced_characters")
    return Sentence(
        text=text, stance=stance, stance_scores=stance_scores,
        techniques=tuple(check.names(raw, "techniques", f"{field}.techniques")),
        technique_scores=check.scores(raw, "technique_scores", f"{field}.technique_scores",
                                      required=False),
        truncated=raw.get("truncated") is True,
        replaced_characters=replaced if isinstance(replaced, int) and replaced > 0 else 0,
        gap_before=gap, evidence=_evidence(raw.get("evidence"), text))


def parse_record(raw: Any, where: str, line: int) -> Article:
    """One decoded JSON value as an :class:`Article`, or :class:`ReportInputError`."""
    check = _Checker(where)
    if not isinstance(raw, dict):
        check.fail("the line", f"should hold one article object, found {type(raw).__name__}")
    doc_id = check.text(raw, "doc_id", "doc_id")
    sentences_raw = raw.get("sentences")
    if not isinstance(sentences_raw, list):
        check.fail("sentences", "is missing" if "sentences" not in raw else "should be a list")
    sentences, previous_end = [], None
    for i, item in enumerate(sentences_raw):
        sentences.append(_sentence(check, item, i, previous_end))
        end = item.get("end")
        previous_end = end if isinstance(end, int) else None
    if not sentences:
        check.fail("sentences", "is empty (an article has at least one sentence)")
    model = raw.get("model")
    counts = raw.get("technique_counts")
    return Article(
        line=line, doc_id=doc_id,
        source=check.text(raw, "source", "source", required=False) or doc_id,
        content_hash=check.text(raw, "content_hash", "content_hash", required=False) or "",
        model=model if isinstance(model, dict) else {},
        language=check.text(raw, "language", "language", required=False) or "",
        stance_shares=check.scores(raw, "stance_shares", "stance_shares"),
        leaning=check.text(raw, "leaning", "leaning"),
        leaning_confidence=check.number(raw, "leaning_confidence", "leaning_confidence"),
        technique_counts={str(k): int(v) for k, v in counts.items() if _is_number(v)}
        if isinstance(counts, dict) else {},
        technique_rate=check.scores(raw, "technique_rate", "technique_rate"),
        top_sentences=check.indexes(raw, "top_sentences", "top_sentences", len(sentences)),
        sentences=tuple(sentences))


def read_articles(path: str | Path) -> Iterator[Article]:
    """The records of a results file in order, one line at a time (the file may be larger
    than memory). Blank lines are skipped; any other bad line raises
    :class:`ReportInputError` with the file and line number."""
    path = Path(path)
    handle = open_results_file(path, ReportInputError)
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}, line {number}"
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except UnicodeDecodeError:
                raise ReportInputError(f"{where}: not UTF-8 text; stance report reads the JSON "
                                       "Lines results of stance score") from None
            except json.JSONDecodeError as err:
                raise ReportInputError(f"{where}: not valid JSON ({err.msg} at column "
                                       f"{err.colno}); stance report reads the JSON Lines "
                                       "results of stance score (--out results.jsonl)") from None
            yield parse_record(value, where, number)
