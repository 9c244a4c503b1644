"""``stance import``: new labels into ``labels/``, checked whole before anything is written.

The file is either the project's label format (JSON Lines, e.g. the labelling file of
``stance suggest`` after a person has corrected and confirmed it) or a Label Studio JSON
export (a JSON list of tasks; see :mod:`.label_studio_export`). The import:

1. checks that ``labels/`` passes the check as it is (so a problem found is the file's);
2. reads the file; fills in provenance: ``annotator`` (``--annotator`` where the file
   names nobody) and ``labelled_at`` (the annotation's time, else the time of import);
3. validates every new line with the label checker, together with all existing labels
   (unknown names, duplicate ids, a text labelled differently elsewhere, and a guess
   never confirmed are all refused, at the file and line of the import file); refuses
   a text already in ``labels/`` and any text on the held-out blocklist;
4. gives each new origin sentence a split by the stable rule
   (:func:`stance.labelset.splits.assign_splits`; existing sentences never move);
5. checks the result once more as it will be on disk, then appends the new lines to
   ``labels/data/<lang>/imported.jsonl`` (one file per language), each file written
   through a temporary file and renamed into place only after every file is written.

Any problem stops the import before step 5: ``labels/`` is left byte for byte as it was.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..atomic import atomic_open
from ..labelset.blocklist import Blocklist, project_blocklist
from ..labelset.check import LabelIssue, check_lines, normalise_text
from ..labelset.records import RawLine, read_lines, read_raw
from ..labelset.splits import assign_splits, resolve_splits
from ..schema import LabelSchema, SchemaError
from .label_studio_export import read_export

TARGET_NAME = "imported.jsonl"
SHOWN = 50


class ImportRefused(ValueError):
    """Nothing was imported; ``issues`` lists every problem (file:line: what and how to fix)."""

    def __init__(self, issues: list[LabelIssue], headline: str):
        self.issues = sorted(issues, key=lambda issue: (issue.file, issue.line))  # stable
        shown = "\n".join(f"  {issue}" for issue in self.issues[:SHOWN])
        more = f"\n  ... and {len(self.issues) - SHOWN} more" if len(self.issues) > SHOWN else ""
        super().__init__(f"{headline}\n{shown}{more}")


@dataclass
class ImportSummary:
    """What was added: lines per file, sentences per split, and the tasks left out."""

    files: dict[str, int] = field(default_factory=dict)
    splits: Counter = field(default_factory=Counter)
    skipped: int = 0

    @property
    def added(self) -> int:
        return sum(self.files.values())

    def __str__(self) -> str:
        where = ", ".join(f"{n} to {f}" for f, n in self.files.items())
        splits = ", ".join(f"{name} {n}" for name, n in sorted(self.splits.items()))
        skipped = (f"; left out {self.skipped} item(s) nobody has confirmed"
                   if self.skipped else "")
        return f"imported {self.added} labelled sentence(s): {where} (splits: {splits}){skipped}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def import_labels(path: str | Path, labels_dir: str | Path = "labels", *,
                  annotator: str | None = None, blocklist: str | Path | None = "auto",
                  skip_unconfirmed: bool = False, now: str | None = None) -> ImportSummary:
    """Import ``path`` into ``labels_dir`` (see the module's docstring).

    ``blocklist``: the held-out blocklist file; ``"auto"`` for the project's own beside
    the checkout where it exists; None for none. Raises :class:`ImportRefused`.
    """
    path, labels_dir = Path(path), Path(labels_dir)
    now = now or now_iso()
    try:
        schema = LabelSchema.load(labels_dir)
    except SchemaError as err:
        raise ImportRefused([LabelIssue(str(labels_dir / "schema.json"), 0, str(err))],
                            f"cannot import into {labels_dir}: its schema cannot be read") from None
    existing = read_raw(labels_dir)
    records, issues = check_lines(existing, schema)
    if issues:
        raise ImportRefused(issues, f"the labels under {labels_dir} fail the check already; fix "
                            f"them first (stance check --labels {labels_dir}), then import again")
    new, read_issues, skipped = read_import_file(path, annotator, skip_unconfirmed, now)
    if not new:
        raise ImportRefused(read_issues or [LabelIssue(
            str(path), 0, "no labelled sentence to import (the file is empty"
            + (", or nobody has confirmed any item)" if skipped else ")"))],
            f"{path} cannot be imported; nothing was written to {labels_dir}")

    checked, issues = check_lines(existing + new, schema, require_splits=False)
    issues += read_issues + _already_labelled(records, new)
    issues += _blocklisted(checked, new, labels_dir, blocklist)
    if issues:
        known = {r.id for r in records}
        again = all(isinstance(raw.data, dict) and raw.data.get("id") in known for raw in new)
        raise ImportRefused(issues, f"{path} cannot be imported; nothing was written to {labels_dir}"
                            + (" (every id in it is there already: was it imported before?)"
                               if again else ""))

    splits = assign_splits(checked, schema)
    final = _placed(new, splits, labels_dir)
    after, issues = check_lines(existing + [line for lines in final.values() for line in lines],
                                schema)
    if issues:  # the rule should make this impossible; never write labels that fail
        raise ImportRefused(issues, f"importing {path} would leave labels that fail the check; "
                            f"nothing was written to {labels_dir}")
    _write(final)
    split_of = resolve_splits(after)
    summary = ImportSummary(skipped=skipped)
    for target, lines in final.items():
        summary.files[str(target)] = len(lines)
        summary.splits.update(split_of.get(line.data["id"], "?") for line in lines)
    return summary


def read_import_file(path: Path, annotator: str | None, skip_unconfirmed: bool,
                     now: str) -> tuple[list[RawLine], list[LabelIssue], int]:
    """The new lines (project records), the problems found reading them, and how many
    unconfirmed items were left out."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [LabelIssue(name, 0, "file not found")], 0
    except IsADirectoryError:
        return [], [LabelIssue(name, 0, "is a folder; give one .jsonl or Label Studio .json file")], 0
    except UnicodeDecodeError as err:
        return [], [LabelIssue(name, 0, f"file is not UTF-8 ({err.reason} at byte {err.start})")], 0
    skipped = 0
    if text.lstrip().startswith("["):
        export = read_export(path, text, annotator, skip_unconfirmed)
        lines, issues, skipped = export.lines, export.issues, export.skipped
    else:
        lines, issues = [], []
        for raw in read_lines(path):
            if raw.error is None and isinstance(raw.data, dict):
                if skip_unconfirmed and _unconfirmed(raw.data):
                    skipped += 1
                    continue
                if annotator and "annotator" not in raw.data:
                    raw.data["annotator"] = annotator
            lines.append(raw)
    for raw in lines:
        if raw.error is None and isinstance(raw.data, dict):
            raw.data.setdefault("labelled_at", now)
            if "split" in raw.data:
                issues.append(LabelIssue(raw.file, raw.line, f"remove 'split' "
                                         f"({raw.data['split']!r}): stance import gives new "
                                         "sentences their split by the stable rule"))
    return lines, issues, skipped


def _unconfirmed(data: dict) -> bool:
    return data.get("confirmed") is False or ("guess" in data and data.get("confirmed") is not True)


def _already_labelled(records, new: list[RawLine]) -> list[LabelIssue]:
    """A text already in labels/ is not labelled again (``suggest`` never proposes one)."""
    known = {normalise_text(r.text): r for r in records}
    issues = []
    for raw in new:
        text = raw.data.get("text") if isinstance(raw.data, dict) else None
        first = known.get(normalise_text(text)) if isinstance(text, str) else None
        if first is not None and first.id != raw.data.get("id"):  # same id: a duplicate id already
            issues.append(LabelIssue(raw.file, raw.line, f"this text is already labelled as "
                                     f"{first.id!r} at {first.where}; remove it from the import file"))
    return issues


def _blocklisted(records, new: list[RawLine], labels_dir: Path, blocklist) -> list[LabelIssue]:
    path = project_blocklist(labels_dir) if blocklist == "auto" else blocklist
    if not path:
        return []
    try:
        listed = Blocklist.load(path)
    except (OSError, ValueError, KeyError) as err:
        return [LabelIssue(str(path), 0, f"the held-out blocklist cannot be read ({err}); give "
                           "a readable --blocklist")]
    new_at = {(raw.file, raw.line) for raw in new}
    issues = []
    for r in records:
        if (r.file, r.line) not in new_at:
            continue
        if r.url and listed.url_listed(r.url):
            issues.append(LabelIssue(r.file, r.line, f"{r.id!r} comes from a held-out page "
                                     f"({r.url}; {path}); held-out data is never labelled: remove it"))
        if listed.text_listed(r.text):
            issues.append(LabelIssue(r.file, r.line, f"{r.id!r} has the text of a held-out sentence "
                                     f"(listed in {path}); held-out data is never labelled: remove it"))
    return issues


def _placed(new: list[RawLine], splits: dict[str, str], labels_dir: Path) -> dict[Path, list[RawLine]]:
    """The new lines at their place on disk: ``data/<lang>/imported.jsonl``, after the lines
    already there, with their split."""
    by_target: dict[Path, list[RawLine]] = defaultdict(list)
    for raw in new:
        data = dict(raw.data)
        if data["id"] in splits:
            data["split"] = splits[data["id"]]
        by_target[labels_dir / "data" / data["lang"] / TARGET_NAME].append(RawLine("", 0, data=data))
    placed = {}
    for target, lines in by_target.items():
        first = _line_count(target) + 1
        placed[target] = [RawLine(str(target), first + k, data=line.data) for k, line in enumerate(lines)]
    return placed


def _existing_text(target: Path) -> str:
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    return text if not text or text.endswith("\n") else text + "\n"


def _line_count(target: Path) -> int:
    return _existing_text(target).count("\n")


def _write(final: dict[Path, list[RawLine]]) -> None:
    """Every target through a temporary file; all renames happen after all files are written
    (a failure while writing leaves every target as it was)."""
    with ExitStack() as stack:
        for target, lines in final.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            text = _existing_text(target)
            handle = stack.enter_context(atomic_open(target))
            handle.write(text + "".join(json.dumps(line.data, ensure_ascii=False) + "\n"
                                        for line in lines))
