"""Expected calibration error (10 bins) of the stance probabilities in stance-train-cv reports'
out-of-fold outputs: raw (softmax of the logits), and after a temperature fitted, for each
fold, on the other folds' out-of-fold outputs (as the CV's summarise() does), pooled over
the folds run. This is the card's "OOF stance ECE raw / after temperature" column.
Usage: python benchmarks/cv_oof_calibration.py REPORT.json [REPORT.json ...]
(the labels and blocklist are the ones recorded in each report's config)."""
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cv_report_labels import report_rows  # noqa: E402
from training.calibrate import fit_temperature  # noqa: E402
from training.evaluation import expected_calibration_error  # noqa: E402


def ece(probs: np.ndarray, gold: np.ndarray) -> float:
    return expected_calibration_error(probs.max(-1), probs.argmax(-1) == gold)


def oof_calibration(report: dict) -> dict:
    _, rows = report_rows(report)
    oof = report["out_of_fold"]
    gold = np.asarray([r["stance_labels"] for r in rows])
    logits = torch.tensor(oof["stance_logits"])
    fold = np.asarray(oof["fold"])
    raw = torch.softmax(logits, -1).numpy()
    scaled = np.zeros_like(raw)
    temperatures = {}
    for f in sorted(set(fold.tolist())):
        inside, others = fold == f, fold != f
        t = fit_temperature(logits[others], torch.tensor(gold[others]))
        temperatures[f] = round(float(t), 3)
        scaled[inside] = torch.softmax(logits[inside] / t, -1).numpy()
    return {"sentences": len(gold), "ece_raw": round(ece(raw, gold), 4),
            "ece_after_temperature": round(ece(scaled, gold), 4), "temperature_per_fold": temperatures}


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(path, json.dumps(oof_calibration(json.load(open(path)))))
