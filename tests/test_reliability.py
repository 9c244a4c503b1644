"""Nothing a user feeds in stops a run or loses a line: damaged model folders, names that
are not folders, damaged outputs, read-only and full disks, reruns with other settings."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat

import pytest

import stance
from stance.cli import main
from stance.locate import ModelNotFoundError
from stance.model_folder import ModelFolderError
from stance.scoring import ScoreOptions, score_inputs
from stance.scoring.documents import count_documents
from stance.scoring.runner import OutputError, SettingsMismatchError


@pytest.fixture()
def damaged(tiny_model, tmp_path):
    """A fresh copy of the tiny model to damage."""
    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    return folder


def _edit_info(folder, **changes):
    data = json.loads((folder / "stance.json").read_text())
    data.update(changes)
    (folder / "stance.json").write_text(json.dumps(data))


# -- damaged model folders: one error naming the file, what was found and the fix -------------

@pytest.mark.parametrize("cut", ["half", "empty", "header"])
def test_damaged_weights_name_the_file(damaged, cut):
    weights = damaged / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes({"half": data[: len(data) // 2], "empty": b"", "header": data[:300]}[cut])
    with pytest.raises(ModelFolderError, match=r"model\.safetensors: damaged or incomplete weights "
                       r"file .*rebuild it with `stance train"):
        stance.load(damaged)


def test_garbage_tokenizer(damaged):
    (damaged / "tokenizer.json").write_text('{"version": "1.0", "model": ')
    with pytest.raises(ModelFolderError, match=r"tokenizer\.json: not a readable tokenizer .*rebuild"):
        stance.load(damaged)


def test_info_that_is_a_list(damaged):
    (damaged / "stance.json").write_text("[1, 2, 3]")
    with pytest.raises(ModelFolderError, match=r"stance\.json: expected a JSON object, found list"):
        stance.load(damaged)


def test_label_count_that_does_not_match_the_weights(damaged):
    data = json.loads((damaged / "stance.json").read_text())
    data["technique_labels"].append("whataboutism")
    data["thresholds"]["whataboutism"] = 0.5
    (damaged / "stance.json").write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match=r"technique_head\.weight has shape \[3, 32\], but "
                       r"stance\.json names 3 stance classes and 4 techniques"):
        stance.load(damaged)


@pytest.mark.parametrize("value", [0, -1.0, "1.5", None, float("inf")])
def test_temperature_must_be_positive(damaged, value):
    _edit_info(damaged, temperature=value)
    with pytest.raises(ModelFolderError, match="temperature must be a number > 0"):
        stance.load(damaged)


@pytest.mark.parametrize("value", [["onnx-int8"], "within"])
def test_fast_paths_must_be_an_object(damaged, value):
    _edit_info(damaged, fast_paths=value)
    with pytest.raises(ModelFolderError, match=r"'fast_paths' must be an object, found (list|str); rebuild"):
        stance.load(damaged)


@pytest.mark.parametrize("value", ["0.5", 1.5, -0.1, True])
def test_threshold_must_be_a_number_in_range(damaged, value):
    data = json.loads((damaged / "stance.json").read_text())
    name = data["technique_labels"][0]
    data["thresholds"][name] = value
    (damaged / "stance.json").write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match=f"threshold for '{name}' must be a number within"):
        stance.load(damaged)


@pytest.mark.parametrize("missing", ["config.json", "tokenizer.json", "model.safetensors"])
def test_missing_file(damaged, missing):
    (damaged / missing).unlink()
    with pytest.raises(ModelFolderError, match=f"has no {missing}; rebuild it"):
        stance.load(damaged)


def test_broken_config(damaged):
    (damaged / "config.json").write_text('{"hidden_size": "big"}')
    with pytest.raises(ModelFolderError, match=r"config\.json: 'hidden_size' must be a positive integer"):
        stance.load(damaged)


def test_cli_reports_a_damaged_model_in_one_line(damaged, capsys):
    (damaged / "model.safetensors").write_bytes(b"")
    assert main(["predict", "--model", str(damaged), "The talks."]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "model.safetensors" in err[0]


# -- names that are not folders ---------------------------------------------------------------

def test_missing_relative_folder_is_not_sent_to_the_hub(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as err:
        stance.load("models/default")
    message = str(err.value)
    assert "\n" not in message and str(tmp_path / "models" / "default") in message
    assert "needs the network" in message
    (tmp_path / "models").mkdir()  # now "models/" is a folder here: it is a path, not a Hub id
    with pytest.raises(ModelNotFoundError, match="model folder not found: models/default"):
        stance.load("models/default")
    with pytest.raises(ModelNotFoundError, match="model folder not found: ./x/y"):
        stance.load("./x/y")


def test_offline_hub_id_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["predict", "--model", "someone/some-model", "The talks."]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs the network" in err[0]


# -- outputs ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model)


def _docs(folder, n=6, prefix="doc"):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}{i}.txt").write_text(f"The talks lasted {i} hours. Russia is a terrorist state.")
    return folder


def _score(model, inputs, out, **kw):
    return score_inputs(model, [str(inputs)], ScoreOptions(out=str(out), progress=False, language="en", **kw))


def test_corrupt_middle_line_keeps_every_good_record(model, tmp_path, capsys):
    inputs = _docs(tmp_path / "in", 200)
    out = tmp_path / "r.jsonl"
    _score(model, inputs, out)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 200
    lines[49] = lines[49][:40] + "\x00garbage\n"  # line 50 of 200 unreadable
    out.write_text("".join(lines), encoding="utf-8")
    good = [json.loads(line)["doc_id"] for i, line in enumerate(lines) if i != 49]
    summary = _score(model, inputs, out)
    assert summary.scored == 1 and summary.skipped == 199  # only the damaged record is redone
    kept = [json.loads(line)["doc_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert kept[:199] == good and len(kept) == 200 and len(set(kept)) == 200
    [moved] = [json.loads(line) for line in (tmp_path / "r.jsonl.unreadable.jsonl").read_text().splitlines()]
    assert moved["line"] == 50 and "garbage" in moved["text"]
    assert "moved 1 unreadable line(s)" in capsys.readouterr().err


def test_incomplete_last_line_is_trimmed_only(model, tmp_path):
    inputs = _docs(tmp_path / "in", 4)
    out = tmp_path / "r.jsonl"
    _score(model, inputs, out)
    text = out.read_text(encoding="utf-8")
    out.write_text(text + text.splitlines()[0][:30], encoding="utf-8")
    summary = _score(model, inputs, out)
    assert summary.skipped == 4 and summary.scored == 0
    assert out.read_text(encoding="utf-8") == text
    assert not (tmp_path / "r.jsonl.unreadable.jsonl").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_fails_before_the_model_loads(tiny_model, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert main(["score", str(_docs(tmp_path / "in", 1)), "--out", str(locked / "r.jsonl"),
                     "--model", str(tmp_path / "no-model"), "--quiet"]) == 1
    finally:
        locked.chmod(stat.S_IRWXU)
    err = capsys.readouterr().err
    assert "cannot write results to" in err and "Traceback" not in err


def test_output_in_place_of_a_folder_fails_before_the_model_loads(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["score", str(_docs(tmp_path / "in", 1)), "--out", str(tmp_path / "file" / "r.jsonl"),
                 "--model", str(tmp_path / "no-model"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot write results to" in err and "model" not in err.split("cannot write")[0]


def test_full_disk_mid_run_ends_in_one_line_and_resumes(tiny_model, tmp_path, monkeypatch, capsys):
    from stance.scoring import output

    inputs = _docs(tmp_path / "in", 30)
    out = tmp_path / "r.jsonl"
    real = output.ResultLog.append
    calls = {"n": 0}

    def append(self, record):
        calls["n"] += 1
        if calls["n"] == 12:
            self._handle.write('{"doc_id": "half')  # a write cut short by ENOSPC
            self._handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, record)

    monkeypatch.setattr(output.ResultLog, "append", append)
    args = ["score", str(inputs), "--out", str(out), "--model", str(tiny_model), "--quiet",
            "--language", "en"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "resumes" in err[0]
    monkeypatch.setattr(output.ResultLog, "append", real)
    assert main(args) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["doc_id"] for r in records) == sorted(str(p) for p in inputs.iterdir())


def test_rerun_with_other_settings_is_refused_unless_forced(model, tiny_model, tmp_path, capsys):
    inputs = _docs(tmp_path / "in", 2)
    out = tmp_path / "r.jsonl"
    _score(model, inputs, out)
    with pytest.raises(SettingsMismatchError, match="sentences read alone.*--force"):
        _score(model, _docs(tmp_path / "in", 3), out, context=False)
    base = ["score", str(inputs), "--out", str(out), "--model", str(tiny_model), "--quiet", "--no-context"]
    assert main(base) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main(base + ["--force"]) == 0


def test_errors_file_is_not_repeated_on_rerun_and_drops_fixed_documents(model, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bad.txt").write_bytes(b"\x00\x01binary")
    (inputs / "empty.txt").write_text("  ")
    (inputs / "good.txt").write_text("The talks lasted two hours.")
    out = tmp_path / "r.jsonl"
    for _ in range(3):
        _score(model, inputs, out)
    errors = (tmp_path / "r.errors.jsonl").read_text().splitlines()
    assert len(errors) == 2
    (inputs / "empty.txt").write_text("Now it has a sentence.")
    _score(model, inputs, out)
    [left] = [json.loads(line) for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    assert left["source"].endswith("bad.txt")


def test_duplicate_ids_are_reported_not_scored_twice(model, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "text": f"The talks lasted {n} hours."}) + "\n"
                            for n, i in enumerate(["a", "b", "a", "c", "b"])))
    out = tmp_path / "r.jsonl"
    summary = _score(model, feed, out)
    assert (summary.scored, summary.duplicates, summary.failed) == (3, 2, 2)
    assert [json.loads(line)["doc_id"] for line in out.read_text().splitlines()] == ["a", "b", "c"]
    reasons = [json.loads(line)["reason"] for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    assert all("duplicate document id" in r for r in reasons) and len(reasons) == 2


def test_progress_total_is_known_for_files(tmp_path):
    inputs = _docs(tmp_path / "in", 3)
    (inputs / "feed.jsonl").write_text('{"id": 1, "text": "a"}\n\n{"id": 2, "text": "b"}\n')
    assert count_documents([str(inputs)]) == 5
    assert count_documents(["-"]) is None


def test_cli_refuses_bad_predict_input_without_a_traceback(tiny_model, capsys):
    assert main(["predict", "--model", str(tiny_model), ""]) == 2
    assert "empty or whitespace only" in capsys.readouterr().err
    assert main(["predict", "--model", str(tiny_model), "--threshold", "nope=0.3", "x"]) == 2
    err = capsys.readouterr().err
    assert "unknown technique 'nope'" in err and "Traceback" not in err


def test_unknown_threshold_fails_before_scoring(tiny_model, tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["score", str(_docs(tmp_path / "in", 2)), "--out", str(out), "--model",
                 str(tiny_model), "--threshold", "nope=0.5", "--quiet"]) == 2
    assert "unknown technique 'nope'" in capsys.readouterr().err and not out.exists()


def test_model_folder_gets_normal_permissions(tiny_model):
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(tiny_model.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((tiny_model / "model.safetensors").stat().st_mode) == 0o666 & ~mask


def test_help_and_version_start_fast():
    import subprocess
    import sys

    code = ("import sys, stance.cli\n"
            "try:\n    stance.cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'transformers', 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
