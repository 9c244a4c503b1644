"""Decisions taken on the dev split: a stance temperature and a threshold per technique."""

from __future__ import annotations

import numpy as np
import torch


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (grid search)."""
    if len(labels) == 0:
        return 1.0
    grid = torch.exp(torch.linspace(np.log(0.2), np.log(10.0), 301))
    losses = torch.stack([
        torch.nn.functional.cross_entropy(logits / t, labels) for t in grid
    ])
    return round(float(grid[int(torch.argmin(losses))]), 4)


def tune_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The threshold that maximises F1 for one technique; 0.5 when dev has no positive.

    Ties go to the threshold closest to 0.5, so that a flat optimum does not
    drift to an extreme.
    """
    truth = truth.astype(bool)
    if not truth.any():
        return 0.5
    best, best_key = 0.5, (-1.0, 0.0)
    for threshold in np.round(np.arange(0.05, 0.951, 0.01), 2):
        pred = probs >= threshold
        tp = float(np.sum(pred & truth))
        f1 = 2 * tp / (pred.sum() + truth.sum()) if (pred.sum() + truth.sum()) else 0.0
        key = (round(f1, 6), -abs(threshold - 0.5))
        if key > best_key:
            best, best_key = float(threshold), key
    return best


def tune_thresholds(probs: np.ndarray, truth: np.ndarray, names) -> dict[str, float]:
    return {name: tune_threshold(probs[:, i], truth[:, i]) for i, name in enumerate(names)}


def calibrate(clf, dev) -> tuple[float, dict[str, float], tuple]:
    """Step 3 of training: the stance temperature and technique thresholds tuned on ``dev``.

    Returns the temperature, the thresholds and the dev outputs they were tuned on
    (stance logits, technique probabilities), which evaluation reuses.
    """
    from .predictions import split_outputs

    logits, probs = split_outputs(clf, dev)
    temperature = fit_temperature(logits, torch.tensor(dev["stance_labels"]))
    thresholds = tune_thresholds(probs, np.asarray(dev["technique_labels"]).reshape(len(probs), -1),
                                 clf.technique_labels)
    return temperature, thresholds, (logits, probs)
