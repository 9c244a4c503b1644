"""The fast inference paths (precisions) give the reference path's labels on a fixed set of sentences.

Tolerances: bf16 autocast keeps every stance probability within 0.03 and every
technique probability within 0.03 of fp32; int8 dynamic quantisation within 0.08.
Labels must agree wherever the reference decision is not within that tolerance
of its boundary (a near-tie may legitimately flip).
"""

from __future__ import annotations

import pytest
import torch

import stance
from stance.precision import resolve_fast

SENTENCES = [
    "Russia is a terrorist state that trades in blackmail.",
    "The heroic resistance of Ukraine halted the war.",
    "The Kiev regime sabotaged the talks.",
    "We fought Sweden for years, Moscow said.",
    "The talks lasted two hours.",
    "The delegation met in Istanbul on Friday.",
    "Accept peace or face worse, the West told Moscow.",
    "Both sides agreed a prisoners exchange.",
]


@pytest.mark.parametrize("path,tolerance", [("bf16", 0.03), ("int8", 0.08)])
def test_fast_path_matches_reference(tiny_model, path, tolerance):
    reference = stance.load(tiny_model, fast="off")
    fast = stance.load(tiny_model, fast=path)
    assert fast.fast_path == path
    for r, f in zip(reference.predict(SENTENCES), fast.predict(SENTENCES)):
        for k in r.stance_scores:
            assert abs(r.stance_scores[k] - f.stance_scores[k]) <= tolerance
        for k in r.technique_scores:
            assert abs(r.technique_scores[k] - f.technique_scores[k]) <= tolerance
        ranked = sorted(r.stance_scores.values(), reverse=True)
        if ranked[0] - ranked[1] > 2 * tolerance:
            assert f.stance == r.stance
        for k, limit in reference.info.thresholds.items():
            if abs(r.technique_scores[k] - limit) > tolerance:
                assert (k in r.techniques) == (k in f.techniques)


def test_auto_path_and_bad_name(tiny_model):
    from stance.precision import choose_auto

    model = stance.load(tiny_model)
    expected = choose_auto(torch.device("cpu"))
    assert model.fast_path == {"off": "fp32"}.get(expected, expected)
    with pytest.raises(ValueError, match="unknown fast path 'fastest'"):
        resolve_fast("fastest", "cpu")
    with pytest.raises(ValueError, match="unknown fast path 'fastest'"):
        stance.load(tiny_model, fast="fastest")


@pytest.mark.parametrize("features,workload,expected", [
    ({"amx_tile", "avx512f", "avx2"}, "interactive", "bf16"),
    ({"amx_tile", "avx512f", "avx2"}, "batch", "bf16"),
])
def test_auto_picks_by_cpu_features(monkeypatch, features, workload, expected):
    import stance.precision as precision

    monkeypatch.setattr(precision, "cpu_features", lambda: features)
    assert precision.choose_auto(torch.device("cpu"), workload) == expected


def test_auto_on_avx512_bf16_without_amx_loads_fast_for_one_sentence(monkeypatch):
    # measured: bf16 scores 1.5x faster there, but loads in 2.2 s against 1.0 and answers
    # one sentence in 10.4 ms against 5.1, so interactive use takes the fallback
    import stance.precision as precision

    monkeypatch.setattr(precision, "cpu_features", lambda: {"avx512_bf16", "avx512f", "avx2"})
    assert precision.choose_auto("cpu") in (precision.AUTO_FALLBACK, "off")
    assert precision.choose_auto("cpu", "batch") == "bf16"


def test_unknown_workload_is_named():
    import stance.precision as precision

    with pytest.raises(ValueError, match="unknown workload 'bulk'; choose one of interactive, batch"):
        precision.choose_auto("cpu", "bulk")


def test_batch_auto_is_resolved_on_the_cpu_only(monkeypatch):
    import stance.precision as precision

    monkeypatch.setattr(precision, "cpu_features", lambda: {"avx512_bf16", "avx2"})
    assert precision.auto_for_batch("auto", "cpu") == "bf16"
    assert precision.auto_for_batch("onnx", "cpu") == "onnx"  # a path asked for is kept
    assert precision.auto_for_batch("auto", "cuda") == "auto"  # stance.load resolves it there


def test_stance_score_loads_the_batch_path_and_predict_the_interactive_one(monkeypatch):
    import argparse

    import stance
    import stance.cli as cli
    import stance.precision as precision

    monkeypatch.setattr(precision, "cpu_features", lambda: {"avx512_bf16", "avx2"})
    asked = []
    monkeypatch.setattr(stance, "load", lambda model, device, fast: asked.append(fast))
    args = argparse.Namespace(model=None, device="cpu", fast="auto")
    cli._load_model(args, batch=True)
    cli._load_model(args)
    assert asked == ["bf16", "auto"]


def test_auto_without_native_bf16_takes_the_measured_fallback(monkeypatch):
    import stance.precision as precision

    monkeypatch.setattr(precision, "cpu_features", lambda: {"avx2"})
    assert precision.choose_auto(torch.device("cpu")) in (precision.AUTO_FALLBACK, "off")


@pytest.mark.parametrize("path", ["onnx", "onnx-int8"])
def test_onnx_paths(tiny_model, tmp_path, monkeypatch, path):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    reference = stance.load(tiny_model, fast="off")
    fast = stance.load(tiny_model, fast=path)
    assert fast.fast_path == path and list((tmp_path / "onnx").rglob("*.onnx"))
    tolerance = 1e-4 if path == "onnx" else 0.08
    for r, f in zip(reference.predict(SENTENCES), fast.predict(SENTENCES)):
        for k in r.stance_scores:
            assert abs(r.stance_scores[k] - f.stance_scores[k]) <= tolerance


def test_onnx_int8_export_leaves_the_root_logger_alone(tiny_model, tmp_path, monkeypatch):
    """onnxruntime's quantizer warns through logging.warning, which configures the root
    logger when it has no handler; a library must not change the user's logging."""
    pytest.importorskip("onnxruntime")
    import logging

    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    stance.load(tiny_model, fast="onnx-int8")
    assert root.handlers == []


def test_auto_falls_back_to_fp32_without_the_onnx_extra(monkeypatch):
    import importlib.util

    import stance.precision as precision

    real = importlib.util.find_spec
    monkeypatch.setattr(precision, "cpu_features", lambda: {"avx2"})
    monkeypatch.setattr(precision, "AUTO_FALLBACK", "onnx")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    assert precision.choose_auto(torch.device("cpu")) == "off"
    monkeypatch.setattr(importlib.util, "find_spec", real)
    if real("onnxruntime") and real("onnx"):
        assert precision.choose_auto(torch.device("cpu")) == "onnx"
