"""Evidence: the words that drive a sentence's chosen stance and each reported technique.

Two ways to find them, compared by a faithfulness test (``benchmarks/evidence.py``;
figures in ``models/README.md``), the better one being the default:

- ``occlusion``: every word of the sentence is left out in turn, all variants in one
  batch, and a word's weight is how much the label's probability falls without it
  (negative: the label is more likely without it). Words are cut from the text as the
  user gave it, so offsets are exact whatever the spelling rewriting does.
- ``gradients``: integrated gradients on the input word embeddings, from a baseline of
  zero vectors to the sentence, summed over each word's tokens and mapped back to the
  original text's words.

Each label gets at most ``top`` words, strongest first, with signed weights and
character offsets into the sentence; neighbouring words with the same sign are merged
into a short span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .classifier import StanceClassifier

METHODS = ("occlusion", "gradients")
DEFAULT_METHOD = "occlusion"
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class Evidence:
    """A word or short span of the sentence and how much it pushes a label (signed)."""

    start: int
    end: int
    text: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "weight": self.weight}


def words_of(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def _label_probabilities(clf: "StanceClassifier", texts: list[str], contexts: list[str] | None,
                         labels: Sequence[str], batch_size: int) -> np.ndarray:
    """Probability of each label (a stance class or a technique) for each text: rows x labels."""
    stance, technique, _ = clf.predict_probabilities(texts, batch_size, contexts)
    stance, technique = np.asarray(stance), np.asarray(technique)
    columns = []
    for label in labels:
        if label in clf.stance_labels:
            columns.append(stance[:, clf.stance_labels.index(label)])
        else:
            columns.append(technique[:, clf.technique_labels.index(label)])
    return np.stack(columns, axis=1)


def occlusion(clf: "StanceClassifier", text: str, context: str | None, labels: Sequence[str],
              batch_size: int = 64) -> list[list[tuple[int, int, float]]]:
    """For each label, ``(start, end, weight)`` of every word: the fall of the label's
    probability when the word is left out."""
    spans = words_of(text)
    if not spans:
        return [[] for _ in labels]
    variants = [text] + [(text[:s] + text[e:]).strip() or "…" for s, e in spans]
    contexts = None if context is None else [context] * len(variants)
    probs = _label_probabilities(clf, variants, contexts, labels, batch_size)
    drops = probs[0:1] - probs[1:]
    return [[(s, e, float(drops[i, j])) for i, (s, e) in enumerate(spans)] for j in range(len(labels))]


def gradients(clf: "StanceClassifier", text: str, context: str | None, labels: Sequence[str],
              steps: int = 16) -> list[list[tuple[int, int, float]]]:
    """For each label, ``(start, end, weight)`` of every word: integrated gradients of the
    label's probability with respect to the word's token embeddings."""
    import torch

    network = clf.model
    encoder = network.encoder
    if not hasattr(encoder, "from_words"):
        raise ValueError("integrated gradients need a BERT-family encoder; use method='occlusion'")
    if clf.precision not in ("fp32", "bf16"):
        raise ValueError("integrated gradients need the model in PyTorch floats; load it with "
                         "fast='off' or 'bf16', or use method='occlusion'")
    model_text, mapping = _model_text(clf, text)
    window = clf.context_window
    if window is not None and window.by_window:  # the sentence read after its context
        start, ids = _passage(clf, text, context)
        own = len(ids[0]) - start
        input_ids, attention, _ = map(torch.from_numpy, clf.encoder.pad(ids))
        pool = torch.zeros_like(attention)
        pool[0, start:start + own] = 1
    else:
        contexts = None if context is None or network.context_vector else [context]
        ids, _, pooled = clf.preprocess([text], contexts)
        start, own = 0, pooled[0]
        input_ids, attention, pool = map(torch.from_numpy, clf.encoder.pad(ids, pooled))
    offsets = clf.encoder.backend.encode(clf.info.text_prefix + model_text).offsets
    words = words_of(model_text)
    prefix = len(clf.info.text_prefix)
    results = []
    with torch.enable_grad():
        embeds = encoder.embeddings.word_embeddings(input_ids).detach()
        sentence = torch.zeros_like(embeds[..., :1])
        sentence[0, start + 1:start + own - 1] = 1.0  # the sentence's own tokens (not specials, not context)
        baseline = embeds * (1 - sentence)
        alphas = torch.linspace(1.0 / steps, 1.0, steps)
        path = (baseline + alphas[:, None, None, None] * (embeds - baseline)).squeeze(1)
        path.requires_grad_(True)
        attention_rows = attention.expand(steps, -1)
        hidden = encoder.from_words(path, attention_rows)
        vector = (hidden * pool.expand(steps, -1)[..., None]).sum(1) / pool.sum()
        context_vector = None
        if network.context_vector:
            context_vector = _context_vector(clf, context)
            context_vector = None if context_vector is None else context_vector.expand(steps, -1)
        out = network.heads(vector, context_vector)
        stance = torch.softmax(out["stance_logits"] / clf.info.temperature, -1)
        technique = torch.sigmoid(out["technique_logits"])
        for label in labels:
            score = (stance[:, clf.stance_labels.index(label)] if label in clf.stance_labels
                     else technique[:, clf.technique_labels.index(label)])
            grad, = torch.autograd.grad(score.sum(), path, retain_graph=True)
            token_weight = ((embeds[0] - baseline[0]) * grad.mean(0)).sum(-1) * sentence[0, :, 0]
            per_word = [0.0] * len(words)
            for t, (s, e) in enumerate(offsets):
                t += start
                if t >= len(token_weight) or e <= s:
                    continue
                s, e = s - prefix, e - prefix
                for w, (ws, we) in enumerate(words):
                    if s < we and e > ws:
                        per_word[w] += float(token_weight[t])
                        break
            results.append([(*mapping(w), weight) for w, weight in enumerate(per_word)
                            if mapping(w) is not None])
    return results


def _passage(clf: "StanceClassifier", text: str, context: str | None) -> tuple[int, list[list[int]]]:
    """A window-context model's reading of one sentence: where its tokens start, and the
    passage (its context, then the sentence) as one row of ids."""
    (passage,), _ = clf.passages([text], [context or ""])
    return passage.spans[0][0], [list(passage.ids)]


def _context_vector(clf: "StanceClassifier", context: str | None):
    """The context's sentence vector as a torch tensor (one row), or None without context."""
    import torch

    if not context:
        return None
    vectors, _ = clf.sentence_vectors([context])
    return torch.from_numpy(vectors)


def _model_text(clf: "StanceClassifier", text: str):
    """The text as the model reads it, and a map from its words to the original's offsets
    (word by word; listed spelling variants replace a word by a word)."""
    from .text_gate import visible_text

    model_text = clf._spelling.canonical(visible_text(text))
    original, rewritten = words_of(text), words_of(model_text)
    if len(original) == len(rewritten):
        return model_text, lambda w: original[w] if w < len(original) else None
    ratio = len(original) / max(len(rewritten), 1)
    return model_text, lambda w: original[min(int(w * ratio), len(original) - 1)] if original else None


def explain(clf: "StanceClassifier", text: str, context: str | None, labels: Sequence[str],
            method: str = DEFAULT_METHOD, top: int = 5) -> dict[str, tuple[Evidence, ...]]:
    """``{label: evidence}`` for each of ``labels`` (at most ``top`` words or spans each)."""
    if method not in METHODS:
        raise ValueError(f"unknown evidence method {method!r}; choose one of {', '.join(METHODS)}")
    weights = (occlusion(clf, text, context, labels) if method == "occlusion"
               else gradients(clf, text, context, labels))
    return {label: _strongest(text, spans, top) for label, spans in zip(labels, weights)}


def _strongest(text: str, spans: list[tuple[int, int, float]], top: int) -> tuple[Evidence, ...]:
    """The ``top`` strongest words (by absolute weight), neighbours of the same sign merged."""
    if not spans:
        return ()
    chosen = sorted(sorted(spans, key=lambda s: -abs(s[2]))[:top], key=lambda s: s[0])
    merged: list[list] = []
    for s, e, w in chosen:
        if w == 0:
            continue
        if merged and (w > 0) == (merged[-1][2] > 0) and not text[merged[-1][1]:s].strip(" ,"):
            merged[-1][1], merged[-1][2] = e, merged[-1][2] + w
        else:
            merged.append([s, e, w])
    ordered = sorted(merged, key=lambda m: -abs(m[2]))
    return tuple(Evidence(s, e, text[s:e], round(w, 4)) for s, e, w in ordered)
