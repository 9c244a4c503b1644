"""Choosing a recipe by cross-validation grouped by outlet, with its spread.

    stance-train-cv --folds 5 --epochs 4 --context-mode vector --report cv/vector-4ep.json

The modelled sentences of train and dev are cut into folds by outlet (no outlet in two
folds; folds balanced by size). For each fold a model is trained on everything else
(the corpus articles, their translations and the authored sentences always stay in
training) and predicts the fold. Temperature and technique thresholds for a fold are
tuned on the other folds' out-of-fold predictions, never on the fold itself. The report
gives each fold's figures and their mean and standard deviation, overall and per
language. The ``unseen`` and ``test`` splits are never touched. While it runs, each
finished fold's out-of-fold outputs are kept in ``<report>.partial.json`` (removed once
the report is written), so a run stopped midway keeps the folds it finished.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from stance.atomic import atomic_write_text

from .calibrate import fit_temperature, tune_thresholds
from .cli import add_arguments, config_from_args
from .config import TrainConfig
from .data import TrainingData, prepare_data, spelling_copies
from .evaluation import headline, score_by_language
from .progress import log, open_log


def outlet_folds(outlets: list[str], folds: int) -> dict[str, int]:
    """Each outlet's fold: largest outlets first, each to the fold with the fewest rows so
    far (ties by a stable hash of the name), so folds have similar sizes."""
    sizes: dict[str, int] = {}
    for outlet in outlets:
        sizes[outlet] = sizes.get(outlet, 0) + 1
    order = sorted(sizes, key=lambda o: (-sizes[o], hashlib.sha256(o.encode()).hexdigest()))
    load = [0] * folds
    out = {}
    for outlet in order:
        fold = min(range(folds), key=lambda f: (load[f], f))
        out[outlet] = fold
        load[fold] += sizes[outlet]
    return out


def _fold_data(data: TrainingData, pool, keep_rows: list[int], config: TrainConfig) -> TrainingData:
    rows = [pool[i] for i in keep_rows]
    if config.spelling_augment:
        rows += spelling_copies(rows, data.variants)
    from datasets import Dataset

    splits = dict(data.splits)
    splits["train"] = Dataset.from_list(rows)
    return dataclasses.replace(data, splits=splits)


def cross_validate(config: TrainConfig, folds: int = 5, only: int | None = None,
                   progress_path: Path | None = None) -> dict:
    """Train ``folds`` models and return the report (see the module's docstring).

    ``only``: train and report just the first ``only`` folds of the same ``folds``-way
    partition (a cheaper comparison, paired fold by fold with a full run).
    ``progress_path``: after each fold, the out-of-fold outputs of the folds finished so far
    are written there (atomically), so a run stopped midway keeps its finished folds."""
    from .fit import fit
    from .predictions import split_outputs
    from .train import classifier_for

    started = time.time()
    data = prepare_data(dataclasses.replace(config, spelling_augment=False))  # copies per fold
    pool = [*data.splits["train"].to_list(), *data.splits["dev"].to_list()]
    modelled = [i for i, row in enumerate(pool) if row["origin"] == "modelled"]
    fold_of_outlet = outlet_folds([pool[i]["outlet"] for i in modelled], folds)
    fold_of = {i: fold_of_outlet[pool[i]["outlet"]] for i in modelled}
    n_tech = len(data.schema.technique_labels)
    oof_stance = np.zeros((len(pool), len(data.schema.stance_labels)), dtype=np.float32)
    oof_tech = np.zeros((len(pool), n_tech), dtype=np.float32)
    seconds = []
    run = list(range(folds if only is None else min(only, folds)))
    for fold in run:
        held = [i for i in modelled if fold_of[i] == fold]
        keep = [i for i in range(len(pool)) if fold_of.get(i) != fold]
        log(f"fold {fold + 1}/{folds}: training on {len(keep)} rows, predicting {len(held)} "
            f"modelled sentences of {sum(1 for o, f in fold_of_outlet.items() if f == fold)} outlets")
        fold_data = _fold_data(data, pool, keep, config)
        fitted = fit(config, fold_data)
        seconds.append(fitted.seconds)
        clf = classifier_for(fitted, fold_data, config)
        from datasets import Dataset

        stance_logits, tech_probs = split_outputs(clf, Dataset.from_list([pool[i] for i in held]))
        oof_stance[held] = stance_logits.numpy()
        oof_tech[held] = tech_probs
        if progress_path is not None:
            finished = run[:len(seconds)]
            done = [i for i in modelled if fold_of[i] in finished]
            atomic_write_text(progress_path, json.dumps({
                "config": config.to_dict(), "folds": folds, "folds_finished": finished,
                "fit_seconds": [round(x, 1) for x in seconds],
                "out_of_fold": _out_of_fold(pool, done, fold_of, oof_stance, oof_tech)}) + "\n")
    langs = np.asarray([pool[i]["lang"] for i in range(len(pool))])
    stance_ref = np.asarray([pool[i]["stance_labels"] for i in range(len(pool))])
    tech_ref = np.asarray([pool[i]["technique_labels"] for i in range(len(pool))]).astype(np.int8)
    ids = [pool[i]["id"] for i in range(len(pool))]
    modelled = [i for i in modelled if fold_of[i] in run]
    summary, per_fold = summarise(ids, langs, oof_stance, oof_tech, stance_ref, tech_ref, modelled,
                                  fold_of, run, data.schema)
    lang_summary, _ = summarise(ids, langs, oof_stance, oof_tech, stance_ref, tech_ref, modelled,
                                fold_of, run, data.schema, per_language=True)
    oof = _out_of_fold(pool, modelled, fold_of, oof_stance, oof_tech)
    return {"config": config.to_dict(), "folds": folds, "folds_run": run, "summary": summary,
            "per_fold": per_fold,
            "summary_per_language_thresholds": lang_summary, "out_of_fold": oof,
            "fold_sizes": [sum(1 for i in modelled if fold_of[i] == f) for f in run],
            "fit_seconds": [round(s, 1) for s in seconds],
            "total_seconds": round(time.time() - started, 1)}


def _out_of_fold(pool, rows: list[int], fold_of, oof_stance, oof_tech) -> dict:
    """The report's ``out_of_fold`` record of the pool ``rows``: ids, folds and outputs."""
    return {"ids": [pool[i]["id"] for i in rows], "fold": [fold_of[i] for i in rows],
            "stance_logits": oof_stance[rows].tolist(), "technique_probs": oof_tech[rows].tolist()}


def summarise(ids, langs, oof_stance, oof_tech, stance_ref, tech_ref, modelled, fold_of, folds: list[int],
              schema, per_language: bool = False) -> tuple[dict, list[dict]]:
    """Per-fold figures with temperature and thresholds tuned on the other folds' out-of-fold
    predictions (``per_language``: technique thresholds tuned per language), and their mean
    and standard deviation."""
    per_fold = []
    for fold in folds:
        inside = np.asarray([i for i in modelled if fold_of[i] == fold])
        others = np.asarray([i for i in modelled if fold_of[i] != fold])
        temperature = fit_temperature(torch.tensor(oof_stance[others]), torch.tensor(stance_ref[others]))
        stance_pred = np.argmax(oof_stance[inside] / temperature, axis=-1)
        tech_pred = np.zeros_like(tech_ref[inside])
        groups = sorted(set(langs[inside])) if per_language else [None]
        for lang in groups:
            tune = others if lang is None else others[langs[others] == lang]
            rows = np.ones(len(inside), bool) if lang is None else langs[inside] == lang
            thresholds = tune_thresholds(oof_tech[tune], tech_ref[tune], schema.technique_labels)
            limits = np.asarray([thresholds[n] for n in schema.technique_labels])
            tech_pred[rows] = (oof_tech[inside][rows] >= limits).astype(np.int8)
        per_fold.append(headline(score_by_language(langs[inside], stance_pred, stance_ref[inside],
                                                   tech_pred, tech_ref[inside], schema.stance_labels,
                                                   schema.technique_labels)))
    summary = {}
    for subset in per_fold[0]:
        for key in ("stance_macro_f1", "technique_macro_f1"):
            values = [f[subset][key] for f in per_fold if subset in f]
            summary.setdefault(subset, {})[key] = {
                "mean": round(statistics.mean(values), 4),
                "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                "folds": values}
    return summary, per_fold


def format_summary(report: dict) -> str:
    lines = [f"{'subset':<6} {'stance macro-F1':>22} {'technique macro-F1':>22}"]
    for subset, figures in report["summary"].items():
        s, t = figures["stance_macro_f1"], figures["technique_macro_f1"]
        lines.append(f"{subset:<6} {s['mean']:>14.3f} ± {s['std']:.3f} {t['mean']:>14.3f} ± {t['std']:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stance-train-cv", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--folds", type=int, default=5, help="number of outlet folds (default: 5)")
    parser.add_argument("--only-folds", type=int, default=None,
                        help="train and report only the first N folds of the partition")
    parser.add_argument("--report", required=True, help="JSON file to write the report to")
    args = parser.parse_args(argv)
    folds, only, report_path = args.folds, args.only_folds, Path(args.report)
    del args.folds, args.only_folds, args.report
    args.overwrite = True  # nothing is written to --out
    config = config_from_args(args)
    open_log(report_path.with_suffix(".log"))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    progress_path = report_path.with_suffix(".partial.json")
    report = cross_validate(config, folds, only, progress_path=progress_path)
    atomic_write_text(report_path, json.dumps(report, indent=2) + "\n")
    progress_path.unlink(missing_ok=True)  # the report holds everything it held
    print(format_summary(report))
    log(f"report: {report_path} ({report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
