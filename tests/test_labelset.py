"""The label checker's messages, the split rules, and the real labels."""

from __future__ import annotations

import json

import pytest

from stance.labelset import assign_splits, check_labels, load_checked, read_records, resolve_splits
from stance.labelset.splits import write_splits
from stance.schema import LabelSchema

from conftest import REPO, SCHEMA, _row, write_labels


def issues_for(tmp_path, rows, schema=None, raw_lines=None):
    folder = write_labels(tmp_path / "labels", rows, schema)
    if raw_lines:
        with open(folder / "data" / "toy.jsonl", "a", encoding="utf-8") as handle:
            handle.write("\n".join(raw_lines) + "\n")
    _, issues = check_labels(folder)
    return [str(i) for i in issues]


def ok_row(i=1, **kw):
    row = _row(i, f"Sentence number {i}.", "neutral", [], "train")
    row.update(kw)
    return row


def test_unknown_stance_names_valid_choices(tmp_path):
    messages = issues_for(tmp_path, [ok_row(stance="pro_kiev")])
    assert messages == [f"{tmp_path}/labels/data/toy.jsonl:1: unknown stance 'pro_kiev'; "
                        "valid choices: pro_kyiv, pro_moscow, neutral"]


def test_unknown_technique(tmp_path):
    [message] = issues_for(tmp_path, [ok_row(techniques=["whataboutism"])])
    assert "toy.jsonl:1: unknown technique 'whataboutism'; valid choices: loaded_language, " \
           "appeal_to_history, ultimatum_framing" in message
    assert "schema.json" in message


def test_missing_and_empty_fields(tmp_path):
    row = ok_row()
    del row["lang"]
    messages = issues_for(tmp_path, [row, ok_row(2, text="  ")])
    assert any(m.endswith("toy.jsonl:1: missing field 'lang'") for m in messages)
    assert any("toy.jsonl:2: field 'text' must be a non-empty string, found '  '" in m for m in messages)


def test_missing_techniques_says_use_empty_list(tmp_path):
    row = ok_row()
    del row["techniques"]
    [message] = issues_for(tmp_path, [row])
    assert "missing field 'techniques' (use [] for a sentence with no technique)" in message


def test_duplicate_id(tmp_path):
    messages = issues_for(tmp_path, [ok_row(1), ok_row(1, text="Another text.")])
    assert any("toy.jsonl:2: duplicate id 't001' (first used at" in m and "toy.jsonl:1)" in m
               for m in messages)


def test_duplicate_text_with_conflicting_labels(tmp_path):
    messages = issues_for(tmp_path, [ok_row(1), ok_row(2, text="Sentence  number 1.",
                                                          stance="pro_kyiv")])
    assert any("toy.jsonl:2: same text as 't001'" in m and "conflicting labels: pro_kyiv [] vs "
               "neutral []" in m for m in messages)


def test_duplicate_text_with_same_labels_is_fine(tmp_path):
    assert issues_for(tmp_path, [ok_row(1), ok_row(2, text="Sentence number 1.")]) == []


def test_derived_copy_with_missing_origin(tmp_path):
    row = _row(5, "Переговоры длились два часа.", "neutral", [], lang="ru", derived="t999")
    [message] = issues_for(tmp_path, [ok_row(1), row])
    assert "toy.jsonl:2: derived_from 't999' not found" in message


def test_derived_copy_in_another_split(tmp_path):
    row = _row(5, "Переговоры длились два часа.", "neutral", [], split="test", lang="ru",
               derived="t001")
    [message] = issues_for(tmp_path, [ok_row(1), row])
    assert "'t001-ru' is in split 'test' but its origin 't001'" in message
    assert "is in 'train'; derived copies must stay in their origin's split" in message


def test_unknown_language_code(tmp_path):
    [message] = issues_for(tmp_path, [ok_row(lang="de")])
    assert "unknown language code 'de'; valid choices: en, ru, uk" in message


def test_malformed_json_names_line(tmp_path):
    messages = issues_for(tmp_path, [ok_row(1)], raw_lines=['{"id": "t002", "text": '])
    assert any(m.startswith(f"{tmp_path}/labels/data/toy.jsonl:2: malformed JSON") for m in messages)


def test_translation_needs_origin_and_authored_stays_in_train(tmp_path):
    messages = issues_for(tmp_path, [ok_row(1, origin="translation"),
                                     ok_row(2, origin="authored", split="test")])
    assert any("a translation needs 'derived_from'" in m for m in messages)
    assert any("authored sentence 't002' is in 'test'; authored sentences belong to 'train' only"
               in m for m in messages)


def test_missing_split_points_to_assign_command(tmp_path):
    row = ok_row()
    del row["split"]
    [message] = issues_for(tmp_path, [row])
    assert "has no split; run `stance check --assign-splits`" in message


def _unsplit_rows(n):
    rows = []
    stances = list(SCHEMA["stance"])
    for i in range(n):
        row = _row(i, f"Sentence {i} about the talks.", stances[i % 3],
                   ["loaded_language"] if i % 4 == 0 else [])
        rows.append(row)
        rows.append(_row(i, f"Предложение {i}.", row["stance"], row["techniques"], lang="ru",
                         derived=row["id"]))
    return rows


def test_assigned_splits_are_balanced_and_derived_copies_follow(tmp_path):
    folder = write_labels(tmp_path / "labels", _unsplit_rows(60))
    records = read_records(folder)
    schema = LabelSchema.load(folder)
    new = assign_splits(records, schema)
    assert len(new) == 60  # origins only
    counts = {s: list(new.values()).count(s) for s in ("train", "dev", "test")}
    assert counts == {"train": 36, "dev": 12, "test": 12}
    write_splits(records, new)
    schema, records = load_checked(folder)
    split_of = resolve_splits(records)
    for r in records:
        if r.derived_from:
            assert split_of[r.id] == split_of[r.derived_from]


def test_adding_sentences_never_moves_existing_ones(tmp_path):
    folder = write_labels(tmp_path / "labels", _unsplit_rows(30))
    records = read_records(folder)
    schema = LabelSchema.load(folder)
    write_splits(records, assign_splits(records, schema))
    before = resolve_splits(read_records(folder))
    more = _unsplit_rows(50)[60:]
    with open(folder / "data" / "toy.jsonl", "a", encoding="utf-8") as handle:
        for row in more:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    records = read_records(folder)
    write_splits(records, assign_splits(records, schema))
    after = resolve_splits(read_records(folder))
    assert {k: after[k] for k in before} == before
    assert len(after) == 100


def test_assignment_is_deterministic(tmp_path):
    a = write_labels(tmp_path / "a", _unsplit_rows(40))
    b = write_labels(tmp_path / "b", list(reversed(_unsplit_rows(40))))
    schema = LabelSchema.load(a)
    assert assign_splits(read_records(a), schema) == assign_splits(read_records(b), schema)


def test_same_text_follows_and_authored_goes_to_train(tmp_path):
    rows = _unsplit_rows(10)
    rows.append(_row(50, rows[0]["text"], rows[0]["stance"], rows[0]["techniques"]))
    rows.append(_row(51, "Authored contrast.", "neutral", [], origin="authored"))
    folder = write_labels(tmp_path / "labels", rows)
    new = assign_splits(read_records(folder), LabelSchema.load(folder))
    assert new["t050"] == new["t000"]
    assert new["t051"] == "train"


# -- the project's real labels ---------------------------------------------------------

def test_project_labels_pass_the_check():
    schema, records = load_checked(REPO / "labels")
    split_of = resolve_splits(records)
    for r in records:
        root = r if r.derived_from is None else next(x for x in records if x.id == r.derived_from)
        assert split_of[r.id] == split_of[root.id]
        if split_of[r.id] in schema.evaluation_splits:  # held out: real text only
            assert root.origin in ("corpus", "modelled")
    langs = {r.id: {r.lang} for r in records if r.origin == "corpus"}
    for r in records:
        if r.derived_from in langs:
            langs[r.derived_from].add(r.lang)
    assert all(v == {"en", "ru", "uk"} for v in langs.values())
    for technique in schema.techniques:
        assert sum(technique in r.techniques for r in records if r.origin == "corpus") >= 20


def test_project_labels_are_the_splitters_sentences():
    """Training and scoring see the same units: labels/ holds exactly what the splitter cuts."""
    from stance.segment import split_sentences

    records = [r for r in read_records(REPO / "labels") if r.origin == "corpus"]
    corpus = REPO.parent / "shared" / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared/corpus not present")
    labelled = {(r.source, r.start, r.end, r.text) for r in records}
    cut = set()
    for path in sorted(corpus.glob("*.txt")):
        for span in split_sentences(path.read_text(encoding="utf-8"), "en"):
            cut.add((path.stem, span.start, span.end, span.text))
    assert labelled == cut
