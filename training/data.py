"""From checked label records to ``datasets`` splits the trainer can use."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datasets import Dataset

from stance.labelset import load_checked, resolve_splits
from stance.labelset.records import LabelRecord, data_files
from stance.schema import LabelSchema

from stance.spelling import SpellingVariants


def data_hash(labels_dir: str | Path) -> str:
    """SHA-256 over the schema and every label file: names the exact data a model saw."""
    digest = hashlib.sha256()
    labels_dir = Path(labels_dir)
    for path in [labels_dir / "schema.json", labels_dir / "spelling_variants.json", *data_files(labels_dir)]:
        if path.is_file():
            digest.update(str(path.relative_to(labels_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def rows_for(records: list[LabelRecord], schema: LabelSchema) -> list[dict]:
    stance_index = {n: i for i, n in enumerate(schema.stance_labels)}
    rows = []
    for r in records:
        rows.append({
            "id": r.id,
            "text": r.text,
            "lang": r.lang,
            "origin": r.origin,
            "stance_labels": stance_index[r.stance],
            "technique_labels": [float(t in r.techniques) for t in schema.technique_labels],
        })
    return rows


def load_splits(labels_dir: str | Path, variants: SpellingVariants | None = None):
    """``(schema, {"train": Dataset, "dev": Dataset, "test": Dataset})`` from a checked labels folder.

    Raises :class:`stance.labelset.LabelCheckError` when the labels fail the check.
    With ``variants``, training rows get a spelling-swapped copy of every
    sentence that contains one of the listed forms.
    """
    schema, records = load_checked(labels_dir)
    split_of = resolve_splits(records)
    by_split: dict[str, list[LabelRecord]] = {"train": [], "dev": [], "test": []}
    for r in records:
        by_split[split_of[r.id]].append(r)
    out = {}
    for name, members in by_split.items():
        rows = rows_for(members, schema)
        if name == "train" and variants is not None:
            rows += spelling_copies(rows, variants)
        out[name] = Dataset.from_list(rows)
    return schema, out


def spelling_copies(rows: list[dict], variants: SpellingVariants) -> list[dict]:
    copies = []
    for row in rows:
        swapped = variants.swap(row["text"], row["lang"])
        if swapped != row["text"]:
            copies.append({**row, "id": row["id"] + "~spelling", "text": swapped,
                           "origin": "augmented"})
    return copies
