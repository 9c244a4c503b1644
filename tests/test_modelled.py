"""Sentences modelled on real pages: the record format, excerpt-level splits, outlets held
out whole, and the project's own modelled data."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from stance.labelset import assign_splits, check_labels, load_checked, read_records, resolve_splits
from stance.labelset.agreement import agreement, cohen_kappa, read_annotations
from stance.labelset.splits import held_out_outlet, write_splits
from stance.schema import LabelSchema

from conftest import REPO, SCHEMA, write_labels

HELD = {**SCHEMA, "held_out_outlets": {"split": "unseen", "share": 0.4},
        "outlet_groups": {"western": "wires", "ru_state": "state media"}}


def modelled(excerpt: str, position: int, outlet: str = "Reuters", **kw) -> dict:
    row = {"id": f"m-{excerpt}-{position:02d}", "text": f"Sentence {position} of {excerpt} at {outlet}.",
           "lang": "en", "source": excerpt, "stance": ["pro_kyiv", "pro_moscow", "neutral"][position % 3],
           "techniques": [], "origin": "modelled", "url": f"https://example.org/{excerpt}",
           "outlet": outlet, "outlet_group": "western", "date": "2025-05-16", "excerpt": excerpt,
           "position": position}
    row.update(kw)
    return row


def problems(tmp_path, rows, schema=HELD):
    folder = write_labels(tmp_path / "labels", rows, schema)
    return [str(i) for i in check_labels(folder, require_splits=False)[1]]


def test_a_modelled_record_needs_url_outlet_excerpt_and_position(tmp_path):
    row = modelled("x-001", 1)
    for key in ("url", "outlet", "excerpt", "position"):
        del row[key]
    found = problems(tmp_path, [row])
    assert any("a modelled sentence needs 'url'" in m for m in found)
    assert any("a modelled sentence needs 'outlet'" in m for m in found)
    assert any("a modelled sentence needs 'excerpt'" in m for m in found)
    assert any("a modelled sentence needs 'position'" in m for m in found)
    assert all(":1: " in m for m in found)


def test_modelled_fields_are_checked(tmp_path):
    found = problems(tmp_path, [modelled("x-001", 1, url="example.org/x", date="May 2025",
                                         outlet_group="tabloids", derived_from="t000")])
    assert any("'url' must start with http" in m for m in found)
    assert any("'date' must be YYYY, YYYY-MM or YYYY-MM-DD" in m for m in found)
    assert any("unknown outlet_group 'tabloids'; valid choices: western, ru_state" in m for m in found)
    assert any("cannot derive from another" in m for m in found)


def test_an_excerpt_is_one_page_in_one_split(tmp_path):
    rows = [modelled("x-001", 1, split="train"), modelled("x-001", 2, split="dev"),
            modelled("x-001", 2, id="m-x-001-03"), modelled("x-001", 4, url="https://other.org/")]
    found = problems(tmp_path, rows)
    assert any("excerpt 'x-001' is split across ['dev', 'train']" in m for m in found)
    assert any("position 2 of excerpt 'x-001' is used twice" in m for m in found)
    assert any("excerpt 'x-001' mixes url values" in m for m in found)


def _outlets(share: float, held: bool, count: int) -> list[str]:
    names = [f"Outlet {i}" for i in range(200)]
    return [n for n in names if held_out_outlet(n, share) == held][:count]


def test_splits_keep_excerpts_whole_and_hold_outlets_out(tmp_path):
    held, seen = _outlets(0.4, True, 4), _outlets(0.4, False, 12)
    rows = [modelled(f"{o[-3:].strip()}-{e}", p, outlet=o) for o in held + seen
            for e in range(3) for p in range(1, 6)]
    folder = write_labels(tmp_path / "labels", rows, HELD)
    records = read_records(folder)
    write_splits(records, assign_splits(records, LabelSchema.load(folder)))
    schema, records = load_checked(folder)
    split_of = resolve_splits(records)
    by_excerpt = defaultdict(set)
    for r in records:
        by_excerpt[r.excerpt].add(split_of[r.id])
        assert (split_of[r.id] == "unseen") == (r.outlet in held)
    assert all(len(s) == 1 for s in by_excerpt.values())
    shares = Counter(split_of[r.id] for r in records if r.outlet in seen)
    assert shares["train"] > shares["dev"] > 0 and shares["test"] > 0
    # moving an excerpt of a held-out outlet into train is refused
    data = [json.loads(line) for line in (folder / "data" / "toy.jsonl").read_text().splitlines()]
    for row in data:
        if row["outlet"] == held[0]:
            row["split"] = "train"
    write_labels(folder, data, HELD)
    assert any(f"of outlet '{held[0]}' must be in 'unseen'" in str(i) for i in check_labels(folder)[1])


def test_held_out_outlets_are_a_stable_hash_of_the_name():
    assert held_out_outlet("RIA Novosti", 0.38) == held_out_outlet("  ria   novosti ", 0.38)
    picked = sum(held_out_outlet(f"Outlet {i}", 0.3) for i in range(2000))
    assert 500 < picked < 700


def test_kappa():
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert abs(cohen_kappa(list("aaab"), list("aabb")) - 0.5) < 1e-9


# -- the project's modelled data ------------------------------------------------------------

@pytest.fixture(scope="module")
def project():
    schema, records = load_checked(REPO / "labels")
    return schema, records, resolve_splits(records)


def test_project_modelled_data_meets_its_targets(project):
    schema, records, split_of = project
    mod = [r for r in records if r.origin == "modelled"]
    langs = Counter(r.lang for r in mod)
    assert all(langs[lang] >= 900 for lang in ("en", "ru", "uk"))
    assert len({r.excerpt for r in mod}) >= 150 and len({r.outlet for r in mod}) >= 60
    for lang in ("en", "ru", "uk"):
        for stance in schema.stance:
            assert sum(r.lang == lang and r.stance == stance for r in mod) >= 200
    for technique in schema.techniques:
        assert sum(technique in r.techniques for r in mod) >= 150
    unseen = [r for r in mod if split_of[r.id] == "unseen"]
    assert len({r.outlet for r in unseen}) >= 15
    assert all(sum(r.lang == lang for r in unseen) >= 150 for lang in ("en", "ru", "uk"))
    trained_on = {r.outlet for r in mod if split_of[r.id] in ("train", "dev")}
    assert not trained_on & {r.outlet for r in unseen}
    assert all(r.url and r.outlet for r in mod)


def test_every_modelled_sentence_was_labelled_twice(project):
    schema, records, _ = project
    rows = {row["id"]: row for row in read_annotations(REPO / "labels")}
    mod = {r.id: r for r in records if r.origin == "modelled"}
    assert set(rows) == set(mod)
    for rid, row in rows.items():
        a, b = row["a"], row["b"]
        final = row.get("reviewed") or row.get("decided") or a
        if (a["stance"], set(a["techniques"])) != (b["stance"], set(b["techniques"])):
            assert "decided" in row and row["decided"]["reason"].strip()
        assert (mod[rid].stance, set(mod[rid].techniques)) == (final["stance"], set(final["techniques"]))
    figures = agreement(list(rows.values()), list(schema.techniques))
    assert all(figures[lang]["stance_kappa"] > 0.6 for lang in ("en", "ru", "uk"))


def test_one_outlet_is_spelled_one_way(tmp_path):
    """The held-out rule and the folds key outlets by exact name: two spellings of one
    outlet could put it on both sides of the split."""
    rows = [modelled("x-001", 1, outlet="The Jakarta Post"), modelled("x-002", 1, outlet="Jakarta Post"),
            modelled("x-003", 1, outlet="For-UA"), modelled("x-004", 1, outlet="forua"),
            modelled("x-005", 1, outlet="The National"), modelled("x-006", 1, outlet="The Nation")]
    found = problems(tmp_path, rows)
    spelled = [m for m in found if "spelled another way" in m]
    assert len(spelled) == 2
    assert any(":2: outlet 'Jakarta Post' looks like 'The Jakarta Post' (" in m for m in spelled)
    assert any(":4: outlet 'forua' looks like 'For-UA' (" in m for m in spelled)
    assert all("write one outlet one way" in m for m in spelled)
