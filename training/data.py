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


class HeldOutOverlapError(ValueError):
    """Labelled records overlap the held-out evaluation data."""


def check_blocklist(config: TrainConfig) -> None:
    """Refuse to train on any record whose URL or text is on the held-out blocklist."""
    from stance.labelset import read_records
    from stance.labelset.blocklist import Blocklist, project_blocklist

    path = project_blocklist(config.labels) if config.blocklist == "auto" else config.blocklist
    if not path:
        return
    problems = Blocklist.load(path).problems(read_records(config.labels))
    if problems:
        raise HeldOutOverlapError(f"{len(problems)} labelled record(s) overlap the held-out data "
                                  f"listed in {path}:\n  " + "\n  ".join(problems[:20]))


def prepare_data(config: TrainConfig) -> TrainingData:
    """Step 1 of training: check the labels (and that none is held out), and build the
    splits (see :func:`load_splits`)."""
    check_blocklist(config)
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
    translation derives from, through any chain of translations; the position of a
    modelled sentence in its excerpt) and given the
    same window of neighbours the scorer gives at prediction time. Authored sentences have no article and no
    context. Neighbours are the *labelled* sentences, which for the corpus are
    all of the splitter's sentences; their labels are never used. A sentence picked from a
    scored article by ``stance suggest`` has no labelled neighbours: it stores the sentence
    before it (``context``), and that is its context.
    """
    if window is None:
        return {}
    contexts = {}
    for members in articles(records).values():
        texts = [r.text for r in members]
        for r, context in zip(members, window.contexts(texts)):
            contexts[r.id] = context
    for r in records:  # stored with the sentence (``stance suggest``): the sentence before it
        if r.context is not None:
            contexts[r.id] = r.context
    return contexts


def articles(records: list[LabelRecord]) -> dict[tuple[str, str], list[LabelRecord]]:
    """The records cut from an article (or excerpt), per source and language, in article order."""
    origin_of = origins(records)
    found: dict[tuple[str, str], list[tuple[int, LabelRecord]]] = defaultdict(list)
    for r in records:
        origin = origin_of[r.id]
        place = origin.start if origin.start is not None else origin.position
        if place is not None and origin.context is None:  # a stored context: no article here
            found[(r.source, r.lang)].append((place, r))
    return {key: [r for _, r in sorted(members, key=lambda m: m[0])] for key, members in found.items()}


def article_places(records: list[LabelRecord]) -> dict[str, tuple[str, int]]:
    """Each article sentence's article (``source|lang``) and place in it; training batches
    keep neighbours together so that a sentence's context is usually in its batch."""
    return {r.id: (f"{source}|{lang}", place)
            for (source, lang), members in articles(records).items()
            for place, r in enumerate(members)}


def rows_for(records: list[LabelRecord], schema: LabelSchema,
             contexts: dict[str, str] | None = None,
             places: dict[str, tuple[str, int]] | None = None) -> list[dict]:
    stance_index = {n: i for i, n in enumerate(schema.stance_labels)}
    contexts, places = contexts or {}, places or {}
    rows = []
    for r in records:
        group, place = places.get(r.id, (r.id, 0))
        rows.append({
            "id": r.id,
            "text": r.text,
            "context": contexts.get(r.id, ""),
            "group": group,
            "place": place,
            "lang": r.lang,
            "origin": r.origin,
            "outlet": r.outlet or "",
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
    places = article_places(records)
    split_of = resolve_splits(records)
    by_split: dict[str, list[LabelRecord]] = {name: [] for name in schema.split_names}
    for r in records:
        by_split[split_of[r.id]].append(r)
    out = {}
    for name, members in by_split.items():
        rows = rows_for(members, schema, contexts, places)
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
                           "group": row["group"] + "~spelling", "origin": "augmented"})
    return copies
