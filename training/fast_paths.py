"""How far the fast inference paths stray from the fp32 reference, measured on the saved folder.

Two questions per path, answered on the weights the folder stores (float16 in compact
form) and recorded as ``fast_paths`` in ``stance.json`` and in the model card:

- **accuracy**: the change of stance and technique macro-F1 on every held-out split;
- **batch consistency**: how much a sentence's probabilities change between being read
  alone and being read in a batch of 32 (dynamic int8 quantisation scales the activations
  of a whole batch at once, so its results depend on the batch; fp32 paths do not).

``fast="auto"`` never takes an int8 path (see :mod:`stance.precision`); the record tells a
user who chooses one what it costs with this model.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from stance.classifier import StanceClassifier

from .data import TrainingData
from .evaluation import score
from .progress import log

#: the paths measured against the fp32 reference (``off``)
MEASURED_PATHS = ("onnx-int8",)
#: the accuracy target of the speed issue: a fast path within 0.01 macro-F1 of fp32
TOLERANCE = 0.01
#: sentences read alone and in batches for the batch-consistency figures
CONSISTENCY_SENTENCES = 300


def onnx_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def _inputs(ds, limit: int | None = None) -> tuple[list[str], list[str | None]]:
    rows = range(len(ds) if limit is None else min(limit, len(ds)))
    return [ds[i]["text"] for i in rows], [ds[i]["context"] or None for i in rows]


def split_macro_f1(clf: StanceClassifier, ds) -> dict[str, float]:
    """Stance and technique macro-F1 of ``clf`` on one split, each sentence with its context."""
    texts, contexts = _inputs(ds)
    preds = clf.predict(texts, context=contexts, batch_size=64)
    names = clf.technique_labels
    stance_pred = [clf.stance_labels.index(p.stance) for p in preds]
    tech_pred = [[int(n in p.techniques) for n in names] for p in preds]
    tech_ref = np.asarray(ds["technique_labels"]).reshape(len(ds), -1)
    figures = score(stance_pred, ds["stance_labels"], tech_pred, tech_ref, clf.stance_labels, names)
    return {"stance_macro_f1": round(figures["stance_macro_f1"], 4),
            "technique_macro_f1": round(figures["technique_macro_f1"], 4)}


def batch_consistency(clf: StanceClassifier, texts: list[str], contexts: list[str | None]) -> dict:
    """The largest change of a probability, and the changed calls, between each sentence
    read alone and read in batches of 32. "Alone" is a batch of one row: one sentence (a
    pair or vector model), or one passage of a window model, which reads the same
    sentences together either way, so that only the batch around them changes."""
    batched = clf.predict(texts, context=contexts, batch_size=32)
    alone = clf.predict(texts, context=contexts, batch_size=1)

    def largest(field: str) -> float:
        return max((abs(getattr(a, field)[k] - getattr(b, field)[k])
                    for a, b in zip(alone, batched) for k in getattr(a, field)), default=0.0)

    return {"sentences": len(texts),
            "largest_stance_probability_change": round(largest("stance_scores"), 4),
            "largest_technique_probability_change": round(largest("technique_scores"), 4),
            "stance_calls_changed": sum(a.stance != b.stance for a, b in zip(alone, batched)),
            "technique_sets_changed": sum(set(a.techniques) != set(b.techniques)
                                          for a, b in zip(alone, batched))}


def measure_fast_paths(folder: Path, data: TrainingData) -> dict:
    """The ``fast_paths`` record of the saved model ``folder`` (see the module docstring);
    empty when there is no held-out split or ONNX Runtime is not installed."""
    splits = data.evaluation_splits
    if not splits:
        return {}
    if not onnx_available():
        log("fast paths not measured: ONNX Runtime is not installed (pip install 'stance[onnx]')")
        return {}
    texts, contexts = _inputs(data.splits[splits[0]], CONSISTENCY_SENTENCES)
    reference = StanceClassifier.from_folder(folder, fast="off")
    base = {name: split_macro_f1(reference, data.splits[name]) for name in splits}
    record = {"tolerance": TOLERANCE, "reference": "off", "consistency_split": splits[0],
              "reference_figures": base,
              "reference_consistency": batch_consistency(reference, texts, contexts), "paths": {}}
    for path in MEASURED_PATHS:
        try:
            clf = StanceClassifier.from_folder(folder, fast=path)
        except ValueError as err:  # not a BERT-family encoder, for one
            log(f"fast path {path} not measured: {err}")
            continue
        deltas = {}
        for name in splits:
            found = split_macro_f1(clf, data.splits[name])
            deltas[name] = {k: round(found[k] - base[name][k], 4) for k in found}
        drop = max([0.0, *(-d for figures in deltas.values() for d in figures.values())])
        consistency = batch_consistency(clf, texts, contexts)
        record["paths"][path] = {**deltas, "largest_drop": round(drop, 4), "consistency": consistency}
        log(f"fast path {path}: largest macro-F1 drop against fp32 {drop:.4f} on "
            f"{', '.join(splits)} ({'within' if drop <= TOLERANCE else 'beyond'} {TOLERANCE}); "
            f"alone against in a batch: stance probabilities move by up to "
            f"{consistency['largest_stance_probability_change']}, "
            f"{consistency['stance_calls_changed']} of {len(texts)} stance calls change")
    return record
