"""How unsure the model is about a sentence: one number in [0, 1] from both tasks.

- **Stance**: ``1 - (p1 - p2)``, where ``p1`` and ``p2`` are the two largest calibrated
  stance probabilities. 1 when the two likeliest classes tie, 0 when one class has all
  the probability.
- **Techniques**: for each technique, how close its probability ``p`` is to its tuned
  threshold ``t``, on the scale of the room on that side: ``1 - (t - p) / t`` below the
  threshold, ``1 - (p - t) / (1 - t)`` at or above it. 1 exactly at the threshold (the
  decision could go either way), 0 at probability 0 or 1. A sentence's technique
  uncertainty is the largest over its techniques: one undecided technique is enough.
- **Combined**: the mean of the two. A sentence unsure on both tasks ranks first; one
  unsure on a single task still ranks above one that is sure of both.

Thresholds are the model's tuned ones (``stance.json``), or the ones given with
``--threshold``: the same decision the scorer took.
"""

from __future__ import annotations

from collections.abc import Mapping


def stance_uncertainty(stance_scores: Mapping[str, float]) -> float:
    """``1 - (p1 - p2)`` over the two likeliest stance classes."""
    top = sorted(stance_scores.values(), reverse=True)
    if len(top) < 2:
        return 0.0
    return min(1.0, max(0.0, 1.0 - (top[0] - top[1])))


def technique_closeness(probability: float, threshold: float) -> float:
    """1 at the threshold, falling linearly to 0 at probability 0 (below) or 1 (above)."""
    if probability < threshold:
        room = max(threshold, 1e-9)
        return max(0.0, 1.0 - (threshold - probability) / room)
    room = max(1.0 - threshold, 1e-9)
    return max(0.0, 1.0 - (probability - threshold) / room)


def technique_uncertainty(technique_scores: Mapping[str, float],
                          thresholds: Mapping[str, float]) -> float:
    """The largest closeness to its threshold over the techniques (0 with none)."""
    return max((technique_closeness(p, thresholds[name]) for name, p in technique_scores.items()
                if name in thresholds), default=0.0)


def uncertainty(stance_scores: Mapping[str, float], technique_scores: Mapping[str, float],
                thresholds: Mapping[str, float]) -> float:
    """The mean of the stance and the technique uncertainty, in [0, 1]."""
    return 0.5 * (stance_uncertainty(stance_scores)
                  + technique_uncertainty(technique_scores, thresholds))
