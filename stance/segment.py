"""Sentence segmentation shared by the labelled data and the scorer.

An article is cut into lines first (headlines, sub-headlines and list items are
sentences of their own), page furniture is dropped, and each remaining line is
cut into sentences by ``sentencex`` (Wikimedia's rule-based segmenter, which
knows the abbreviations of English, Russian, Ukrainian and some 300 other
languages). Every sentence keeps its character offsets in the original text.

Two adjustments make the unit the one ``labels/GUIDELINES.md`` defines:
quotation marks and footnote markers such as ``[3]`` are hidden from the
segmenter (so a quotation of several sentences is cut into those sentences, and
``May 12.[1] Putin`` is cut after ``12.``), and a piece that starts in lower
case (``"...fight?" he asked``) or follows its predecessor with no space
(``News.Az``) is joined back to the sentence before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sentencex

from .furniture import is_furniture
from .language import detect_language

_LINE = re.compile(r"[^\r\n]+")
_BULLET = re.compile(r"^\s*(?:[-–—•*·]|\d{1,2}[.)])\s+")
# Quotation marks and footnote references, replaced by spaces of the same
# length before segmenting so that offsets stay valid.
_HIDDEN = re.compile(r'[“”«»„"]|\[\d{1,3}\]')
_CONTINUATION = re.compile(r"^[^\w]*[a-zа-яёіїєґ]|^[,;:—–)]")


@dataclass(frozen=True)
class Span:
    """A sentence and where it sits in the text it was cut from: ``text == source[start:end]``."""

    text: str
    start: int
    end: int


def split_sentences(text: str, lang: str | None = None) -> list[Span]:
    """Cut ``text`` into sentences, dropping page furniture.

    ``lang`` is an ISO 639-1 code that selects the abbreviation rules; it is
    detected from the text when not given.
    """
    if lang is None:
        lang = detect_language(text)
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        if is_furniture(line.group()):
            continue
        spans.extend(_split_line(line.group(), line.start(), lang))
    return spans


def _split_line(line: str, offset: int, lang: str) -> list[Span]:
    bullet = _BULLET.match(line)
    skip = bullet.end() if bullet else 0
    masked = _HIDDEN.sub(lambda m: " " * len(m.group()), line)
    bounds: list[list[int]] = []
    cursor = skip
    for piece in sentencex.segment(lang, masked[skip:]):
        piece = piece.strip()
        if not piece:
            continue
        start = masked.find(piece, cursor)
        if start < 0:  # the segmenter never rewrites text, but stay safe
            continue
        cursor = start + len(piece)
        if bounds and (start == bounds[-1][1] or _CONTINUATION.match(piece)):
            bounds[-1][1] = cursor
        else:
            bounds.append([start, cursor])
    spans = []
    for start, end in bounds:
        start, end = _widen_to_quotes(line, start, end)
        text = line[start:end]
        if not is_furniture(text):
            spans.append(Span(text, offset + start, offset + end))
    return spans


def _widen_to_quotes(line: str, start: int, end: int) -> tuple[int, int]:
    """Take back quotation marks that open or close exactly this sentence.

    A one-sentence quotation keeps its marks (``"We said eight," he replied``
    needs both); a sentence cut out of a longer quotation has none to take.
    """
    opening = start > 0 and line[start - 1] in "“«„\""
    closing = end < len(line) and line[end] in "”»\""
    inner = line[start:end]
    if opening and (closing or _balance(inner) < 0):
        start -= 1
    if closing and (opening or _balance(inner) > 0):
        end += 1
    return start, end


def _balance(text: str) -> int:
    """Opening minus closing curly/angle quotation marks in ``text``."""
    return sum(text.count(c) for c in "“«„") - sum(text.count(c) for c in "”»")
