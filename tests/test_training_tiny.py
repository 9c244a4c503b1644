"""Training end to end on a tiny in-process model: save, load, predict, schema growth, refusals."""

from __future__ import annotations

import json

import pytest

import stance
from stance.labelset import LabelCheckError
from stance_training.config import TrainConfig
from stance_training.cli import main as train_main
from stance_training.train import train

from conftest import SCHEMA, toy_rows, write_labels


def test_trained_folder_holds_everything(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"model.safetensors", "config.json", "stance.json", "README.md", "tokenizer.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    info = json.loads((tiny_model / "stance.json").read_text())
    assert info["stance_labels"] == list(SCHEMA["stance"])
    assert set(info["thresholds"]) == set(SCHEMA["techniques"])
    assert info["temperature"] > 0
    assert len(info["training"]["data_hash"]) == 64
    assert "test" in info["metrics"] and "all" in info["metrics"]["test"]
    card = (tiny_model / "README.md").read_text()
    assert "Test-split results" in card and "Known limits" in card


def test_load_and_predict(tiny_model):
    model = stance.load(tiny_model)
    p = model.predict("The talks lasted two hours.")
    assert p.stance in SCHEMA["stance"]
    assert abs(sum(p.stance_scores.values()) - 1) < 1e-4
    assert set(p.technique_scores) == set(SCHEMA["techniques"])


def test_fourth_technique_flows_through_without_code_change(tmp_path, tiny_base):
    schema = json.loads(json.dumps(SCHEMA))
    schema["techniques"]["whataboutism"] = "deflecting by pointing at the other side"
    rows = toy_rows()
    for row in rows[::4]:
        row["techniques"] = row["techniques"] + ["whataboutism"]
    labels = write_labels(tmp_path / "labels", rows, schema)
    out = tmp_path / "model4"
    train(TrainConfig(labels=str(labels), out=str(out), base_model=str(tiny_base), epochs=1,
                      batch_size=8, max_length=32, baselines=False))
    model = stance.load(out)
    assert model.technique_labels[-1] == "whataboutism"
    p = model.predict("The talks lasted two hours.")
    assert "whataboutism" in p.technique_scores
    article = model.score_article("The talks lasted two hours. Russia is a terrorist state.", lang="en")
    assert "whataboutism" in article.technique_counts


def test_existing_model_is_not_overwritten_without_flag(tiny_model, toy_labels):
    with pytest.raises(ValueError, match="already exists; pass --overwrite"):
        TrainConfig(labels=str(toy_labels), out=str(tiny_model))


def test_bad_labels_stop_training_with_the_check_message(tmp_path, tiny_base, capsys):
    rows = toy_rows()
    rows[3]["stance"] = "pro_kiev"
    labels = write_labels(tmp_path / "labels", rows)
    with pytest.raises(LabelCheckError, match="unknown stance 'pro_kiev'; valid choices: pro_kyiv"):
        train(TrainConfig(labels=str(labels), out=str(tmp_path / "m"), base_model=str(tiny_base)))
    assert not (tmp_path / "m").exists()
    code = train_main(["--labels", str(labels), "--out", str(tmp_path / "m"),
                       "--base-model", str(tiny_base)])
    assert code == 1
    err = capsys.readouterr().err
    assert "training refused" in err and "toy.jsonl:4: unknown stance 'pro_kiev'" in err


def test_interrupted_run_leaves_earlier_model_intact(tmp_path, tiny_base, tiny_model, monkeypatch):
    import shutil

    import stance_training.train as train_module

    out = tmp_path / "model"
    shutil.copytree(tiny_model, out)
    before = (out / "model.safetensors").read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "render_model_card", boom)
    labels = write_labels(tmp_path / "labels", toy_rows())
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(labels=str(labels), out=str(out), base_model=str(tiny_base), epochs=1,
                          batch_size=8, max_length=32, baselines=False, overwrite=True))
    assert (out / "model.safetensors").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_num_layers_keeps_the_first_layers_and_never_adds_any(tmp_path, tiny_base):
    labels = write_labels(tmp_path / "labels", toy_rows())
    for layers, expected in ((1, 1), (6, 2)):
        out = tmp_path / f"m{layers}"
        train(TrainConfig(labels=str(labels), out=str(out), base_model=str(tiny_base), epochs=1,
                          batch_size=8, max_length=32, baselines=False, num_layers=layers))
        assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == expected


def test_label_smoothing_changes_the_stance_loss():
    """The trainer sets ``label_smoothing`` on the network; the stance loss follows it."""
    import torch
    from transformers import BertConfig

    from stance.network import StanceNetwork

    torch.manual_seed(0)
    config = BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16)
    network = StanceNetwork.from_encoder_config(config, 3, 2).eval()
    batch = dict(input_ids=torch.tensor([[2, 5, 7, 3]]), attention_mask=torch.ones(1, 4, dtype=torch.long),
                 pool_mask=torch.ones(1, 4, dtype=torch.long), stance_labels=torch.tensor([1]),
                 technique_labels=torch.tensor([[0, 1]]))
    assert network.label_smoothing == 0.0
    plain = float(network(**batch)["loss"].detach())
    network.label_smoothing = 0.5
    smoothed = float(network(**batch)["loss"].detach())
    assert abs(plain - smoothed) > 1e-4


def test_training_measures_the_int8_path_on_the_saved_weights(tiny_model):
    pytest.importorskip("onnxruntime")
    info = json.loads((tiny_model / "stance.json").read_text())
    measured = info["fast_paths"]
    assert measured["tolerance"] == 0.01 and measured["reference"] == "off"
    assert measured["reference_consistency"]["stance_calls_changed"] == 0
    assert measured["reference_consistency"]["largest_stance_probability_change"] <= 1e-5
    int8 = measured["paths"]["onnx-int8"]
    assert set(int8) == {"test", "largest_drop", "consistency"}  # the toy labels: one held-out split
    assert set(int8["test"]) == {"stance_macro_f1", "technique_macro_f1"}
    assert int8["largest_drop"] == max(0.0, *(-d for d in int8["test"].values()))
    assert int8["consistency"]["sentences"] == measured["reference_consistency"]["sentences"] > 0
    card = (tiny_model / "README.md").read_text()
    assert "## Fast inference paths against fp32" in card and "| `onnx-int8` | test " in card


def test_no_fast_paths_flag_skips_the_measurement(tmp_path, tiny_base):
    labels = write_labels(tmp_path / "labels", toy_rows())
    out = tmp_path / "m"
    train(TrainConfig(labels=str(labels), out=str(out), base_model=str(tiny_base), epochs=1,
                      batch_size=8, max_length=32, baselines=False, fast_paths=False))
    assert json.loads((out / "stance.json").read_text())["fast_paths"] == {}
