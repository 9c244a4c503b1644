"""Validation of the label files: every problem names its file, line and a fix."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..schema import LabelSchema, SchemaError
from .records import ORIGINS, LabelRecord, read_raw, record_from_dict

_REQUIRED_STRINGS = ("id", "text", "lang", "source", "stance", "origin")


@dataclass(frozen=True)
class LabelIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LabelCheckError(ValueError):
    """The labels failed the check; ``issues`` lists every problem found."""

    def __init__(self, issues: list[LabelIssue], labels_dir: str | Path = "labels"):
        self.issues = list(issues)
        shown = "\n".join(f"  {issue}" for issue in self.issues[:50])
        more = f"\n  ... and {len(self.issues) - 50} more" if len(self.issues) > 50 else ""
        super().__init__(
            f"{len(self.issues)} problem(s) in the labels under {labels_dir}:\n{shown}{more}\n"
            f"Fix them and run `stance check --labels {labels_dir}` again."
        )


def _choices(names) -> str:
    return ", ".join(names)


def normalise_text(text: str) -> str:
    """The form under which two sentences count as the same text."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_labels(
    labels_dir: str | Path, schema: LabelSchema | None = None, require_splits: bool = True
) -> tuple[list[LabelRecord], list[LabelIssue]]:
    """Read and validate every label file; return the good records and all issues."""
    labels_dir = Path(labels_dir)
    if schema is None:
        try:
            schema = LabelSchema.load(labels_dir)
        except SchemaError as err:
            return [], [LabelIssue(str(labels_dir / "schema.json"), 0, str(err))]
    issues: list[LabelIssue] = []
    records: list[LabelRecord] = []
    raws = read_raw(labels_dir)
    if not raws:
        issues.append(LabelIssue(str(labels_dir / "data"), 0,
                                 "no labelled sentences found (expected *.jsonl files under data/)"))
    for raw in raws:
        if raw.error:
            issues.append(LabelIssue(raw.file, raw.line, raw.error))
            continue
        record = _check_line(raw.data, raw.file, raw.line, schema, issues)
        if record is not None:
            records.append(record)
    _check_across(records, schema, issues, require_splits)
    return records, issues


def load_checked(labels_dir: str | Path) -> tuple[LabelSchema, list[LabelRecord]]:
    """Schema and records of a labels folder that passes the check, else :class:`LabelCheckError`."""
    try:
        schema = LabelSchema.load(labels_dir)
    except SchemaError as err:
        raise LabelCheckError([LabelIssue(str(Path(labels_dir) / "schema.json"), 0, str(err))],
                              labels_dir) from None
    records, issues = check_labels(labels_dir, schema)
    if issues:
        raise LabelCheckError(issues, labels_dir)
    return schema, records


def _check_line(data, file: str, line: int, schema: LabelSchema,
                issues: list[LabelIssue]) -> LabelRecord | None:
    def problem(message: str) -> None:
        issues.append(LabelIssue(file, line, message))

    if not isinstance(data, dict):
        problem(f"expected a JSON object, found {type(data).__name__}")
        return None
    ok = True
    for key in _REQUIRED_STRINGS:
        value = data.get(key)
        if key not in data:
            problem(f"missing field {key!r}")
            ok = False
        elif not isinstance(value, str) or not value.strip():
            problem(f"field {key!r} must be a non-empty string, found {value!r}")
            ok = False
    techniques = data.get("techniques")
    if "techniques" not in data:
        problem("missing field 'techniques' (use [] for a sentence with no technique)")
        ok = False
    elif not isinstance(techniques, list) or not all(isinstance(t, str) for t in techniques):
        problem(f"field 'techniques' must be a list of names, found {techniques!r}")
        ok = False
    if not ok:
        return None
    if data["stance"] not in schema.stance:
        problem(f"unknown stance {data['stance']!r}; valid choices: {_choices(schema.stance)}")
    for name in techniques:
        if name not in schema.techniques:
            problem(f"unknown technique {name!r}; valid choices: {_choices(schema.techniques)} "
                    "(a new technique must first be added to schema.json)")
    if len(set(techniques)) != len(techniques):
        problem(f"technique listed twice in {techniques}")
    if data["lang"] not in schema.languages:
        problem(f"unknown language code {data['lang']!r}; valid choices: "
                f"{_choices(schema.languages)} (add a language to schema.json first)")
    if data["origin"] not in ORIGINS:
        problem(f"unknown origin {data['origin']!r}; valid choices: {_choices(ORIGINS)}")
    split = data.get("split")
    if split is not None and split not in schema.split_names:
        problem(f"unknown split {split!r}; valid choices: {_choices(schema.split_names)}")
    derived = data.get("derived_from")
    if data["origin"] == "translation" and not derived:
        problem("a translation needs 'derived_from': the id of the sentence it translates")
    if derived is not None and (not isinstance(derived, str) or not derived.strip()):
        problem(f"field 'derived_from' must be an id, found {derived!r}")
    for key in ("start", "end"):
        if data.get(key) is not None and (not isinstance(data[key], int) or data[key] < 0):
            problem(f"field {key!r} must be a character offset (int >= 0), found {data[key]!r}")
    return record_from_dict(data, file, line)


def _check_across(records: list[LabelRecord], schema: LabelSchema,
                  issues: list[LabelIssue], require_splits: bool) -> None:
    by_id: dict[str, LabelRecord] = {}
    for record in records:
        first = by_id.get(record.id)
        if first is not None:
            issues.append(LabelIssue(record.file, record.line,
                                     f"duplicate id {record.id!r} (first used at {first.where})"))
        else:
            by_id[record.id] = record

    by_text: dict[str, LabelRecord] = {}
    for record in records:
        key = normalise_text(record.text)
        first = by_text.setdefault(key, record)
        if first is record:
            continue
        if (first.stance, set(first.techniques)) != (record.stance, set(record.techniques)):
            issues.append(LabelIssue(
                record.file, record.line,
                f"same text as {first.id!r} at {first.where} but conflicting labels: "
                f"{record.stance} {sorted(record.techniques)} vs {first.stance} "
                f"{sorted(first.techniques)}; make them agree",
            ))

    for record in records:
        if record.derived_from is None:
            if record.split is None and require_splits:
                issues.append(LabelIssue(record.file, record.line,
                                         f"{record.id!r} has no split; run "
                                         "`stance check --assign-splits` to give new sentences one"))
            if record.origin == "authored" and record.split not in (None, "train"):
                issues.append(LabelIssue(record.file, record.line,
                                         f"authored sentence {record.id!r} is in {record.split!r}; "
                                         "authored sentences belong to 'train' only"))
            continue
        root, chain = record, []
        while root.derived_from is not None and root.id not in chain:
            chain.append(root.id)
            parent = by_id.get(root.derived_from)
            if parent is None:
                issues.append(LabelIssue(record.file, record.line,
                                         f"derived_from {root.derived_from!r} not found: the origin "
                                         "sentence is missing; add it or fix the id"))
                root = None
                break
            root = parent
        if root is None:
            continue
        if root.derived_from is not None:
            issues.append(LabelIssue(record.file, record.line,
                                     f"derived_from forms a cycle through {chain}"))
            continue
        if record.split is not None and root.split is not None and record.split != root.split:
            issues.append(LabelIssue(
                record.file, record.line,
                f"{record.id!r} is in split {record.split!r} but its origin {root.id!r} "
                f"({root.where}) is in {root.split!r}; derived copies must stay in their "
                "origin's split (drop the 'split' field to inherit it)",
            ))
        if root.origin == "authored" and record.split not in (None, "train"):
            issues.append(LabelIssue(record.file, record.line,
                                     f"{record.id!r} derives from authored {root.id!r} and must "
                                     "stay in 'train'"))
