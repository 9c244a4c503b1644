"""Several model folders on the same held-out splits, per language, side by side.

    python benchmarks/compare_models.py models/default /tmp/old-data-model --splits unseen,test

Each model reads every sentence of the split with the context it was trained to read
and decides with its own tuned temperature and thresholds. Printed: stance and technique
macro-F1 overall and per language, and the number of sentences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def figures(model, records, split_of, split: str) -> dict:
    from sklearn.metrics import f1_score

    from stance_training.data import article_contexts

    contexts = article_contexts(records, model.context_window)
    rows = [r for r in records if split_of[r.id] == split]
    preds = model.predict([r.text for r in rows], context=[contexts.get(r.id, "") for r in rows],
                          batch_size=64)
    out = {}
    for lang in ["all", *sorted({r.lang for r in rows})]:
        pairs = [(r, p) for r, p in zip(rows, preds) if lang == "all" or r.lang == lang]
        names = model.technique_labels
        truth = [[int(n in r.techniques) for n in names] for r, _ in pairs]
        guess = [[int(n in p.techniques) for n in names] for _, p in pairs]
        out[lang] = {"n": len(pairs),
                     "stance": f1_score([r.stance for r, _ in pairs], [p.stance for _, p in pairs],
                                        average="macro"),
                     "technique": f1_score(truth, guess, average="macro", zero_division=0)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--labels", default=str(REPO / "labels"))
    parser.add_argument("--splits", default="unseen,test")
    parser.add_argument("--fast", default="off")
    args = parser.parse_args()

    import stance
    from stance.labelset import load_checked, resolve_splits

    _, records = load_checked(args.labels)
    split_of = resolve_splits(records)
    for split in args.splits.split(","):
        print(f"\n{split} split: stance / technique macro-F1 (n)")
        table = {m: figures(stance.load(m, fast=args.fast), records, split_of, split) for m in args.models}
        langs = list(next(iter(table.values())))
        print(f"{'model':<40}" + "".join(f"{lang:>22}" for lang in langs))
        for m, fig in table.items():
            cells = "".join(f"{fig[lang]['stance']:>9.3f} / {fig[lang]['technique']:.3f} ({fig[lang]['n']})".rjust(22)
                            for lang in langs)
            print(f"{Path(m).name[:39]:<40}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
