"""Reading a Label Studio JSON export back into label records.

The export is Label Studio's documented JSON format: a list of tasks, each with the
``data`` it was imported with (here: the task file of ``stance suggest --format
label-studio``) and its ``annotations``; each annotation has a ``result`` list whose
items name their control (``from_name``: ``stance`` or ``techniques``), the object
(``to_name``: ``text``), ``"type": "choices"`` and ``value.choices``.

A task's labels come from its submitted annotations only. A task with none (or only
skipped ones, ``was_cancelled``) has nothing but the model's prediction: it is refused
("no human annotation"), or left out with ``skip_unannotated``. Several annotations of
one task must agree. Who (``completed_by``: an email where the export carries the user,
else the user's number) and when (``updated_at``, else ``created_at``) become the
record's ``annotator`` and ``labelled_at``.

Every problem is a :class:`~stance.labelset.LabelIssue` at the line where its task
starts in the export file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..labelset.check import LabelIssue
from ..labelset.records import RawLine
from .label_studio_tasks import DATA_FIELDS, STANCE, TECHNIQUES, TEXT
from .suggestion_file import ORIGIN


@dataclass
class ExportItems:
    """What an export holds: one record per annotated task, the problems, and how many
    tasks without a human annotation were left out."""

    lines: list[RawLine] = field(default_factory=list)
    issues: list[LabelIssue] = field(default_factory=list)
    skipped: int = 0


def tasks_with_lines(text: str) -> list[tuple[int, object]]:
    """The items of a JSON list, each with the line it starts on (the text must be valid JSON)."""
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0)
    if text[at:at + 1] != "[":
        raise ValueError("not a JSON list")
    at = _skip_space(text, at + 1)
    items = []
    while at < len(text) and text[at] != "]":
        value, end = decoder.raw_decode(text, at)
        items.append((text.count("\n", 0, at) + 1, value))
        at = _skip_space(text, end)
        if text[at:at + 1] == ",":
            at = _skip_space(text, at + 1)
    return items


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def read_export(path: str | Path, text: str, annotator: str | None = None,
                skip_unannotated: bool = False) -> ExportItems:
    """The records of a Label Studio export (already read as ``text``)."""
    name = str(path)
    out = ExportItems()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        out.issues.append(LabelIssue(name, err.lineno, f"malformed JSON: {err.msg} (column {err.colno})"))
        return out
    if not isinstance(value, list):
        out.issues.append(LabelIssue(name, 1, "a Label Studio export is a JSON list of tasks "
                                     f"(Export > JSON), found a {type(value).__name__}"))
        return out
    for line, task in tasks_with_lines(text):
        record = _record(task, annotator)
        if isinstance(record, str):
            out.issues.append(LabelIssue(name, line, record))
        elif record is None:
            if skip_unannotated:
                out.skipped += 1
            else:
                label = _task_label(task)
                out.issues.append(LabelIssue(
                    name, line, f"{label} has no human annotation, only the model's guess: a guess "
                    "is never a label. Label and submit it in Label Studio and export again, or "
                    "pass --skip-unconfirmed to leave such tasks out"))
        else:
            out.lines.append(RawLine(name, line, data=record))
    return out


def _task_label(task: dict) -> str:
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    return f"task {task.get('id', '?')} ({data.get('id', 'no data.id')})"


def _record(task, annotator: str | None) -> dict | str | None:
    """A label record, a problem (str), or None when no person has annotated the task."""
    if not isinstance(task, dict):
        return f"expected a task object, found {type(task).__name__}"
    label = _task_label(task)
    data = task.get("data")
    if not isinstance(data, dict):
        return f"{label}: 'data' is missing; stance import reads exports of the task files written " \
               "by stance suggest --format label-studio"
    missing = [key for key in ("id", "text", "lang") if not isinstance(data.get(key), str)]
    if missing:
        return (f"{label}: data has no {', '.join(missing)}; stance import reads exports of the "
                "task files written by stance suggest --format label-studio")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        return f"{label}: 'annotations' should be a list"
    submitted = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    if not submitted:
        return None
    answers = []
    for number, annotation in enumerate(submitted, start=1):
        found = _labels_of(annotation)
        if isinstance(found, str):
            return f"{label}, annotation {annotation.get('id', number)}: {found}"
        answers.append(found)
    if any(a != answers[0] for a in answers[1:]):
        shown = "; ".join(f"{s} {sorted(t)}" for s, t in answers)
        return (f"{label}: its {len(answers)} annotations disagree ({shown}); settle them in "
                "Label Studio (keep one answer) and export again")
    stance, techniques = answers[0]
    latest = max(submitted, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
    record = {"id": data["id"], "text": data[TEXT], "lang": data["lang"],
              "source": data.get("source") or data["id"], "stance": stance,
              "techniques": techniques, "origin": ORIGIN, "confirmed": True}
    record.update({key: data[key] for key in DATA_FIELDS if key in data and key not in record})
    who = _annotator(latest.get("completed_by"), annotator)
    if who:
        record["annotator"] = who
    when = latest.get("updated_at") or latest.get("created_at")
    if isinstance(when, str) and when:
        record["labelled_at"] = when
    return record


def _labels_of(annotation: dict) -> tuple[str, list[str]] | str:
    """(stance, techniques) from one annotation's result, or a problem."""
    result = annotation.get("result")
    if not isinstance(result, list):
        return "'result' should be a list of choices"
    stance: list[str] = []
    techniques: list[str] = []
    for item in result:
        if not isinstance(item, dict):
            return "a result item should be an object"
        control, kind = item.get("from_name"), item.get("type")
        if control not in (STANCE, TECHNIQUES):
            return (f"unknown control {control!r} (from_name); the labelling config of stance "
                    f"suggest has {STANCE!r} and {TECHNIQUES!r}")
        if kind != "choices":
            return f"result of {control!r} has type {kind!r}; expected 'choices'"
        if item.get("to_name") not in (None, TEXT):
            return f"result of {control!r} points at {item.get('to_name')!r}; expected {TEXT!r}"
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            return f"result of {control!r} needs value.choices, a list of names"
        (stance if control == STANCE else techniques).extend(choices)
    if not stance:
        return "no stance was chosen; every sentence needs exactly one stance"
    if len(stance) > 1:
        return f"several stances were chosen ({', '.join(stance)}); choose exactly one"
    return stance[0], techniques


def _annotator(completed_by, fallback: str | None) -> str | None:
    """A person's email (or name) where the export names the user; else ``fallback``; else
    Label Studio's user number."""
    if isinstance(completed_by, dict):
        for key in ("email", "username", "first_name"):
            if isinstance(completed_by.get(key), str) and completed_by[key].strip():
                return completed_by[key].strip()
        completed_by = completed_by.get("id")
    if fallback:
        return fallback
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return f"label-studio user {completed_by}"
    return None
