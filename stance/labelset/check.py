"""Validation of the label files: every problem names its file, line and a fix."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..schema import LabelSchema, SchemaError
from .records import ORIGINS, LabelRecord, RawLine, read_raw, record_from_dict

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
    raws = read_raw(labels_dir)
    if not raws:
        return [], [LabelIssue(str(labels_dir / "data"), 0,
                               "no labelled sentences found (expected *.jsonl files under data/)")]
    return check_lines(raws, schema, require_splits)


def check_lines(raws: list[RawLine], schema: LabelSchema,
                require_splits: bool = True) -> tuple[list[LabelRecord], list[LabelIssue]]:
    """Validate lines already read (from label files, or lines about to be added to them:
    see ``stance import``); return the good records and all issues."""
    issues: list[LabelIssue] = []
    records: list[LabelRecord] = []
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
    if data["origin"] == "modelled":
        _check_modelled(data, schema, problem)
    _check_provenance(data, problem)
    _check_source_fields(data, problem)
    _check_confirmed(data, problem)
    return record_from_dict(data, file, line)


def _check_provenance(data: dict, problem) -> None:
    """Who gave the label and when: optional on every record."""
    annotator = data.get("annotator")
    if annotator is not None and (not isinstance(annotator, str) or not annotator.strip()):
        problem(f"'annotator' must be a non-empty string (who gave the label) or absent, "
                f"found {annotator!r}")
    when = data.get("labelled_at")
    if when is not None and not _is_timestamp(when):
        problem(f"'labelled_at' must be an ISO 8601 date or date-time (e.g. 2025-06-01 or "
                f"2025-06-01T14:03:00Z) or absent, found {when!r}")


def _is_timestamp(value) -> bool:
    from datetime import date, datetime

    if not isinstance(value, str) or not value.strip():
        return False
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(text)
            return True
        except ValueError:
            continue
    return False


def _check_source_fields(data: dict, problem) -> None:
    """Where a sentence of a scored article was cut from (written by ``stance suggest``)."""
    for key in ("source_path", "content_hash"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problem(f"field {key!r} must be a non-empty string or absent, found {value!r}")
    context = data.get("context")
    if context is not None and not isinstance(context, str):
        problem(f"field 'context' must be the text of the sentence before (a string; '' for "
                f"none) or absent, found {context!r}")
    index = data.get("sentence_index")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
        problem(f"field 'sentence_index' must be the sentence's index in its article "
                f"(int >= 0), found {index!r}")


def _check_confirmed(data: dict, problem) -> None:
    """A model's guess is never a label: a record that carries one (``guess``), or that
    ``stance suggest`` picked, counts only once a person has confirmed it."""
    confirmed = data.get("confirmed")
    if "confirmed" in data and not isinstance(confirmed, bool):
        problem(f"field 'confirmed' must be true or false, found {confirmed!r}")
        return
    guess = data.get("guess")
    if guess is not None and (not isinstance(guess, dict) or not isinstance(guess.get("stance"), str)
                              or not isinstance(guess.get("techniques"), list)):
        problem(f"field 'guess' must be the model's guess as {{\"stance\": ..., \"techniques\": "
                f"[...]}}, found {guess!r:.80}")
    if confirmed is True:
        return
    fix = ("check its stance and techniques against labels/GUIDELINES.md, correct them, then set "
           "\"confirmed\": true (or delete the line)")
    if confirmed is False:
        problem(f"{data['id']!r} is still the model's guess (\"confirmed\": false), not a label: {fix}")
    elif "guess" in data:
        problem(f"{data['id']!r} carries the model's guess and nobody has confirmed it: {fix}")
    elif data["origin"] == "suggested":
        problem(f"{data['id']!r} was suggested by the model and nobody has confirmed it: {fix}")


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _check_modelled(data: dict, schema: LabelSchema, problem) -> None:
    """A sentence modelled on a real page carries that page's URL and outlet, its excerpt
    and place in it; its date where known."""
    for key, what in (("url", "the URL of the page it is modelled on"),
                      ("outlet", "the name of the page's outlet"),
                      ("excerpt", "the id of its excerpt (sentences of one page, in order)")):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problem(f"a modelled sentence needs {key!r}: {what}; found {value!r}")
    url = data.get("url")
    if isinstance(url, str) and url.strip() and not url.startswith(("http://", "https://")):
        problem(f"'url' must start with http:// or https://, found {url!r}")
    position = data.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        problem(f"a modelled sentence needs 'position': its place in the excerpt (1, 2, ...), "
                f"found {position!r}")
    date = data.get("date")
    if date is not None and (not isinstance(date, str) or not _DATE.match(date)):
        problem(f"'date' must be YYYY, YYYY-MM or YYYY-MM-DD (or null when unknown), found {date!r}")
    group = data.get("outlet_group")
    if schema.outlet_groups and group is not None and group not in schema.outlet_groups:
        problem(f"unknown outlet_group {group!r}; valid choices: {_choices(schema.outlet_groups)}")
    if data.get("derived_from") is not None:
        problem("a modelled sentence is written natively: it cannot derive from another")


def _check_excerpts(records: list[LabelRecord], schema: LabelSchema, issues: list[LabelIssue]) -> None:
    """An excerpt is one page: one url, outlet and language, distinct positions, one split;
    an outlet held out whole has no page in any other split."""
    from .splits import held_out_outlet

    by_excerpt: dict[str, list[LabelRecord]] = {}
    for record in records:
        if record.origin == "modelled" and record.excerpt:
            by_excerpt.setdefault(record.excerpt, []).append(record)
    for excerpt, members in by_excerpt.items():
        first = members[0]
        seen_positions: dict[int, LabelRecord] = {}
        for record in members:
            for key in ("url", "outlet", "lang"):
                if getattr(record, key) != getattr(first, key):
                    issues.append(LabelIssue(record.file, record.line,
                                             f"excerpt {excerpt!r} mixes {key} values "
                                             f"({getattr(record, key)!r} vs {getattr(first, key)!r} at "
                                             f"{first.where}); an excerpt comes from one page"))
            other = seen_positions.setdefault(record.position, record) if record.position else record
            if other is not record:
                issues.append(LabelIssue(record.file, record.line,
                                         f"position {record.position} of excerpt {excerpt!r} is used "
                                         f"twice (also at {other.where})"))
        splits = {r.split for r in members if r.split is not None}
        if len(splits) > 1:
            issues.append(LabelIssue(first.file, first.line,
                                     f"excerpt {excerpt!r} is split across {sorted(splits)}; an excerpt "
                                     "stays in one split (remove the 'split' fields and run "
                                     "`stance check --assign-splits`)"))
        held = schema.held_out_outlets
        if held and first.outlet and splits:
            expected_held = held_out_outlet(first.outlet, held["share"])
            if expected_held != (splits == {held["split"]}):
                where = "must be" if expected_held else "cannot be"
                issues.append(LabelIssue(first.file, first.line,
                                         f"excerpt {excerpt!r} of outlet {first.outlet!r} {where} in "
                                         f"{held['split']!r}: outlets are held out whole by the stable "
                                         "rule (remove the 'split' fields and run `stance check "
                                         "--assign-splits`)"))


def outlet_spelling_key(outlet: str) -> str:
    """What two spellings of one outlet share: letters and digits only, case folded,
    without a leading "The" ("The Jakarta Post", "Jakarta Post"; "For-UA", "ForUA"). The
    held-out rule and the folds key outlets by their exact name, so the label check
    refuses two spellings with one key (:func:`check_labels`)."""
    words = re.findall(r"\w+", outlet.casefold())
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return "".join(words)


def _check_outlet_spellings(records: list[LabelRecord], issues: list[LabelIssue]) -> None:
    """One outlet, one spelling: the held-out rule and the cross-validation folds key outlets
    by their exact name, so "ForUA" beside "For-UA" could put one outlet on both sides."""
    first_of: dict[str, LabelRecord] = {}
    for record in records:
        if not record.outlet:
            continue
        first = first_of.setdefault(outlet_spelling_key(record.outlet), record)
        if first.outlet != record.outlet:
            issues.append(LabelIssue(record.file, record.line,
                                     f"outlet {record.outlet!r} looks like {first.outlet!r} "
                                     f"({first.where}) spelled another way; write one outlet one "
                                     "way (outlets are held out and cross-validated by their exact "
                                     "name), then run `stance check --assign-splits`"))


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

    _check_excerpts(records, schema, issues)
    _check_outlet_spellings(records, issues)
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
