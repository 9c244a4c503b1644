"""The labelling loop: stance suggest, the Label Studio round trip, stance import, retrain,
and the simulation script (smoke run), all on tiny in-process models."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from stance.cli import main
from stance.labelling.candidates import Candidate
from stance.labelling.selection import DEDUP_THRESHOLD, select
from stance.labelling.uncertainty import (stance_uncertainty, technique_closeness,
                                          technique_uncertainty, uncertainty)
from stance.labelset import check_labels, read_records
from stance.labelset.blocklist import text_key
from stance.labelset.check import normalise_text

from conftest import REPO, SCHEMA, TOY, toy_rows, write_labels

FIXTURE = Path(__file__).parent / "fixtures" / "label_studio_export.json"

ARTICLES = {
    "a1.txt": "Russia is a terrorist state that trades in blackmail. The talks lasted two hours. "
              "The delegation met in Istanbul on Friday. Putin said the West must accept peace or "
              "face worse. Zelensky said the heroic resistance of Ukraine halted the war. Both "
              "sides agreed a prisoners exchange. The ministry said the village was liberated.",
    "a2.txt": "The talks in Geneva ended on Friday. Moscow said the Kiev regime sabotaged the "
              "talks. History of the war was said by the ministry. The West said sanctions on "
              "Russia would stay. Putin met the delegation in Istanbul.",
    "a3.txt": "The talks in Vienna ended on Friday. Ukraine said Russia fought Sweden for years. "
              "Peace talks with Moscow lasted two hours. Zelensky said Russia offers blackmail, "
              "not peace.",
}


# -- uncertainty and selection, on synthetic candidates ---------------------------------

def cand(doc, index, lang="en", text=None, stance=None):
    stance = stance or {"pro_kyiv": 0.5, "pro_moscow": 0.3, "neutral": 0.2}
    return Candidate(doc_id=doc, source=f"{doc}.txt", content_hash="h", lang=lang, index=index,
                     text=text or f"Sentence {index} of {doc} in {lang}.", context="",
                     stance=max(stance, key=stance.get), stance_scores=stance, techniques=(),
                     technique_scores={"loaded_language": 0.1})


def test_uncertainty_is_the_mean_of_margin_and_threshold_closeness():
    assert stance_uncertainty({"a": 0.4, "b": 0.4, "c": 0.2}) == pytest.approx(1.0)
    assert stance_uncertainty({"a": 1.0, "b": 0.0, "c": 0.0}) == pytest.approx(0.0)
    assert stance_uncertainty({"a": 0.7, "b": 0.2, "c": 0.1}) == pytest.approx(0.5)
    assert technique_closeness(0.3, 0.3) == pytest.approx(1.0)
    assert technique_closeness(0.15, 0.3) == pytest.approx(0.5)   # half way down to 0
    assert technique_closeness(0.65, 0.3) == pytest.approx(0.5)   # half way up to 1
    assert technique_closeness(0.0, 0.3) == technique_closeness(1.0, 0.3) == 0.0
    thresholds = {"x": 0.5, "y": 0.2}
    assert technique_uncertainty({"x": 0.05, "y": 0.2}, thresholds) == pytest.approx(1.0)
    assert uncertainty({"a": 0.7, "b": 0.2, "c": 0.1}, {"x": 0.75}, thresholds) == pytest.approx(0.5)


def test_select_takes_the_most_uncertain_spread_over_documents_and_languages():
    candidates, scores = [], []
    for d in range(6):  # English: many documents, doc e0 most uncertain
        for i in range(5):
            candidates.append(cand(f"e{d}", i))
            scores.append(0.99 - 0.1 * d - 0.01 * i)
    for i in range(4):  # Russian and Ukrainian: a few, less uncertain than English
        candidates.append(cand("r0", i, "ru"))
        scores.append(0.3 - 0.01 * i)
        candidates.append(cand(f"u{i}", 0, "uk"))
        scores.append(0.2)
    picked, stats = select(candidates, scores, 9, per_document=2)
    chosen = [candidates[i] for i in picked]
    # equal shares; Russian has one document (cap 2), so its share goes to the others
    assert Counter(c.lang for c in chosen) == {"en": 4, "ru": 2, "uk": 3}
    assert max(Counter(c.doc_id for c in chosen).values()) <= 2
    english = [c for c in chosen if c.lang == "en"]
    assert [(c.doc_id, c.index) for c in english] == [("e0", 0), ("e0", 1), ("e1", 0), ("e1", 1)]
    assert stats.document_full >= 2
    # a language that runs out leaves its share to the others
    picked, _ = select(candidates, scores, 20, per_document=2)
    assert len(picked) == 2 * 6 + 2 + 4


def test_select_removes_exact_and_near_duplicates_by_sentence_vectors():
    texts = ["The talks lasted two hours.", "the talks  lasted two hours.",
             "The talks went on for two hours.", "Russia shelled Kharkiv overnight."]
    candidates = [cand(f"d{i}", 0, text=t) for i, t in enumerate(texts)]
    vectors = {texts[0]: [1.0, 0.0], texts[1]: [1.0, 0.0], texts[2]: [0.99, 0.05],
               texts[3]: [0.0, 1.0]}
    seen = []

    def vectors_of(batch):
        seen.extend(batch)
        return np.asarray([vectors[t] for t in batch])

    picked, stats = select(candidates, [0.9, 0.8, 0.7, 0.6], 4, vectors=vectors_of)
    assert [candidates[i].text for i in picked] == [texts[0], texts[3]]
    assert (stats.duplicate_text, stats.near_duplicate) == (1, 1)
    picked, _ = select(candidates, [0.9, 0.8, 0.7, 0.6], 4, vectors=vectors_of, dedup_threshold=0.999)
    assert len(picked) == 3  # only the exact duplicate goes
    assert 0.0 < DEDUP_THRESHOLD < 1.0


# -- suggest on a tiny model ----------------------------------------------------------

@pytest.fixture(scope="module")
def scored(tmp_path_factory, tiny_model) -> Path:
    """Results of stance score over three small English articles."""
    root = tmp_path_factory.mktemp("scored")
    (root / "articles").mkdir()
    for name, text in ARTICLES.items():
        (root / "articles" / name).write_text(text, encoding="utf-8")
    out = root / "results.jsonl"
    assert main(["score", str(root / "articles"), "--out", str(out), "--language", "en",
                 "--model", str(tiny_model), "--quiet"]) == 0
    return out


def sentences_of(results: Path) -> list[dict]:
    out = []
    for line in results.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for i, s in enumerate(record["sentences"]):
            out.append({**s, "doc_id": record["doc_id"], "index": i,
                        "before": record["sentences"][i - 1]["text"] if i else ""})
    return out


def labels_with(tmp_path, extra_texts=(), schema=None) -> Path:
    rows = toy_rows()
    for k, text in enumerate(extra_texts):
        rows.append({"id": f"x{k:03d}", "text": text, "lang": "en", "source": "toy",
                     "stance": "neutral", "techniques": [], "origin": "corpus", "split": "train"})
    return write_labels(tmp_path / "labels", rows, schema)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def suggest(results, labels, out, model, *extra) -> int:
    return main(["suggest", str(results), "--labels", str(labels), "--out", str(out), "--model",
                 str(model), "--dedup-threshold", "0.999", *extra])


def test_suggest_picks_uncertain_spread_never_labelled(tmp_path, scored, tiny_model, capsys):
    labelled = "Both sides agreed a prisoners exchange."  # in a1, and labelled already
    labels = labels_with(tmp_path, [labelled.upper()])  # normalised as the checker does
    out = tmp_path / "to_label.jsonl"
    assert suggest(scored, labels, out, tiny_model, "--n", "8", "--per-document", "2") == 0
    assert "suggested 6 sentences from 3 documents" in capsys.readouterr().err
    lines = read_jsonl(out)
    assert len(lines) == 6 and max(Counter(r["source"] for r in lines).values()) <= 2
    texts = {normalise_text(r["text"]) for r in lines}
    assert normalise_text(labelled) not in texts
    assert not texts & {normalise_text(r["text"]) for r in toy_rows()}
    by_key = {(s["doc_id"], s["index"]): s for s in sentences_of(scored)}
    import stance

    thresholds = stance.load(str(tiny_model)).info.thresholds
    ranked = sorted((uncertainty(s["stance_scores"], s["technique_scores"], thresholds), key)
                    for key, s in by_key.items() if normalise_text(s["text"]) != normalise_text(labelled))
    for r in lines:
        s = by_key[(r["source"], r["sentence_index"])]
        assert r["origin"] == "suggested" and r["confirmed"] is False
        assert r["guess"]["stance"] == r["stance"] == s["stance"]
        assert r["guess"]["stance_scores"] == s["stance_scores"]
        assert r["guess"]["uncertainty"] == pytest.approx(
            uncertainty(s["stance_scores"], s["technique_scores"], thresholds), abs=1e-4)
        assert r["context"] == s["before"]
        assert (r["start"], r["end"], r["text"]) == (s["start"], s["end"], s["text"])
        assert r["source_path"].endswith(r["source"]) and r["content_hash"]
    # the most uncertain sentence overall is picked first
    assert (lines[0]["source"], lines[0]["sentence_index"]) == ranked[-1][1]
    # a guess is never a label: the checker refuses the file as it is
    (labels / "data" / "en").mkdir()
    (labels / "data" / "en" / "pending.jsonl").write_text(out.read_text(encoding="utf-8"))
    _, issues = check_labels(labels, require_splits=False)
    assert len(issues) == 6 and all("still the model's guess (\"confirmed\": false)" in str(i)
                                    for i in issues)
    assert "pending.jsonl:1:" in str(issues[0])


def test_suggest_drops_near_duplicates_and_held_out_texts(tmp_path, scored, tiny_model, capsys):
    labels = labels_with(tmp_path)
    held = "Putin met the delegation in Istanbul."
    blocklist = tmp_path / "blocklist.json"
    blocklist.write_text(json.dumps({"url_sha256_16": [], "text_sha256_16": [
        hashlib.sha256(text_key(held).encode()).hexdigest()[:16]]}))
    out = tmp_path / "all.jsonl"
    # Geneva and Vienna are outside the tiny vocabulary: the two sentences read the same
    assert suggest(scored, labels, out, tiny_model, "--n", "50", "--per-document", "10",
                   "--blocklist", str(blocklist)) == 0
    err = capsys.readouterr().err
    assert "1 held out (blocklist)" in err and "1 near-duplicates" in err
    texts = [r["text"] for r in read_jsonl(out)]
    assert held not in texts
    twins = {"The talks in Geneva ended on Friday.", "The talks in Vienna ended on Friday."}
    assert len(twins & set(texts)) == 1
    every = {normalise_text(s["text"]) for s in sentences_of(scored)}
    labelled = {normalise_text(r["text"]) for r in toy_rows()}
    assert len(texts) == len(every - labelled) - 2  # all but the held-out text and one twin


def test_the_dedup_default_is_documented_where_it_is_set():
    from stance.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    helps = [a.help for a in sub.choices["suggest"]._actions if a.dest == "dedup_threshold"]
    assert helps and f"(default: {DEDUP_THRESHOLD})" in helps[0]


def test_building_the_command_line_leaves_the_labelling_package_unloaded():
    import subprocess
    import sys

    code = ("import sys, stance.cli; stance.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith('stance.labelling')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_suggest_never_overwrites_a_labelling_file(tmp_path, scored, tiny_model, capsys):
    labels = labels_with(tmp_path)
    out = tmp_path / "to_label.jsonl"
    out.write_text("work in progress\n")
    assert suggest(scored, labels, out, tiny_model) == 1
    assert "already exists and may hold labelling work" in capsys.readouterr().err
    assert out.read_text() == "work in progress\n"
    assert suggest(scored, labels, out, tiny_model, "--overwrite") == 0
    assert suggest(tmp_path / "nope.jsonl", labels, tmp_path / "o.jsonl", tiny_model) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "language": "en", "sentences": [{"text": "A."}]}\n')
    assert suggest(bad, labels, tmp_path / "o.jsonl", tiny_model) == 1
    assert f"{bad}, line 1: sentences[0]: stance_scores should be" in capsys.readouterr().err


def test_label_studio_task_file_and_config(tmp_path, scored, tiny_model):
    schema = {**SCHEMA, "techniques": {**SCHEMA["techniques"],
                                       "whataboutism": "deflects blame to the other side"}}
    labels = labels_with(tmp_path, schema=schema)
    out = tmp_path / "tasks.json"
    assert suggest(scored, labels, out, tiny_model, "--n", "5", "--format", "label-studio") == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(tasks, list) and len(tasks) == 5
    config = ET.fromstring((tmp_path / "tasks.label-config.xml").read_text(encoding="utf-8"))
    assert config.tag == "View"
    objects = {t.get("name"): t.get("value") for t in config.iter("Text")}
    assert objects == {"text": "$text", "context": "$context"}
    controls = {c.get("name"): c for c in config.iter("Choices")}
    assert controls["stance"].get("choice") == "single" and controls["stance"].get("toName") == "text"
    assert controls["techniques"].get("choice") == "multiple"
    assert [c.get("value") for c in controls["stance"]] == list(schema["stance"])
    assert [c.get("value") for c in controls["techniques"]] == list(schema["techniques"])
    result_ids = set()
    for task in tasks:
        assert {"id", "text", "context", "lang", "source", "sentence_index", "guess"} <= set(task["data"])
        for key, value in task["data"].items():
            assert f"${key}" not in objects.values() or isinstance(value, str)
        [prediction] = task["predictions"]
        assert 0.0 <= prediction["score"] <= 1.0 and prediction["model_version"]
        for item in prediction["result"]:
            assert item["type"] == "choices" and item["to_name"] == "text"
            assert item["from_name"] in controls and item["value"]["choices"]
            assert all(c in schema[{"stance": "stance", "techniques": "techniques"}[item["from_name"]]]
                       for c in item["value"]["choices"])
            assert item["id"] not in result_ids
            result_ids.add(item["id"])
        assert [i["value"]["choices"] for i in prediction["result"] if i["from_name"] == "stance"] \
            == [[task["data"]["guess"]["stance"]]]


def test_label_studio_round_trip(tmp_path, scored, tiny_model, capsys):
    """Our task file, annotated as Label Studio stores it (the prediction accepted on one task,
    changed on another), exports back and imports."""
    labels = labels_with(tmp_path)
    out = tmp_path / "tasks.json"
    assert suggest(scored, labels, out, tiny_model, "--n", "3", "--format", "label-studio") == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    for number, task in enumerate(tasks, start=1):
        result = [dict(item, origin="prediction") for item in task["predictions"][0]["result"]]
        if number == 2:
            result = [{"id": "x", "from_name": "stance", "to_name": "text", "type": "choices",
                       "value": {"choices": ["neutral"]}, "origin": "manual"}]
        task.update(id=number, annotations=[{"id": 100 + number, "completed_by": 1, "result": result,
                                             "was_cancelled": False,
                                             "created_at": "2025-06-02T10:00:00.000Z",
                                             "updated_at": "2025-06-02T10:00:00.000Z"}])
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert main(["import", str(export), "--labels", str(labels)]) == 0, capsys.readouterr().err
    records = {r.id: r for r in read_records(labels)}
    for number, task in enumerate(tasks, start=1):
        r = records[task["data"]["id"]]
        guess = task["data"]["guess"]
        expected = ("neutral", ()) if number == 2 else (guess["stance"], tuple(guess["techniques"]))
        assert (r.stance, r.techniques) == expected
        assert (r.text, r.context, r.annotator) == (task["data"]["text"], task["data"]["context"],
                                                    "label-studio user 1")


# -- import ------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_label_studio_export_imports(tmp_path, capsys):
    labels = labels_with(tmp_path)
    assert main(["import", str(FIXTURE), "--labels", str(labels), "--annotator", "analyst"]) == 0
    assert "imported 4 labelled sentence(s)" in capsys.readouterr().err
    records = {r.id: r for r in read_records(labels)}
    en, ru, uk = (records[i] for i in ("s-en-3f1c2a9b0d11", "s-ru-7a0e44c1b9d2", "s-uk-c25b8e0f7a16"))
    assert (en.stance, en.techniques) == ("pro_kyiv", ("ultimatum_framing",))
    assert (ru.stance, ru.techniques) == ("pro_moscow", ("loaded_language",))
    assert (uk.stance, uk.techniques) == ("pro_kyiv", ("appeal_to_history", "ultimatum_framing"))
    assert records["s-en-90d7f3a2e4c8"].techniques == ()
    assert en.annotator == "analyst" and ru.annotator == "olena@example.org"
    assert uk.labelled_at == "2025-06-02T09:33:40.900000Z"  # the submitted annotation, not the skipped one
    assert en.context == "Talks in Istanbul ended after two hours." and en.sentence_index == 4
    assert en.file.endswith("data/en/imported.jsonl") and uk.file.endswith("data/uk/imported.jsonl")
    assert all(r.origin == "suggested" and r.split in ("train", "dev", "test")
               for r in (en, ru, uk))
    stored = read_jsonl(labels / "data" / "ru" / "imported.jsonl")[0]
    assert stored["confirmed"] is True and stored["guess"]["stance"] == "pro_moscow"
    assert main(["check", "--labels", str(labels)]) == 0
    table = capsys.readouterr().out
    assert "origin suggested" in table and "source wire-0412" not in table


def test_splits_follow_the_stable_rule(tmp_path):
    from stance.labelset import assign_splits
    from stance.schema import LabelSchema

    labels = labels_with(tmp_path)
    assert main(["import", str(FIXTURE), "--labels", str(labels)]) == 0
    records = read_records(labels)
    imported = [r for r in records if r.origin == "suggested"]
    unsplit = [r.__class__(**{**r.__dict__, "split": None}) if r.origin == "suggested" else r
               for r in records]
    assert assign_splits(unsplit, LabelSchema.load(labels)) == {r.id: r.split for r in imported}


def test_suggest_import_retrain_end_to_end(tmp_path, scored, tiny_model, tiny_base, capsys):
    from stance_training.config import TrainConfig
    from stance_training.data import load_splits
    from stance_training.train import train

    import stance

    labels = labels_with(tmp_path)
    out = tmp_path / "to_label.jsonl"
    assert suggest(scored, labels, out, tiny_model, "--n", "4") == 0
    lines = read_jsonl(out)
    lines[0]["stance"] = "pro_moscow" if lines[0]["stance"] != "pro_moscow" else "neutral"
    lines[1]["techniques"] = ["loaded_language"]
    for line in lines:
        line["confirmed"] = True  # what the annotator does after checking each line
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    assert main(["import", str(out), "--labels", str(labels), "--annotator", "tester"]) == 0
    records = {r.id: r for r in read_records(labels)}
    for line in lines:
        r = records[line["id"]]
        assert (r.stance, list(r.techniques), r.annotator) == (line["stance"], line["techniques"], "tester")
        assert r.labelled_at and r.split
    # training reads each imported sentence with the sentence before it in its article
    from stance.context import ContextWindow

    _, splits = load_splits(labels, window=ContextWindow())
    rows = {row["id"]: row for ds in splits.values() for row in ds}
    assert all(rows[line["id"]]["context"] == line["context"] for line in lines)
    model = train(TrainConfig(labels=str(labels), out=str(tmp_path / "model"), base_model=str(tiny_base),
                              epochs=1, batch_size=8, max_length=32, baselines=False))
    assert stance.load(str(model)).predict("The talks lasted two hours.").stance in SCHEMA["stance"]
    # importing the same file again is refused: every id is already there
    assert main(["import", str(out), "--labels", str(labels)]) == 1
    assert "duplicate id" in capsys.readouterr().err


def _ls_task(tmp_path, change) -> Path:
    tasks = json.loads(FIXTURE.read_text(encoding="utf-8"))
    change(tasks)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _jsonl(tmp_path, rows, raw_lines=()) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
                    + "".join(line + "\n" for line in raw_lines), encoding="utf-8")
    return path


def _good(i=1, **kw):
    row = {"id": f"s-en-{i:012d}", "text": f"The delegation met in Istanbul on day {i}.", "lang": "en",
           "source": "doc-1", "stance": "neutral", "techniques": [], "origin": "suggested",
           "confirmed": True, "context": "", "sentence_index": i}
    row.update(kw)
    return row


def _unannotated(tasks):
    tasks[1]["annotations"] = []


def _unknown_ls_stance(tasks):
    tasks[0]["annotations"][0]["result"][0]["value"]["choices"] = ["pro_kiev"]


BAD_FILES = {
    "malformed JSON": (lambda tmp: _jsonl(tmp, [_good(1)], ['{"id": "s-en-2", "text": ']),
                       "labelled.jsonl:2: malformed JSON"),
    "malformed Label Studio export": (lambda tmp: (tmp / "export.json").write_text("[{\"id\": 1,\n")
                                      and tmp / "export.json", "export.json:2: malformed JSON"),
    "unknown stance": (lambda tmp: _jsonl(tmp, [_good(1), _good(2, stance="pro_kiev")]),
                       "labelled.jsonl:2: unknown stance 'pro_kiev'; valid choices: pro_kyiv"),
    "unknown stance in Label Studio": (lambda tmp: _ls_task(tmp, _unknown_ls_stance),
                                       "export.json:2: unknown stance 'pro_kiev'"),
    "unconfirmed guess": (lambda tmp: _jsonl(tmp, [_good(1), _good(2, confirmed=False,
                                                                  guess={"stance": "neutral",
                                                                         "techniques": []})]),
                          "labelled.jsonl:2: 's-en-000000000002' is still the model's guess"),
    "guess never confirmed": (lambda tmp: _jsonl(tmp, [{k: v for k, v in _good(1).items()
                                                        if k != "confirmed"}]),
                              "labelled.jsonl:1: 's-en-000000000001' was suggested by the model "
                              "and nobody has confirmed it"),
    "task with no human annotation": (lambda tmp: _ls_task(tmp, _unannotated),
                                      "has no human annotation, only the model's guess"),
    "duplicate id in the file": (lambda tmp: _jsonl(tmp, [_good(1), _good(1, text="Another one.")]),
                                 "labelled.jsonl:2: duplicate id 's-en-000000000001' (first used at"),
    "duplicate id of a label": (lambda tmp: _jsonl(tmp, [_good(1, id="t003")]),
                                "labelled.jsonl:1: duplicate id 't003' (first used at"),
    "already labelled": (lambda tmp: _jsonl(tmp, [_good(1, text=toy_rows()[0]["text"])]),
                         "labelled.jsonl:1: this text is already labelled as 't000'"),
    "split given": (lambda tmp: _jsonl(tmp, [_good(1, split="test")]),
                    "labelled.jsonl:1: remove 'split' ('test')"),
    "bad provenance": (lambda tmp: _jsonl(tmp, [_good(1, labelled_at="yesterday")]),
                       "labelled.jsonl:1: 'labelled_at' must be an ISO 8601 date"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_import_files_are_refused_and_change_nothing(tmp_path, case, capsys):
    labels = labels_with(tmp_path)
    before = snapshot(labels)
    make, expected = BAD_FILES[case]
    path = make(tmp_path)
    assert main(["import", str(path), "--labels", str(labels)]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert "nothing was written" in err
    assert snapshot(labels) == before


def test_blocklisted_text_is_refused(tmp_path, capsys):
    labels = labels_with(tmp_path)
    before = snapshot(labels)
    held = "Held-out text from the evaluation pages."
    blocklist = tmp_path / "blocklist.json"
    blocklist.write_text(json.dumps({"url_sha256_16": [], "text_sha256_16": [
        hashlib.sha256(text_key(held).encode()).hexdigest()[:16]]}))
    path = _jsonl(tmp_path, [_good(1), _good(2, text=held)])
    assert main(["import", str(path), "--labels", str(labels), "--blocklist", str(blocklist)]) == 1
    err = capsys.readouterr().err
    assert "labelled.jsonl:2: 's-en-000000000002' has the text of a held-out sentence" in err
    assert snapshot(labels) == before


def test_skip_unconfirmed_leaves_guesses_out(tmp_path, capsys):
    labels = labels_with(tmp_path)
    path = _jsonl(tmp_path, [_good(1), _good(2, confirmed=False, guess={"stance": "neutral",
                                                                       "techniques": []})])
    assert main(["import", str(path), "--labels", str(labels), "--skip-unconfirmed"]) == 0
    assert "left out 1 item(s) nobody has confirmed" in capsys.readouterr().err
    ids = {r.id for r in read_records(labels)}
    assert "s-en-000000000001" in ids and "s-en-000000000002" not in ids
    export = _ls_task(tmp_path, _unannotated)
    assert main(["import", str(export), "--labels", str(labels), "--skip-unconfirmed"]) == 0
    assert "s-ru-7a0e44c1b9d2" not in {r.id for r in read_records(labels)}


def test_labels_that_already_fail_are_not_imported_into(tmp_path, capsys):
    rows = toy_rows()
    rows[0]["stance"] = "pro_kiev"
    labels = write_labels(tmp_path / "labels", rows)
    before = snapshot(labels)
    assert main(["import", str(_jsonl(tmp_path, [_good(1)])), "--labels", str(labels)]) == 1
    assert "fail the check already" in capsys.readouterr().err
    assert snapshot(labels) == before


# -- the simulation script ---------------------------------------------------------------

def modelled_labels(tmp_path) -> Path:
    """12 outlets x 2 excerpts x 5 sentences, modelled, in three languages."""
    rows = []
    for o in range(12):
        for e in range(2):
            excerpt = f"x{o:02d}-{e}"
            for position in range(1, 6):
                text, stance, techniques = TOY[(o + e + position) % len(TOY)]
                rows.append({"id": f"m-{excerpt}-{position:02d}", "text": f"{text[:-1]} {o} {e} {position}.",
                             "lang": ("en", "ru", "uk")[o % 3], "source": excerpt, "stance": stance,
                             "techniques": techniques, "origin": "modelled",
                             "url": f"https://example.org/{excerpt}", "outlet": f"Outlet {o}",
                             "excerpt": excerpt, "position": position,
                             "split": "dev" if e == 1 and o % 2 == 0 else "train"})
    return write_labels(tmp_path / "modelled-labels", rows)


def test_labelling_loop_simulation_runs_end_to_end(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("labelling_loop",
                                                  REPO / "benchmarks" / "labelling_loop.py")
    loop = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loop)
    out = tmp_path / "loop"
    labels = modelled_labels(tmp_path)
    assert loop.main(["--smoke", "--labels", str(labels), "--out", str(out), "--start", "20",
                      "--per-round", "10", "--folds", "3", "--max-eval", "0"]) == 0
    report = json.loads((out / "labelling_loop.json").read_text())
    assert {p["strategy"] for p in report["points"]} == {"random", "suggest"}
    assert {p["labels_added"] for p in report["points"]} == {0, 10, 20}
    suggest_points = [p for p in report["points"] if p["strategy"] == "suggest"]
    assert all(sum(p["languages_added"].values()) == p["labels_added"] for p in suggest_points)
    assert (out / "labelling_loop.md").read_text().count("\n| ") == 4  # the header and 3 rows
    plots = list(out.glob("labelling_loop.*"))
    assert {p.suffix for p in plots} >= {".json", ".md"} and {p.suffix for p in plots} & {".svg", ".png"}
    if (out / "labelling_loop.svg").exists():
        ET.fromstring((out / "labelling_loop.svg").read_text())
