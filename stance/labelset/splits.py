"""Train/dev/test assignment that is deterministic, balanced and stable.

The split is stored in the data, on origin sentences only: derived copies
(translations, authored variants) inherit it, so they can never cross splits.
:func:`assign_splits` gives a split to origin sentences that have none, and
never touches one that has a split already, so adding sentences moves nothing.

New units (a sentence; for modelled text, a whole excerpt) are visited in the
order of a hash of their id (independent of file order), and each goes to the
split whose share of its labels (stance and techniques) lags its target share
the most. Authored sentences always go to ``train``; sentences with the same
text as an already assigned one follow it, so a repeated sentence never leaks
across splits. Modelled excerpts from an outlet held out whole go to the
schema's held-out split (``unseen``), so that no page of that outlet is trained on.
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


def held_out_outlet(outlet: str, share: float) -> bool:
    """Whether ``outlet`` is one of the outlets held out whole: a stable hash of its
    normalised name, below ``share``. Independent of everything else in the data, so an
    outlet never changes sides as sentences are added."""
    key = " ".join(outlet.casefold().split())
    return int(_stable_key(f"outlet:{key}")[:8], 16) / 0x1_0000_0000 < share


def assign_splits(records: list[LabelRecord], schema: LabelSchema) -> dict[str, str]:
    """Splits for origin records that have none: ``{id: split}`` (existing ones untouched).

    The unit of assignment is the sentence, except for modelled sentences, whose whole
    excerpt (one page) goes to one split. Modelled text from an outlet held out whole
    (see :func:`held_out_outlet`) goes to the schema's held-out split.
    """
    targets = dict(schema.splits)
    held = schema.held_out_outlets
    # label -> split -> count, kept apart for modelled text and the rest, so that each is
    # spread over the splits at the target shares on its own
    counts: dict[str, Counter] = defaultdict(Counter)
    by_text: dict[str, str] = {}
    roots = [r for r in records if r.derived_from is None]
    units: dict[str, list[LabelRecord]] = defaultdict(list)
    for record in roots:
        units[record.unit].append(record)
        if record.split is not None:
            if record.split in targets:
                for label in _labels_of(record):
                    counts[label][record.split] += 1
            by_text.setdefault(normalise_text(record.text), record.split)
    new: dict[str, str] = {}
    pending = [(key, members) for key, members in units.items() if any(r.split is None for r in members)]
    for key, members in sorted(pending, key=lambda item: _stable_key(item[0])):
        stored = {r.split for r in members if r.split is not None}
        first = members[0]
        text_splits = {by_text[k] for k in (normalise_text(r.text) for r in members) if k in by_text}
        if stored:
            split = sorted(stored)[0]  # the rest of an excerpt joins the part already placed
        elif first.origin == "authored":
            split = "train"
        elif held and first.origin == "modelled" and held_out_outlet(first.outlet or "", held["share"]):
            split = held["split"]
        elif len(text_splits) == 1 and first.origin != "modelled":
            split = text_splits.pop()
        else:
            labels = [label for r in members for label in _labels_of(r)]
            split = _most_lagging(labels, counts, targets)
        for record in members:
            if record.split is None:
                new[record.id] = split
            by_text.setdefault(normalise_text(record.text), split)
            if split in targets:
                for label in _labels_of(record):
                    counts[label][split] += 1
    return new


def _labels_of(record: LabelRecord) -> list[str]:
    stratum = "modelled" if record.origin == "modelled" else "other"
    return [f"{stratum}:{label}" for label in
            ("*", f"lang:{record.lang}", f"stance:{record.stance}",
             *(f"technique:{t}" for t in record.techniques))]


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
