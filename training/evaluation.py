"""Figures on a split: overall, per language, per label, with base rates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

METRIC_PATH = str(Path(__file__).parent / "metrics" / "stance_metrics")


@lru_cache(maxsize=1)
def _metric():
    import evaluate

    return evaluate.load(METRIC_PATH)


def score(stance_pred, stance_ref, tech_pred, tech_ref, stance_names, technique_names) -> dict:
    """Run the local ``evaluate`` module on one set of predictions."""
    return _metric().compute(
        stance_pred=[int(x) for x in stance_pred], stance_ref=[int(x) for x in stance_ref],
        tech_pred=np.asarray(tech_pred, dtype=np.int8).tolist(),
        tech_ref=np.asarray(tech_ref, dtype=np.int8).tolist(),
        stance_names=list(stance_names), technique_names=list(technique_names),
    )


def score_by_language(langs, stance_pred, stance_ref, tech_pred, tech_ref,
                      stance_names, technique_names) -> dict:
    """``{"all": {...}, "en": {...}, ...}`` plus stance base rates per subset."""
    langs = np.asarray(langs)
    stance_pred, stance_ref = np.asarray(stance_pred), np.asarray(stance_ref)
    tech_pred, tech_ref = np.asarray(tech_pred), np.asarray(tech_ref)
    out = {}
    for key in ["all", *sorted(set(langs.tolist()))]:
        mask = np.ones(len(langs), bool) if key == "all" else langs == key
        result = score(stance_pred[mask], stance_ref[mask], tech_pred[mask], tech_ref[mask],
                       stance_names, technique_names)
        result["stance_base_rates"] = {
            name: float(np.mean(stance_ref[mask] == i)) for i, name in enumerate(stance_names)
        }
        out[key] = result
    return out


def headline(figures: dict) -> dict:
    """The two macro-F1 figures per subset, for tables."""
    return {k: {"stance_macro_f1": round(v["stance_macro_f1"], 4),
                "technique_macro_f1": round(v["technique_macro_f1"], 4), "n": v["n"]}
            for k, v in figures.items()}


def split_figures(ds, stance_logits, tech_probs, info) -> dict:
    """Metrics per language of one split, deciding with the model's tuned thresholds."""
    import torch

    stance_pred = torch.argmax(stance_logits, dim=-1).numpy()
    limits = np.asarray([info.thresholds[n] for n in info.technique_labels])
    tech_pred = (tech_probs >= limits).astype(np.int8)
    return score_by_language(
        ds["lang"], stance_pred, ds["stance_labels"], tech_pred,
        np.asarray(ds["technique_labels"]).reshape(len(ds), -1), info.stance_labels,
        info.technique_labels)


def spelling_flip_rate(clf, ds, variants) -> dict:
    """Share of sentences whose predicted stance changes when only a spelling is swapped."""
    out = {}
    for lang in sorted(set(ds["lang"])):
        rows = [(t, c) for t, c, l in zip(ds["text"], ds["context"], ds["lang"])
                if l == lang and variants.contains(t, lang)]
        if not rows:
            continue
        texts, contexts = [t for t, _ in rows], [c for _, c in rows]
        before = [p.stance for p in clf.predict(texts, context=contexts, batch_size=64)]
        after = [p.stance for p in clf.predict([variants.swap(t, lang) for t in texts],
                                               context=contexts, batch_size=64)]
        changed = sum(a != b for a, b in zip(before, after))
        out[lang] = {"sentences": len(texts), "changed": changed, "rate": round(changed / len(texts), 4)}
    return out


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence
    bins weighted by how many predictions fall in each."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    if len(confidence) == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(gap)


def calibration(stance_logits, stance_ref, tech_probs, tech_ref, temperature: float,
                technique_names) -> dict:
    """Stance ECE before and after the temperature, and each technique's ECE (its sigmoid
    probability against the truth), with a reliability table per technique."""
    import torch

    stance_ref = np.asarray(stance_ref)
    tech_ref = np.asarray(tech_ref).reshape(len(stance_ref), -1)
    out = {}
    for key, t in (("stance_ece_raw", 1.0), ("stance_ece", temperature)):
        probs = torch.softmax(torch.as_tensor(stance_logits) / t, dim=-1).numpy()
        out[key] = round(expected_calibration_error(probs.max(1), probs.argmax(1) == stance_ref), 4)
    out["technique_ece"] = {}
    out["technique_reliability"] = {}
    edges = np.linspace(0, 1, 6)
    for j, name in enumerate(technique_names):
        p, y = tech_probs[:, j], tech_ref[:, j]
        out["technique_ece"][name] = round(expected_calibration_error(np.maximum(p, 1 - p),
                                                                      (p >= 0.5) == (y == 1)), 4)
        rows = []
        for lo, hi in zip(edges, edges[1:]):
            inside = (p >= lo) & ((p < hi) | (hi == 1.0))
            if inside.any():
                rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(inside.sum()),
                             "mean_probability": round(float(p[inside].mean()), 3),
                             "positive_rate": round(float(y[inside].mean()), 3)})
        out["technique_reliability"][name] = rows
    return out


def confident_errors(ds, stance_logits, temperature: float, stance_names, per_language: int = 4) -> list:
    """The wrong stance calls the model was surest of, per language: a sample of how it misreads."""
    import torch

    probs = torch.softmax(torch.as_tensor(stance_logits) / temperature, dim=-1).numpy()
    pred, gold = probs.argmax(1), np.asarray(ds["stance_labels"])
    out = []
    for lang in sorted(set(ds["lang"])):
        rows = [i for i in range(len(gold)) if ds["lang"][i] == lang and pred[i] != gold[i]]
        for i in sorted(rows, key=lambda i: -probs[i].max())[:per_language]:
            out.append({"id": ds["id"][i], "lang": lang, "text": ds["text"][i],
                        "gold": stance_names[gold[i]], "predicted": stance_names[pred[i]],
                        "probability": round(float(probs[i].max()), 3)})
    return out


def evaluate(clf, data, dev_outputs, baselines=None) -> dict:
    """Step 4 of training: figures on dev and every held-out split, read with and without
    context, spelling-swap flip rates, and the baselines' figures (``baselines``: a
    function of the data returning ``{name: figures by split}``, or None to skip them)."""
    import dataclasses

    from .predictions import split_outputs

    info = clf.info
    figures = {"dev": split_figures(data.dev, *dev_outputs, info)}
    outputs = {name: split_outputs(clf, data.splits[name]) for name in data.evaluation_splits}
    for name in data.evaluation_splits:
        figures[name] = split_figures(data.splits[name], *outputs[name], info)
    alone = {}
    if data.window is not None:  # the same held-out sentences read without their neighbours
        for name in data.evaluation_splits:
            ds = data.splits[name]
            alone[name] = headline(split_figures(ds, *split_outputs(clf, ds, with_context=False), info))
    checked = ["dev", *data.evaluation_splits]
    flips = {name: spelling_flip_rate(clf, data.splits[name], data.variants) for name in checked}
    clf.info = dataclasses.replace(info, spelling_variants={})  # the network alone
    try:
        flips_raw = {name: spelling_flip_rate(clf, data.splits[name], data.variants) for name in checked}
    finally:
        clf.info = info
    baseline_figures = baselines(data) if baselines is not None else {}
    metrics = {name: figures[name] for name in figures}
    for name in data.evaluation_splits:
        metrics[f"{name}_headline"] = headline(figures[name])
        metrics[f"{name}_headline_without_context"] = alone.get(name)
        metrics[f"baselines_{name}_headline"] = {
            k: headline(v[name]) for k, v in baseline_figures.items() if name in v}
        metrics[f"spelling_swap_stance_changes_{name}"] = flips[name]
        ds = data.splits[name]
        logits, probs = outputs[name]
        truth = np.asarray(ds["technique_labels"]).reshape(len(ds), -1)
        metrics[f"{name}_calibration"] = {
            lang: calibration(logits[mask], np.asarray(ds["stance_labels"])[mask], probs[mask],
                              truth[mask], info.temperature, info.technique_labels)
            for lang, mask in _language_masks(ds["lang"]).items()}
        metrics[f"{name}_confident_errors"] = confident_errors(ds, logits, info.temperature,
                                                               info.stance_labels)
    metrics["spelling_swap_stance_changes_dev"] = flips["dev"]
    metrics["spelling_swap_stance_changes_without_normalisation"] = flips_raw
    return metrics


def _language_masks(langs) -> dict[str, np.ndarray]:
    langs = np.asarray(langs)
    return {"all": np.ones(len(langs), bool), **{lang: langs == lang for lang in sorted(set(langs))}}
