"""From checked label records to ``datasets`` splits the trainer can use."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset

from stance.context import ContextWindow
from stance.labelset import load_checked, resolve_splits
from stance.labelset.records import LabelRecord, data_files
from stance.labelset.splits import origins
from stance.schema import LabelSchema
from stance.spelling import SpellingVariants

from .config import TrainConfig


@dataclass(frozen=True)
class TrainingData:
    """Everything a run learns from and is judged on: the checked labels as ``datasets``
    splits, with the schema, spelling variants, context window and data hash."""

    schema: LabelSchema
    splits: dict[str, Dataset]
    variants: SpellingVariants
    window: ContextWindow | None
    data_hash: str

    @property
    def train(self) -> Dataset:
        return self.splits["train"]

    @property
    def dev(self) -> Dataset:
        return self.splits["dev"]

    @property
    def evaluation_splits(self) -> list[str]:
        """The held-out splits reported on: every non-empty split but train and dev."""
        return [name for name in self.schema.evaluation_splits if len(self.splits[name])]


def prepare_data(config: TrainConfig) -> TrainingData:
    """Step 1 of training: check the labels and build the splits (see :func:`load_splits`)."""
    hashed = data_hash(config.labels)
    variants = SpellingVariants.load(config.labels)
    window = config.context_window
    schema, splits = load_splits(config.labels, variants if config.spelling_augment else None, window)
    return TrainingData(schema, splits, variants, window, hashed)


def data_hash(labels_dir: str | Path) -> str:
    """SHA-256 over the schema and every label file: names the exact data a model saw."""
    digest = hashlib.sha256()
    labels_dir = Path(labels_dir)
    for path in [labels_dir / "schema.json", labels_dir / "spelling_variants.json", *data_files(labels_dir)]:
        if path.is_file():
            digest.update(str(path.relative_to(labels_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def article_contexts(records: list[LabelRecord], window: ContextWindow | None) -> dict[str, str]:
    """The context of each record cut from an article: its labelled neighbours.

    Sentences of one source article and one language are put in article order
    (the character offset of the corpus sentence, or of the corpus sentence a
    translation derives from, through any chain of translations) and given the
    same window of neighbours the scorer gives at prediction time. Authored sentences have no article and no
    context. Neighbours are the *labelled* sentences, which for the corpus are
    all of the splitter's sentences; their labels are never used.
    """
    if window is None:
        return {}
    origin_of = origins(records)
    articles: dict[tuple[str, str], list[tuple[int, LabelRecord]]] = defaultdict(list)
    for r in records:
        start = origin_of[r.id].start
        if start is not None:
            articles[(r.source, r.lang)].append((start, r))
    contexts = {}
    for members in articles.values():
        members.sort(key=lambda m: m[0])
        texts = [r.text for _, r in members]
        for (_, r), context in zip(members, window.contexts(texts)):
            contexts[r.id] = context
    return contexts


def rows_for(records: list[LabelRecord], schema: LabelSchema,
             contexts: dict[str, str] | None = None) -> list[dict]:
    stance_index = {n: i for i, n in enumerate(schema.stance_labels)}
    contexts = contexts or {}
    rows = []
    for r in records:
        rows.append({
            "id": r.id,
            "text": r.text,
            "context": contexts.get(r.id, ""),
            "lang": r.lang,
            "origin": r.origin,
            "stance_labels": stance_index[r.stance],
            "technique_labels": [float(t in r.techniques) for t in schema.technique_labels],
        })
    return rows


def load_splits(labels_dir: str | Path, variants: SpellingVariants | None = None,
                window: ContextWindow | None = None):
    """``(schema, {split: Dataset})`` from a checked labels folder, one entry per split the
    schema names (``train``, ``dev``, then the held-out ones), in that order.

    Raises :class:`stance.labelset.LabelCheckError` when the labels fail the check.
    With ``variants``, training rows get a spelling-swapped copy of every
    sentence that contains one of the listed forms. With ``window``, each row's
    ``context`` holds its neighbours (see :func:`article_contexts`); else it is empty.
    """
    schema, records = load_checked(labels_dir)
    contexts = article_contexts(records, window)
    split_of = resolve_splits(records)
    by_split: dict[str, list[LabelRecord]] = {name: [] for name in schema.split_names}
    for r in records:
        by_split[split_of[r.id]].append(r)
    out = {}
    for name, members in by_split.items():
        rows = rows_for(members, schema, contexts)
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
                           "context": variants.swap(row["context"], row["lang"]),
                           "origin": "augmented"})
    return copies
