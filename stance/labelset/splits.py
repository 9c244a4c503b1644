"""Train/dev/test assignment that is deterministic, balanced and stable.

The split is stored in the data, on origin sentences only: derived copies
(translations, authored variants) inherit it, so they can never cross splits.
:func:`assign_splits` gives a split to origin sentences that have none, and
never touches one that has a split already, so adding sentences moves nothing.

New sentences are visited in the order of a hash of their id (independent of
file order), and each goes to the split whose share of the sentence's labels
(its stance and each of its techniques) lags its target share the most.
Authored sentences always go to ``train``; sentences with the same text as an
already assigned one follow it, so a repeated sentence never leaks across
splits.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

from ..atomic import atomic_write_text
from ..schema import LabelSchema
from .check import normalise_text
from .records import LabelRecord

def origins(records: list[LabelRecord]) -> dict[str, LabelRecord]:
    """Map every record id to the record it derives from in the end, following
    ``derived_from`` through translations of translations (itself for an origin)."""
    by_id = {r.id: r for r in records}
    out: dict[str, LabelRecord] = {}
    for record in records:
        root, seen = record, set()
        while root.derived_from is not None and root.derived_from in by_id and root.id not in seen:
            seen.add(root.id)
            root = by_id[root.derived_from]
        out[record.id] = root
    return out


def resolve_splits(records: list[LabelRecord]) -> dict[str, str]:
    """Map every record id to its effective split (its origin's for derived copies)."""
    return {rid: root.split for rid, root in origins(records).items() if root.split is not None}


def _stable_key(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8")).hexdigest()


def assign_splits(records: list[LabelRecord], schema: LabelSchema) -> dict[str, str]:
    """Splits for origin records that have none: ``{id: split}`` (existing ones untouched)."""
    targets = dict(schema.splits)
    counts: dict[str, Counter] = defaultdict(Counter)  # label -> split -> count
    by_text: dict[str, str] = {}
    roots = [r for r in records if r.derived_from is None]
    for record in roots:
        if record.split is not None:
            for label in _labels_of(record):
                counts[label][record.split] += 1
            by_text.setdefault(normalise_text(record.text), record.split)
    new: dict[str, str] = {}
    for record in sorted((r for r in roots if r.split is None), key=lambda r: _stable_key(r.id)):
        text_key = normalise_text(record.text)
        if record.origin == "authored":
            split = "train"
        elif text_key in by_text:
            split = by_text[text_key]
        else:
            split = _most_lagging(_labels_of(record), counts, targets)
        new[record.id] = split
        by_text.setdefault(text_key, split)
        for label in _labels_of(record):
            counts[label][split] += 1
    return new


def _labels_of(record: LabelRecord) -> list[str]:
    return ["*", f"stance:{record.stance}", *(f"technique:{t}" for t in record.techniques)]


def _most_lagging(labels: list[str], counts: dict[str, Counter], targets: dict[str, float]) -> str:
    def deficit(split: str) -> float:
        # Rare labels weigh more: each label's deficit is relative to its own total.
        total = 0.0
        for label in labels:
            n = sum(counts[label].values()) + 1
            total += (targets[split] * n - counts[label][split]) / n
        return total

    order = list(targets)
    return max(order, key=lambda split: (deficit(split), -order.index(split)))


def write_splits(records: list[LabelRecord], new: dict[str, str]) -> list[str]:
    """Write newly assigned splits into the label files (atomically, file by file)."""
    by_file: dict[str, list[LabelRecord]] = defaultdict(list)
    for record in records:
        by_file[record.file].append(record)
    changed = []
    for file, file_records in by_file.items():
        if not any(r.id in new for r in file_records):
            continue
        lines = Path(file).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for record in file_records:
            if record.id in new:
                data = json.loads(lines[record.line - 1])
                data["split"] = new[record.id]
                lines[record.line - 1] = json.dumps(data, ensure_ascii=False)
        atomic_write_text(Path(file), "\n".join(lines) + "\n")
        changed.append(file)
    return changed
