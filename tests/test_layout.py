"""The house rules of the layout: the library never imports training; training's flags
come from its config; one article pipeline serves both doors."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TRAINING_NAMES = ("training", "stance_training")


def _imports_of_training(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] in TRAINING_NAMES:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: imports {name}")
    return found


def test_library_never_imports_the_training_package():
    modules = sorted((REPO / "stance").rglob("*.py"))
    assert len(modules) > 20
    offences = [line for path in modules for line in _imports_of_training(path)]
    assert offences == []


def test_the_import_check_catches_each_form(tmp_path):
    sample = REPO / "stance" / "_probe_for_test.py"
    sample.write_text("import training.train\nfrom stance_training import cli\n"
                      "import importlib\nimportlib.import_module('stance_training.train')\n"
                      "def f():\n    from training.data import x\n", encoding="utf-8")
    try:
        assert [line.rsplit(": ", 1)[1] for line in _imports_of_training(sample)] == [
            "imports training.train", "imports stance_training",
            "imports stance_training.train", "imports training.data"]
    finally:
        sample.unlink()


def test_every_training_field_has_exactly_one_flag():
    from stance_training.cli import build_parser
    from stance_training.config import TrainConfig

    parser = build_parser()
    dests = [a.dest for a in parser._actions if a.dest != "help"]
    assert sorted(dests) == sorted(f.name for f in dataclasses.fields(TrainConfig))
    for f in dataclasses.fields(TrainConfig):
        assert f.metadata.get("help"), f"{f.name} has no help text"


def test_flags_reach_the_config(tmp_path):
    from stance_training.cli import build_parser, config_from_args

    (tmp_path / "labels").mkdir()
    args = build_parser().parse_args([
        "--labels", str(tmp_path / "labels"), "--out", str(tmp_path / "m"), "--weight-decay", "0.2",
        "--warmup-ratio", "0.05", "--head-learning-rate", "0.002", "--no-freeze-embeddings",
        "--no-spelling-augment", "--num-layers", "0", "--no-baselines"])
    config = config_from_args(args)
    assert (config.weight_decay, config.warmup_ratio, config.head_learning_rate) == (0.2, 0.05, 0.002)
    assert config.freeze_embeddings is False and config.spelling_augment is False
    assert config.num_layers is None and config.baselines is False
    with pytest.raises(ValueError, match="warmup_ratio must be within"):
        config_from_args(build_parser().parse_args(["--labels", str(tmp_path / "labels"),
                                                    "--warmup-ratio", "2"]))
    assert config_from_args(build_parser().parse_args([
        "--labels", str(tmp_path / "labels"), "--out", str(tmp_path / "m"),
        "--label-smoothing", "0.1"])).label_smoothing == 0.1
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\), got 1.5"):
        config_from_args(build_parser().parse_args(["--labels", str(tmp_path / "labels"),
                                                    "--out", str(tmp_path / "m"), "--label-smoothing", "1.5"]))


def test_one_article_pipeline_serves_both_doors():
    """score_article and the batch scorer both call stance.article; neither builds
    contexts or aggregates on its own."""
    classifier = (REPO / "stance" / "classifier.py").read_text(encoding="utf-8")
    runner = (REPO / "stance" / "scoring" / "runner.py").read_text(encoding="utf-8")
    assert "score_articles(" in classifier and "score_segmented(" in runner
    for source in (classifier, runner):
        assert "aggregate_article" not in source and "split_sentences" not in source
        assert ".contexts(" not in source
