"""The sentences of ``stance score`` results, as candidates for labelling.

Every line of the results (JSON Lines) is one scored article with its sentences nested.
A candidate is one sentence with what ``stance suggest`` needs: its text, the sentence
before it (the context the scorer read it with), its calibrated scores and where it
comes from (document id, source path, content hash, sentence index, offsets). A document
scored more than once (it changed between runs) counts with its latest record.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results_file import open_results_file


class ResultsInputError(ValueError):
    """The results file cannot be read as ``stance score`` output; the message names the
    file, the line and the field."""


@dataclass(frozen=True)
class Candidate:
    """One scored sentence that could be labelled next."""

    doc_id: str
    source: str
    content_hash: str
    lang: str
    index: int
    text: str
    context: str
    stance: str
    stance_scores: dict[str, float]
    techniques: tuple[str, ...]
    technique_scores: dict[str, float]
    start: int | None = None
    end: int | None = None
    #: the model the results were scored with, as "name version"
    model: str = ""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _scores(raw: dict, key: str, where: str, required: bool = True) -> dict[str, float]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(_number(v) for v in value.values()):
        raise ResultsInputError(f"{where}: {key} should be an object of label: probability, found "
                                f"{value!r:.60}")
    return {str(k): float(v) for k, v in value.items()}


def _offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def candidates_of(record: Any, where: str) -> list[Candidate]:
    """The sentences of one decoded results line, checked."""
    if not isinstance(record, dict):
        raise ResultsInputError(f"{where}: expected one article object, found {type(record).__name__}")
    doc_id = record.get("doc_id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise ResultsInputError(f"{where}: doc_id is missing; stance suggest reads the JSON Lines "
                                "results of stance score (--out results.jsonl)")
    lang = record.get("language")
    if not isinstance(lang, str) or not lang:
        raise ResultsInputError(f"{where}: language is missing (document {doc_id!r})")
    sentences = record.get("sentences")
    if not isinstance(sentences, list):
        raise ResultsInputError(f"{where}: sentences should be a list (document {doc_id!r})")
    model = record.get("model") if isinstance(record.get("model"), dict) else {}
    model_name = " ".join(str(model[k]) for k in ("name", "version") if model.get(k))
    out, previous = [], ""
    for index, sentence in enumerate(sentences):
        here = f"{where}: sentences[{index}]"
        if not isinstance(sentence, dict):
            raise ResultsInputError(f"{here} should be an object")
        text, stance = sentence.get("text"), sentence.get("stance")
        if not isinstance(text, str):
            raise ResultsInputError(f"{here}.text should be a string, found {text!r:.40}")
        stance_scores = _scores(sentence, "stance_scores", here)
        if not isinstance(stance, str) or stance not in stance_scores:
            raise ResultsInputError(f"{here}.stance should be one of the stance_scores labels, "
                                    f"found {stance!r:.40}")
        techniques = sentence.get("techniques") or []
        if not isinstance(techniques, list) or not all(isinstance(t, str) for t in techniques):
            raise ResultsInputError(f"{here}.techniques should be a list of names")
        out.append(Candidate(
            doc_id=doc_id, source=str(record.get("source") or doc_id),
            content_hash=str(record.get("content_hash") or ""), lang=lang, index=index,
            text=text, context=previous, stance=stance, stance_scores=stance_scores,
            techniques=tuple(techniques),
            technique_scores=_scores(sentence, "technique_scores", here, required=False),
            start=_offset(sentence.get("start")), end=_offset(sentence.get("end")),
            model=model_name))
        previous = text
    return out


def read_candidates(path: str | Path) -> list[Candidate]:
    """Every sentence of a results file, in file order; for a document scored more than
    once, the sentences of its latest record. Raises :class:`ResultsInputError`."""
    path = Path(path)
    handle = open_results_file(path, ResultsInputError)
    by_doc: dict[str, list[Candidate]] = {}
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{path}, line {number}"
            try:
                record = json.loads(raw)
            except UnicodeDecodeError:
                raise ResultsInputError(f"{where}: not UTF-8 text; stance suggest reads the JSON "
                                        "Lines results of stance score") from None
            except json.JSONDecodeError as err:
                raise ResultsInputError(f"{where}: not valid JSON ({err.msg} at column {err.colno}); "
                                        "stance suggest reads the JSON Lines results of stance "
                                        "score (--out results.jsonl, not .csv or .parquet)") from None
            found = candidates_of(record, where)
            if found:
                by_doc.pop(found[0].doc_id, None)  # a later record of a document replaces it
                by_doc[found[0].doc_id] = found
    return [c for found in by_doc.values() for c in found]
