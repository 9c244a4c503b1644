"""Which evidence method is faithful, and what it costs: a deletion test on the dev split.

    python benchmarks/evidence.py [--model models/default] [--n 150] [--seed 0]

For each dev sentence (read with its context) and each label the model reports (its
stance and its techniques), each method ranks the sentence's words. Deleting the top-k
words should lower the label's probability more than deleting k random words. Prints,
side by side, the mean drop for k = 1, 2, 3 after the top-k and after k random words
(three random draws), and the time each method takes per sentence.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _delete(text: str, spans) -> str:
    for s, e in sorted(spans, reverse=True):
        text = text[:s] + text[e:]
    return " ".join(text.split()) or "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "models" / "default"))
    parser.add_argument("--labels", default=str(REPO / "labels"))
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import stance
    from stance.evidence import METHODS, _label_probabilities, gradients, occlusion, words_of
    from stance.labelset import load_checked, resolve_splits
    from stance_training.data import article_contexts

    clf = stance.load(args.model, fast="off")
    _, records = load_checked(args.labels)
    split = resolve_splits(records)
    contexts = article_contexts(records, clf.context_window)
    dev = [r for r in records if split[r.id] == "dev" and len(words_of(r.text)) >= 6]
    rng = random.Random(args.seed)
    dev = rng.sample(dev, min(args.n, len(dev)))
    rankers = {"occlusion": occlusion, "gradients": gradients}
    drops = {m: {k: [] for k in (1, 2, 3)} for m in METHODS}
    random_drops = {k: [] for k in (1, 2, 3)}
    seconds = {m: 0.0 for m in METHODS}
    for r in dev:
        context = contexts.get(r.id) or None
        p = clf.predict(r.text, context=context)
        labels = [p.stance, *p.techniques]
        words = words_of(r.text)
        base = _label_probabilities(clf, [r.text], None if context is None else [context], labels, 64)[0]
        for method in METHODS:
            started = time.perf_counter()
            weights = rankers[method](clf, r.text, context, labels)
            seconds[method] += time.perf_counter() - started
            for j, label in enumerate(labels):
                ranked = [(s, e) for s, e, _ in sorted(weights[j], key=lambda w: -w[2])]
                variants = [_delete(r.text, ranked[:k]) for k in (1, 2, 3)]
                after = _label_probabilities(clf, variants, None if context is None else [context] * 3,
                                             [label], 64)[:, 0]
                for k in (1, 2, 3):
                    drops[method][k].append(float(base[j] - after[k - 1]))
        for j, label in enumerate(labels):
            variants, ks = [], []
            for k in (1, 2, 3):
                for _ in range(3):
                    variants.append(_delete(r.text, rng.sample(words, k)))
                    ks.append(k)
            after = _label_probabilities(clf, variants, None if context is None else [context] * len(variants),
                                         [label], 64)[:, 0]
            for k in (1, 2, 3):
                chosen = [float(base[j] - a) for a, kk in zip(after, ks) if kk == k]
                random_drops[k].append(statistics.mean(chosen))
    print(f"model {clf.name} {clf.version}; {len(dev)} dev sentences, "
          f"{len(drops['occlusion'][1])} (sentence, label) pairs; drop in the label's probability")
    print(f"{'words deleted':<28}" + "".join(f"{f'k={k}':>10}" for k in (1, 2, 3)) + f"{'ms/sentence':>14}")
    for method in METHODS:
        cells = "".join(f"{statistics.mean(drops[method][k]):>10.3f}" for k in (1, 2, 3))
        print(f"{'top-k by ' + method:<28}{cells}{1000 * seconds[method] / len(dev):>14.1f}")
    cells = "".join(f"{statistics.mean(random_drops[k]):>10.3f}" for k in (1, 2, 3))
    print(f"{'k random words':<28}{cells}{'':>14}")


if __name__ == "__main__":
    main()
