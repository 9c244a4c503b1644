"""ONNX Runtime's path: the same predictions as the fp32 reference, and no torch once the
export is cached (what makes loading and the first prediction fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import stance
from stance.tensor_map import mapped_tensor
from stance.onnx_runner import CACHE_FORMAT

pytest.importorskip("onnxruntime")

SENTENCES = ["Russia is a terrorist state that trades in blackmail.",
             "The Kiev regime sabotaged the talks.", "The talks lasted two hours."]


def _scores(predictions):
    return [[*p.stance_scores.values(), *p.technique_scores.values()] for p in predictions]


@pytest.mark.parametrize("fixture", ["tiny_model", "tiny_vector_model"])
def test_onnx_gives_the_reference_predictions(request, tmp_path, monkeypatch, fixture):
    folder = request.getfixturevalue(fixture)
    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    reference, fast = stance.load(folder, fast="off"), stance.load(folder, fast="onnx")
    assert fast.fast_path == "onnx" and fast.runner.__class__.__name__ == "OnnxRunner"
    contexts = ["", SENTENCES[0], SENTENCES[1]]
    for args in ({}, {"context": contexts}):
        r, f = reference.predict(SENTENCES, **args), fast.predict(SENTENCES, **args)
        assert [p.stance for p in r] == [p.stance for p in f]
        np.testing.assert_allclose(_scores(r), _scores(f), atol=1e-5)
    np.testing.assert_allclose(reference.sentence_vectors(SENTENCES)[0],
                               fast.sentence_vectors(SENTENCES)[0], atol=1e-4)
    assert {p.name for p in (tmp_path / "onnx").rglob("*.onnx")} == {"encoder.onnx", "heads.onnx"}


def test_a_cached_export_loads_and_predicts_without_torch(tiny_model, tmp_path):
    """The second process to load a model on the onnx path never imports torch."""
    env = {**os.environ, "STANCE_HOME": str(tmp_path)}
    code = ("import sys, json, stance\n"
            f"m = stance.load({str(tiny_model)!r}, fast='onnx')\n"
            f"p = m.predict({SENTENCES[0]!r})\n"
            "print(json.dumps(['torch' in sys.modules, p.stance, m.fast_path]))")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True)
    exported, label, path = json.loads(first.stdout)
    assert exported is True and path == "onnx"  # the first load builds the network to export it
    assert json.loads(second.stdout) == [False, label, "onnx"]


def test_a_changed_model_gets_a_new_export(tiny_model, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy)
    stance.load(copy, fast="onnx")
    info = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps(info, indent=1))  # same config, other bytes
    stance.load(copy, fast="onnx")
    assert len(list((tmp_path / "onnx").glob(f"{CACHE_FORMAT}-*"))) == 2


def test_mapped_tensor_reads_what_safetensors_wrote(tmp_path):
    from safetensors.numpy import save_file

    table = np.arange(24, dtype=np.float32).reshape(6, 4) / 7
    save_file({"a": table, "b": table.astype(np.float16)}, str(tmp_path / "w.safetensors"))
    a = mapped_tensor(tmp_path / "w.safetensors", "a")
    b = mapped_tensor(tmp_path / "w.safetensors", "b")
    np.testing.assert_array_equal(a[[5, 0, 5]], table[[5, 0, 5]])
    np.testing.assert_array_equal(b, table.astype(np.float16))
    with pytest.raises(KeyError, match="holds no tensor 'c'"):
        mapped_tensor(tmp_path / "w.safetensors", "c")


def test_mapped_tensor_widens_bfloat16(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    table = torch.tensor([[1.5, -2.0], [0.25, 3.0]], dtype=torch.bfloat16)
    save_file({"t": table}, str(tmp_path / "w.safetensors"))
    np.testing.assert_array_equal(mapped_tensor(tmp_path / "w.safetensors", "t"),
                                  table.float().numpy())


def test_onnx_on_a_gpu_is_refused_by_name(tiny_model):
    from stance.precision import resolve_fast

    with pytest.raises(ValueError, match="runs on the CPU only"):
        resolve_fast("onnx", "cuda")


def test_prefetched_tokenizer_is_the_one_read_and_bad_files_still_fail(tiny_model, tmp_path):
    import shutil

    from stance.tokenizer_file import prefetch_tokenizer, read_tokenizer

    path = tmp_path / "tokenizer.json"
    shutil.copy(tiny_model / "tokenizer.json", path)
    prefetch_tokenizer(path)
    prefetch_tokenizer(tmp_path / "missing.json")  # nothing to read: no error, no thread
    assert read_tokenizer(path) is read_tokenizer(path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    prefetch_tokenizer(bad)
    for _ in range(2):  # the failure is not kept: each read fails the same way
        with pytest.raises(Exception, match="expected|key must be"):
            read_tokenizer(bad)


def test_onnx_without_onnxruntime_says_what_to_install(tiny_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with pytest.raises(ValueError, match=r"fast='onnx' needs ONNX Runtime: pip install 'stance\[onnx\]'"):
        stance.load(tiny_model, fast="onnx")
