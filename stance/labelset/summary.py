"""The summary table printed by ``stance check``."""

from __future__ import annotations

from collections import Counter

from ..schema import LabelSchema
from .records import LabelRecord
from .splits import resolve_splits

def summary_table(records: list[LabelRecord], schema: LabelSchema) -> str:
    """Counts per split for every language, origin, stance, technique and source."""
    split_of = resolve_splits(records)
    rows: list[tuple[str, Counter]] = []

    def add(title: str, predicate) -> None:
        counter = Counter(split_of.get(r.id, "?") for r in records if predicate(r))
        rows.append((title, counter))

    add("all sentences", lambda r: True)
    for lang in sorted({r.lang for r in records}):
        add(f"language {lang}", lambda r, lang=lang: r.lang == lang)
    for origin in sorted({r.origin for r in records}):
        add(f"origin {origin}", lambda r, origin=origin: r.origin == origin)
    for name in schema.stance:
        add(f"stance {name}", lambda r, name=name: r.stance == name)
    add("techniques none", lambda r: not r.techniques)
    for name in schema.techniques:
        add(f"technique {name}", lambda r, name=name: name in r.techniques)
        add("  corpus originals", lambda r, name=name: name in r.techniques and r.origin == "corpus")
    for source in sorted({r.source for r in records}):
        add(f"source {source}", lambda r, source=source: r.source == source)

    width = max(len(title) for title, _ in rows)
    columns = list(schema.split_names) + (["?"] if any(c["?"] for _, c in rows) else [])
    header = f"{'':<{width}}  " + "  ".join(f"{c:>6}" for c in columns) + f"  {'total':>6}"
    lines = [header, "-" * len(header)]
    for title, counter in rows:
        cells = "  ".join(f"{counter[c]:>6}" for c in columns)
        lines.append(f"{title:<{width}}  {cells}  {sum(counter.values()):>6}")
    return "\n".join(lines)
