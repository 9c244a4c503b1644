"""Cross-validation grouped by outlet: folds never share an outlet, figures come with spread."""

from __future__ import annotations

import json

from stance_training.config import TrainConfig
from stance_training.crossval import cross_validate, outlet_folds

from conftest import SCHEMA, TOY, write_labels


def test_outlet_folds_keep_outlets_whole_and_balance_sizes():
    outlets = ["A"] * 40 + ["B"] * 30 + ["C"] * 20 + ["D"] * 20 + ["E"] * 10 + ["F"] * 10
    folds = outlet_folds(outlets, 3)
    assert set(folds) == set(outlets)
    sizes = [sum(1 for o in outlets if folds[o] == f) for f in range(3)]
    assert max(sizes) - min(sizes) <= 10
    assert outlet_folds(list(reversed(outlets)), 3) == folds  # order of rows does not matter


def _modelled_rows():
    rows = []
    for o in range(6):
        for e in range(2):
            for p, (text, stance, techniques) in enumerate(TOY[:5], start=1):
                rows.append({"id": f"m-o{o}e{e}-{p:02d}", "text": f"{text[:-1]} at outlet {o} {e}.",
                             "lang": "en", "source": f"o{o}e{e}", "stance": stance,
                             "techniques": techniques, "origin": "modelled",
                             "url": f"https://example.org/{o}/{e}", "outlet": f"Outlet {o}",
                             "excerpt": f"o{o}e{e}", "position": p,
                             "split": "train" if e == 0 else "dev"})
    return rows


def test_cross_validation_runs_folds_and_reports_spread(tmp_path, tiny_base):
    labels = write_labels(tmp_path / "labels", _modelled_rows(), SCHEMA)
    config = TrainConfig(labels=str(labels), out=str(tmp_path / "unused"), base_model=str(tiny_base),
                         epochs=1, batch_size=8, max_length=32, baselines=False, blocklist="")
    progress = tmp_path / "cv.partial.json"
    report = cross_validate(config, folds=3, only=2, progress_path=progress)
    assert report["folds_run"] == [0, 1] and len(report["per_fold"]) == 2
    # what a run stopped after its last fold would have kept: every finished fold's outputs
    kept = json.loads(progress.read_text())
    assert kept["folds_finished"] == [0, 1] and len(kept["fit_seconds"]) == 2
    assert kept["out_of_fold"] == report["out_of_fold"]
    stance = report["summary"]["all"]["stance_macro_f1"]
    assert set(stance) == {"mean", "std", "folds"} and len(stance["folds"]) == 2
    assert "summary_per_language_thresholds" in report
    ids = report["out_of_fold"]["ids"]
    assert len(ids) == len(set(ids)) == sum(report["fold_sizes"])
    json.dumps(report)  # the report is written as JSON
