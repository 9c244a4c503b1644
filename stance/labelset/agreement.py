"""Agreement between the two independent labellings of the modelled sentences.

``labels/annotations/modelled.jsonl`` keeps, for every modelled sentence, both first
labellings (``a`` and ``b``), and, where they disagreed, the third reading that decided it
(``decided`` with its ``reason``). The label in ``data/`` is the agreed label or the
decision. This module recomputes agreement from that file: Cohen's kappa for stance, and
F1 between the two labellings for each technique, per language.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

ANNOTATIONS = Path("annotations") / "modelled.jsonl"


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two labellings of the same items."""
    n = len(first)
    if n == 0:
        return float("nan")
    observed = sum(a == b for a, b in zip(first, second)) / n
    ca, cb = Counter(first), Counter(second)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def pair_f1(first: list[bool], second: list[bool]) -> float:
    """F1 of one labelling against the other (symmetric)."""
    both = sum(a and b for a, b in zip(first, second))
    total = sum(first) + sum(second)
    return 1.0 if total == 0 else 2 * both / total


def read_annotations(labels_dir: str | Path) -> list[dict]:
    path = Path(labels_dir) / ANNOTATIONS
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def agreement(rows: list[dict], techniques: list[str]) -> dict[str, dict]:
    """``{lang | "all": {"n", "stance_kappa", "stance_agreement", "disagreements",
    "<technique>_f1"...}}``."""
    out = {}
    for lang in ["all", *sorted({r["lang"] for r in rows})]:
        subset = [r for r in rows if lang == "all" or r["lang"] == lang]
        a = [r["a"]["stance"] for r in subset]
        b = [r["b"]["stance"] for r in subset]
        figures = {"n": len(subset), "stance_kappa": round(cohen_kappa(a, b), 3),
                   "stance_agreement": round(sum(x == y for x, y in zip(a, b)) / max(len(a), 1), 3),
                   "disagreements": sum("decided" in r for r in subset)}
        for t in techniques:
            figures[f"{t}_f1"] = round(pair_f1([t in r["a"]["techniques"] for r in subset],
                                               [t in r["b"]["techniques"] for r in subset]), 3)
        out[lang] = figures
    return out


def agreement_table(labels_dir: str | Path, techniques: list[str]) -> str:
    rows = read_annotations(labels_dir)
    if not rows:
        return f"no double labelling recorded ({Path(labels_dir) / ANNOTATIONS} is absent)"
    figures = agreement(rows, techniques)
    columns = [("n", "n"), ("stance_kappa", "stance kappa"), ("stance_agreement", "stance agree"),
               *((f"{t}_f1", f"{t} F1") for t in techniques), ("disagreements", "decided by 3rd")]
    head = f"{'two labellings':<16}" + "".join(f"{title:>{max(len(title) + 2, 7)}}" for _, title in columns)
    lines = [head, "-" * len(head)]
    for lang, f in figures.items():
        lines.append(f"{lang:<16}" + "".join(f"{f[key]:>{max(len(title) + 2, 7)}}" for key, title in columns))
    return "\n".join(lines)
