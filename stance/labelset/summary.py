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
    # one row per corpus article; modelled excerpts and suggested sentences (one document
    # each, hundreds of them) are counted by the rows above
    sources = sorted({r.source for r in records if r.origin not in ("modelled", "suggested")})
    for source in sources:
        add(f"source {source}", lambda r, source=source: r.source == source)
    modelled = [r for r in records if r.origin == "modelled"]
    if modelled:
        for group in sorted({r.outlet_group or "?" for r in modelled}):
            add(f"outlet group {group}", lambda r, group=group: r.origin == "modelled"
                and (r.outlet_group or "?") == group)

    if modelled:
        pages, outlets = Counter(), Counter()
        for split in {split_of.get(r.id, "?") for r in modelled}:
            members = [r for r in modelled if split_of.get(r.id, "?") == split]
            pages[split] = len({r.excerpt for r in members})
            outlets[split] = len({r.outlet for r in members})
        rows.append(("pages (modelled excerpts)", pages))
        rows.append(("outlets (modelled)", outlets))

    width = max(len(title) for title, _ in rows)
    columns = list(schema.split_names) + (["?"] if any(c["?"] for _, c in rows) else [])
    header = f"{'':<{width}}  " + "  ".join(f"{c:>6}" for c in columns) + f"  {'total':>6}"
    lines = [header, "-" * len(header)]
    for title, counter in rows:
        cells = "  ".join(f"{counter[c]:>6}" for c in columns)
        total = sum(counter.values())
        if title == "outlets (modelled)":
            total = len({r.outlet for r in modelled})
        lines.append(f"{title:<{width}}  {cells}  {total:>6}")
    if modelled:
        lines += ["", by_language_table(modelled, schema, "modelled sentences")]
    return "\n".join(lines)


def by_language_table(records: list[LabelRecord], schema: LabelSchema, title: str) -> str:
    """Counts of each stance and technique per language (all splits together)."""
    langs = sorted({r.lang for r in records})
    rows = [("sentences", Counter(r.lang for r in records))]
    rows += [(f"stance {n}", Counter(r.lang for r in records if r.stance == n)) for n in schema.stance]
    rows += [(f"technique {n}", Counter(r.lang for r in records if n in r.techniques))
             for n in schema.techniques]
    width = max(len(t) for t, _ in rows + [(title, None)])
    header = f"{title:<{width}}  " + "  ".join(f"{lang:>6}" for lang in langs) + f"  {'total':>6}"
    lines = [header, "-" * len(header)]
    for name, counter in rows:
        lines.append(f"{name:<{width}}  " + "  ".join(f"{counter[lang]:>6}" for lang in langs)
                     + f"  {sum(counter.values()):>6}")
    return "\n".join(lines)
