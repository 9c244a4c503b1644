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
