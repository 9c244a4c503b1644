"""The classifier's raw outputs over a whole ``datasets`` split (dev, test, ...)."""

from __future__ import annotations

import torch

from stance.classifier import StanceClassifier


def split_outputs(clf: StanceClassifier, ds, with_context: bool = True):
    """Stance logits (a tensor) and technique probabilities (an array), in row order."""
    contexts = list(ds["context"]) if with_context else None
    stance_logits, tech_logits, _ = clf.predict_logits(list(ds["text"]), batch_size=64,
                                                       contexts=contexts)
    return torch.from_numpy(stance_logits), torch.sigmoid(torch.from_numpy(tech_logits)).numpy()
