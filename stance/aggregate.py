"""From sentence predictions to what an article as a whole does."""

from __future__ import annotations

from .results import ArticleResult, SentenceResult

#: An article leans to a side only when at least this share of its sentences is partisan.
MIN_PARTISAN_SHARE = 0.1
TOP_K = 3


def aggregate_article(sentences: tuple[SentenceResult, ...], language: str,
                      stance_labels: tuple[str, ...], technique_labels: tuple[str, ...],
                      stance_default: str) -> ArticleResult:
    n = len(sentences)
    preds = [s.prediction for s in sentences]
    shares = {c: round(sum(p.stance == c for p in preds) / n, 4) for c in stance_labels}
    sides = [c for c in stance_labels if c != stance_default]
    mass = {c: sum(p.stance_scores[c] for p in preds) / n for c in sides}
    ranked = sorted(sides, key=mass.get, reverse=True)
    partisan_share = sum(shares[c] for c in sides)
    if not ranked or partisan_share < MIN_PARTISAN_SHARE:
        leaning, confidence = stance_default, round(1.0 - partisan_share, 4)
    else:
        top = ranked[0]
        second = mass[ranked[1]] if len(ranked) > 1 else 0.0
        leaning = top
        confidence = round((mass[top] - second) / (mass[top] + second), 4) if mass[top] else 0.0
    counts = {t: sum(t in p.techniques for p in preds) for t in technique_labels}
    rate = {t: round(100.0 * counts[t] / n, 2) for t in technique_labels}
    top_sentences = {}
    for c in sides:
        chosen = [i for i in range(n) if preds[i].stance == c]
        top_sentences[c] = tuple(sorted(chosen, key=lambda i: -preds[i].stance_scores[c])[:TOP_K])
    for t in technique_labels:
        chosen = [i for i in range(n) if t in preds[i].techniques]
        top_sentences[t] = tuple(sorted(chosen, key=lambda i: -preds[i].technique_scores[t])[:TOP_K])
    return ArticleResult(tuple(sentences), language, shares, leaning, confidence, counts, rate,
                         top_sentences)
