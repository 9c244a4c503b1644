"""Score the average of several stance-train-cv reports' out-of-fold outputs (same partition),
with the CV's own summarise(): temperature and thresholds tuned on the other folds.
Usage: python benchmarks/cv_average_outputs.py REPORT.json REPORT.json ...
(the labels and blocklist are the ones recorded in the first report's config)."""
import json, sys
import numpy as np, torch
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from cv_report_labels import report_rows
from training.crossval import summarise

reports = [json.load(open(p)) for p in sys.argv[1:]]
ids = reports[0]["out_of_fold"]["ids"]
for r in reports[1:]:
    if r["out_of_fold"]["ids"] != ids or r["out_of_fold"]["fold"] != reports[0]["out_of_fold"]["fold"]:
        sys.exit("the reports were not run on the same labels and folds: rerun them with the same --labels and --folds")
data, rows = report_rows(reports[0])
langs = np.asarray([r["lang"] for r in rows])
stance_ref = np.asarray([r["stance_labels"] for r in rows])
tech_ref = np.asarray([r["technique_labels"] for r in rows]).astype(np.int8)
probs = np.mean([torch.softmax(torch.tensor(r["out_of_fold"]["stance_logits"]), -1).numpy() for r in reports], 0)
stance = np.log(np.clip(probs, 1e-9, 1)).astype(np.float32)
tech = np.mean([np.asarray(r["out_of_fold"]["technique_probs"], dtype=np.float32) for r in reports], 0)
fold = reports[0]["out_of_fold"]["fold"]
fold_of = dict(enumerate(fold))
run = sorted(set(fold))
summary, per_fold = summarise(ids, langs, stance, tech, stance_ref, tech_ref, list(range(len(ids))), fold_of, run, data.schema)
print(json.dumps({k: summary[k] for k in summary}, indent=None))
