"""``stance suggest``: from scored results to a file of sentences worth labelling next.

1. Read every sentence of the results (:mod:`.candidates`; the latest record of each
   document).
2. Leave out what must not or need not be labelled: sentences whose text is already in
   ``labels/`` (normalised as the label checker does), texts on the held-out blocklist,
   and languages ``labels/schema.json`` does not list.
3. Rank the rest by uncertainty (:mod:`.uncertainty`) and pick, spread across documents
   and languages, near-duplicates removed (:mod:`.selection`).
4. Write the picks in the project's label format with the model's guess marked as a guess
   (:mod:`.suggestion_file`), or as a Label Studio task file with its labelling config
   (:mod:`.label_studio_tasks`). An existing output is never overwritten without
   ``overwrite``: it may hold an afternoon of someone's labelling.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import probe_writable_folder
from ..labelset.blocklist import Blocklist, project_blocklist
from ..labelset.check import normalise_text
from ..labelset.records import read_raw
from ..schema import LabelSchema, SchemaError
from ..text_gate import is_blank
from .candidates import Candidate, read_candidates
from .label_studio_tasks import config_path, write_label_studio
from .selection import DEDUP_THRESHOLD, SelectionStats, select
from .suggestion_file import suggestion_record, write_suggestions
from .uncertainty import uncertainty

FORMATS = ("jsonl", "label-studio")


class SuggestError(ValueError):
    """The inputs or the output of ``stance suggest`` are not usable; the message says why
    and what to do."""


@dataclass
class SuggestOptions:
    n: int = 200
    per_document: int = 3
    format: str = "jsonl"
    labels: str = "labels"
    dedup_threshold: float = DEDUP_THRESHOLD
    overwrite: bool = False
    #: the held-out blocklist: "auto" (the project's, beside the checkout, where it exists),
    #: a path, or None
    blocklist: str | None = "auto"
    #: technique thresholds that override the model's (as ``--threshold``)
    thresholds: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if self.n < 1:
            raise SuggestError(f"--n must be at least 1, got {self.n}")
        if self.per_document < 1:
            raise SuggestError(f"--per-document must be at least 1, got {self.per_document}")
        if self.format not in FORMATS:
            raise SuggestError(f"unknown --format {self.format!r}; use {' or '.join(FORMATS)}")
        if not 0.0 < self.dedup_threshold <= 1.0:
            raise SuggestError(f"--dedup-threshold must be within (0, 1], got {self.dedup_threshold}")


@dataclass
class SuggestInputs:
    """What suggest reads before any model is loaded: candidates left after the exclusions,
    the schema, and how many were left out for each reason."""

    schema: LabelSchema
    candidates: list[Candidate]
    total: int
    left_out: Counter = field(default_factory=Counter)


@dataclass
class SuggestSummary:
    written: int
    out: Path
    config: Path | None
    inputs: SuggestInputs
    stats: SelectionStats
    by_language: Counter
    documents: int
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        langs = ", ".join(f"{lang} {n}" for lang, n in sorted(self.by_language.items())) or "none"
        left = ", ".join(f"{n} {why}" for why, n in self.inputs.left_out.items() if n)
        turned = (f"{self.stats.document_full} over the per-document limit, "
                  f"{self.stats.duplicate_text + self.stats.near_duplicate} near-duplicates")
        lines = [*(f"note: {n}" for n in self.notes),
                 f"{self.inputs.total} sentences read" + (f" ({left} left out)" if left else ""),
                 f"suggested {self.written} sentences from {self.documents} documents "
                 f"({langs}); skipped while picking: {turned}",
                 f"to label: {self.out}" + (f"\nlabelling config: {self.config}" if self.config else "")]
        return "\n".join(lines)


def output_paths(out: str | Path, fmt: str) -> list[Path]:
    return [Path(out)] + ([config_path(out)] if fmt == "label-studio" else [])


def check_output(out: str | Path, options: SuggestOptions) -> None:
    """Refuse to overwrite a labelling file, and make sure the folder can be written, before
    any time is spent loading a model."""
    for path in output_paths(out, options.format):
        if path.exists() and not options.overwrite:
            raise SuggestError(f"{path} already exists and may hold labelling work; choose another "
                               "--out, or pass --overwrite to replace it")
        folder = path.parent
        try:
            probe_writable_folder(folder)
        except OSError as err:
            raise SuggestError(f"cannot write {path}: {err.strerror or err}; choose another --out") from None
        if path.exists() and not os.access(path, os.W_OK):
            raise SuggestError(f"cannot write {path}: the file is read-only; choose another --out")


def read_inputs(results: str | Path, options: SuggestOptions) -> SuggestInputs:
    """The candidates of ``results`` minus what must not be suggested (see the module's
    docstring). Raises :class:`SuggestError` (or ``ResultsInputError``) with the fix."""
    labels = Path(options.labels)
    if not (labels / "schema.json").is_file():
        raise SuggestError(f"no labels folder with a schema.json at {labels}: pass --labels (suggest "
                           "never proposes a sentence already labelled there, and takes the label "
                           "names from its schema.json)")
    try:
        schema = LabelSchema.load(labels)
    except SchemaError as err:
        raise SuggestError(str(err)) from None
    labelled = {normalise_text(raw.data["text"]) for raw in read_raw(labels)
                if isinstance(raw.data, dict) and isinstance(raw.data.get("text"), str)}
    path = project_blocklist(labels) if options.blocklist == "auto" else options.blocklist
    try:
        blocklist = Blocklist.load(path) if path else None
    except (OSError, ValueError, KeyError) as err:
        raise SuggestError(f"the held-out blocklist {path} cannot be read ({err}); give a readable "
                           "--blocklist") from None
    everything = read_candidates(results)
    kept, left_out = [], Counter()
    for candidate in everything:
        if is_blank(candidate.text):
            left_out["blank"] += 1
        elif candidate.lang not in schema.languages:
            left_out[f"in a language not in {labels}/schema.json"] += 1
        elif normalise_text(candidate.text) in labelled:
            left_out["already labelled"] += 1
        elif blocklist is not None and blocklist.text_listed(candidate.text):
            left_out["held out (blocklist)"] += 1
        else:
            kept.append(candidate)
    return SuggestInputs(schema, kept, len(everything), left_out)


def suggest(model, inputs: SuggestInputs, out: str | Path, options: SuggestOptions) -> SuggestSummary:
    """Pick and write the sentences to label next with ``model`` (a loaded
    :class:`~stance.classifier.StanceClassifier`: its thresholds rank the techniques, its
    sentence vectors find near-duplicates)."""
    model.check_thresholds(options.thresholds)
    thresholds = {**model.info.thresholds, **(options.thresholds or {})}
    unknown = sorted({name for c in inputs.candidates for name in c.technique_scores} - set(thresholds))
    if unknown:
        raise SuggestError(f"the results carry techniques the model {model.name} {model.version} does "
                           f"not know ({', '.join(unknown)}); pass --model with the model that "
                           "scored them")
    notes = []
    scored_with = sorted({c.model for c in inputs.candidates if c.model})
    mine = f"{model.name} {model.version}"
    if scored_with and scored_with != [mine]:
        notes.append(f"the results were scored with {', '.join(scored_with)}; thresholds and "
                     f"sentence vectors come from {mine}")
    schema_names = (set(inputs.schema.stance), set(inputs.schema.techniques))
    if schema_names != (set(model.stance_labels), set(model.technique_labels)):
        notes.append("the model's label names differ from the schema's; the labelling config "
                     "offers the schema's, and a guess outside the schema must be corrected")
    candidates = inputs.candidates
    scores = [uncertainty(c.stance_scores, c.technique_scores, thresholds) for c in candidates]
    picked, stats = select(candidates, scores, options.n, per_document=options.per_document,
                           vectors=lambda texts: model.sentence_vectors(texts)[0],
                           dedup_threshold=options.dedup_threshold)
    records = [suggestion_record(candidates[i], scores[i], thresholds) for i in picked]
    config = None
    if options.format == "label-studio":
        config = write_label_studio(records, inputs.schema, out)
    else:
        write_suggestions(records, out)
    chosen = [candidates[i] for i in picked]
    return SuggestSummary(len(records), Path(out), config, inputs, stats,
                          Counter(c.lang for c in chosen), len({c.doc_id for c in chosen}), notes)
