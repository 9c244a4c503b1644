"""The batch scorer: inputs of every kind, bad documents, resume after a kill, exports."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

import stance
from stance.cli import main
from stance.scoring import ScoreOptions, score_inputs


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model)


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Talks in Istanbul\nThe talks lasted two hours. Putin said.\n")
    (folder / "sub" / "b.md").write_text("# Peace\n\nThe Kiev regime sabotaged the talks.\n")
    (folder / "c.html").write_text(
        "<html><body><nav>Home News Sport</nav><article><h1>Exchange</h1><p>Both sides agreed "
        "to exchange 1,000 prisoners of war each after the talks in Istanbul on Friday, the "
        "delegation said.</p><p>The meeting lasted almost two hours and ended without a "
        "ceasefire.</p></article></body></html>")
    (folder / "d.jsonl").write_text(
        json.dumps({"uid": "x1", "body": "Russia is a terrorist state."}) + "\n"
        + "{not json\n" + json.dumps({"uid": "x2", "body": "The talks lasted two hours."}) + "\n")
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "latin1.txt").write_bytes("Caf\xe9 talks".encode("latin-1"))
    (folder / "empty.txt").write_text("   \n")
    (folder / "furniture.txt").write_text("Skip to main content\nAdvertisement\n")
    return folder


def run(model, inputs, out, **kw):
    options = ScoreOptions(out=str(out), progress=False, **kw)
    options.inputs = type(options.inputs)(id_field="uid", text_field="body")
    return score_inputs(model, [str(inputs)], options)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_scores_every_kind_and_records_bad_documents(model, inputs, tmp_path):
    out = tmp_path / "results.jsonl"
    summary = run(model, inputs, out)
    records = read_jsonl(out)
    ids = [r["doc_id"] for r in records]
    assert ids == [str(inputs / "a.txt"), str(inputs / "c.html"), "x1", "x2", str(inputs / "sub" / "b.md")]
    first = records[0]
    assert first["model"] == {"name": model.name, "version": model.version,
                              "context": model.context_window.to_dict()}
    assert len(first["content_hash"]) == 16 and first["source"] == str(inputs / "a.txt")
    assert [s["text"] for s in first["sentences"]] == ["Talks in Istanbul", "The talks lasted two hours.",
                                                       "Putin said."]
    html = records[1]
    assert any("prisoners of war" in s["text"] for s in html["sentences"])
    assert not any("Sport" in s["text"] for s in html["sentences"])
    errors = {json.loads(l)["source"].split("/")[-1]: json.loads(l)["reason"]
              for l in (tmp_path / "results.errors.jsonl").read_text().splitlines()}
    assert "binary file" in errors["bin.txt"]
    assert "not valid UTF-8" in errors["latin1.txt"]
    assert errors["empty.txt"] == "empty document"
    assert "only page furniture" in errors["furniture.txt"]
    assert "malformed JSON" in errors["d.jsonl:2"]
    assert (summary.scored, summary.failed, summary.skipped) == (5, 5, 0)
    assert summary.sentences == sum(r["n_sentences"] for r in records)


def test_rerun_skips_done_documents(model, inputs, tmp_path):
    out = tmp_path / "results.jsonl"
    run(model, inputs, out)
    again = run(model, inputs, out)
    assert (again.scored, again.skipped) == (0, 5)
    assert len(read_jsonl(out)) == 5


def test_changed_document_is_scored_again(model, inputs, tmp_path):
    out = tmp_path / "results.jsonl"
    run(model, inputs, out)
    (inputs / "a.txt").write_text("The talks lasted two hours.\n")
    again = run(model, inputs, out)
    assert again.scored == 1
    hashes = [r["content_hash"] for r in read_jsonl(out) if r["doc_id"].endswith("a.txt")]
    assert len(set(hashes)) == 2


def test_resume_after_kill_mid_write_loses_nothing_and_duplicates_nothing(model, inputs, tmp_path):
    out = tmp_path / "results.jsonl"
    run(model, inputs, out)
    complete = out.read_bytes()
    lines = complete.splitlines(keepends=True)
    # A kill while writing the fourth record: three whole lines and half of the fourth.
    out.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    summary = run(model, inputs, out)
    assert summary.skipped == 3 and summary.scored == 2
    records = read_jsonl(out)
    assert sorted(r["doc_id"] for r in records) == sorted(json.loads(l)["doc_id"] for l in lines)
    assert len({(r["doc_id"], r["content_hash"]) for r in records}) == len(records) == 5


def test_kill_with_sigkill_then_resume(tiny_model, inputs, tmp_path):
    """A real process killed mid-run; the rerun completes the file without duplicates."""
    out = tmp_path / "killed.jsonl"
    many = tmp_path / "many"
    many.mkdir()
    for i in range(40):
        (many / f"doc{i:02d}.txt").write_text(f"The talks lasted two hours. Story {i}.\n")
    script = (
        "import os, signal, stance\n"
        "from stance.scoring import ScoreOptions, score_inputs\n"
        "import stance.scoring.output as output\n"
        "real = output.ResultLog.append\n"
        "count = [0]\n"
        "def append(self, record):\n"
        "    real(self, record)\n"
        "    count[0] += 1\n"
        "    if count[0] == 7:\n"
        "        self._handle.write('{\"doc_id\": \"half')\n"
        "        self._handle.flush()\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "output.ResultLog.append = append\n"
        f"score_inputs(stance.load({str(tiny_model)!r}), [{str(many)!r}], "
        f"ScoreOptions(out={str(out)!r}, progress=False, batch_sentences=4))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -9
    assert out.read_text().endswith('{"doc_id": "half')
    summary = score_inputs(stance.load(tiny_model), [str(many)],
                           ScoreOptions(out=str(out), progress=False))
    assert summary.skipped == 7 and summary.scored == 33
    ids = [r["doc_id"] for r in read_jsonl(out)]
    assert len(ids) == len(set(ids)) == 40


def test_csv_export_one_row_per_sentence(model, inputs, tmp_path):
    out = tmp_path / "results.csv"
    run(model, inputs, out, format="csv")
    rows = list(csv.DictReader(out.open()))
    records = read_jsonl(tmp_path / "results.csv.progress.jsonl")
    assert len(rows) == sum(r["n_sentences"] for r in records)
    assert {"doc_id", "text", "stance", "content_hash", "model_version"} <= set(rows[0])
    assert all(f"p_{n}" in rows[0] for n in model.stance_labels + model.technique_labels)


def test_parquet_export_in_batches_matches_csv(model, inputs, tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    from stance.scoring import output

    run(model, inputs, tmp_path / "r.csv", format="csv")
    monkeypatch.setattr(output, "PARQUET_BATCH_ROWS", 2)  # several row groups from a few documents
    log = output.ResultLog(tmp_path / "r.csv.progress.jsonl")
    count = output.export_parquet(log, tmp_path / "r.parquet")
    table = pq.read_table(tmp_path / "r.parquet")
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert count == table.num_rows == len(rows) > 2
    assert pq.ParquetFile(tmp_path / "r.parquet").num_row_groups > 1
    assert table.column_names == list(rows[0])
    assert table.column("text").to_pylist() == [r["text"] for r in rows]


def test_export_that_fails_midway_keeps_the_previous_file(tmp_path):
    from stance.scoring import output

    class BrokenLog:
        def records(self):
            yield {"doc_id": "a", "source": "a", "content_hash": "h", "language": "en",
                   "model": {"name": "m", "version": "1"},
                   "sentences": [{"start": 0, "end": 1, "text": "x", "stance": "neutral",
                                  "stance_scores": {}, "technique_scores": {}, "techniques": [],
                                  "truncated": False}]}
            raise OSError("disk gone")

    out = tmp_path / "results.csv"
    out.write_text("previous results\n")
    with pytest.raises(OSError, match="disk gone"):
        output.export_csv(BrokenLog(), out)
    assert out.read_text() == "previous results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_cli_exit_codes(tiny_model, inputs, tmp_path, capsys):
    assert main(["score", str(inputs), "--out", str(tmp_path / "r.jsonl"), "--model",
                 str(tiny_model), "--quiet", "--id-field", "uid", "--text-field", "body"]) == 0
    err = capsys.readouterr().err
    assert "5 documents scored" in err and "5 failed" in err
    assert main(["score", str(inputs / "bin.txt"), "--out", str(tmp_path / "s.jsonl"), "--model",
                 str(tiny_model), "--quiet"]) == 1
    assert "nothing could be scored" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing"), "--out", str(tmp_path / "t.jsonl"),
                 "--model", str(tiny_model)]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["score"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--model", str(tiny_model), "--threshold", "loaded_language", "x"])
    assert exit_info.value.code == 2
    assert "--threshold takes NAME=VALUE" in capsys.readouterr().err


def test_cli_predict_json(tiny_model, capsys):
    assert main(["predict", "--json", "--model", str(tiny_model), "The talks lasted two hours."]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == "The talks lasted two hours." and "stance_scores" in data


def test_stdin_input(tiny_model, tmp_path, monkeypatch):
    import io

    fake = io.TextIOWrapper(io.BytesIO(b"The talks lasted two hours. Russia is a terrorist state.\n"))
    monkeypatch.setattr(sys, "stdin", fake)
    out = tmp_path / "stdin.jsonl"
    assert main(["score", "-", "--out", str(out), "--model", str(tiny_model), "--quiet"]) == 0
    [record] = read_jsonl(out)
    assert record["doc_id"] == "<stdin>" and record["n_sentences"] == 2


def test_scorer_reads_sentences_as_score_article_does_or_alone(model, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = "The talks lasted two hours. Russia is a terrorist state. Both sides agreed a prisoners exchange."
    (folder / "a.txt").write_text(text)
    run(model, folder, tmp_path / "with.jsonl", language="en")
    run(model, folder, tmp_path / "alone.jsonl", language="en", context=False)
    with_context, alone = read_jsonl(tmp_path / "with.jsonl")[0], read_jsonl(tmp_path / "alone.jsonl")[0]
    expected = model.score_article(text, lang="en").to_dict()["sentences"]
    assert [s["stance_scores"] for s in with_context["sentences"]] == [s["stance_scores"] for s in expected]
    plain = model.predict([s["text"] for s in expected])
    assert [s["stance_scores"] for s in alone["sentences"]] == [dict(p.stance_scores) for p in plain]
    assert alone["model"]["context"] is None
