"""Stance and technique metrics as a local ``evaluate`` module (loaded by path, offline).

    metric = evaluate.load("training/metrics/stance_metrics")
    metric.compute(stance_pred=[...], stance_ref=[...], tech_pred=[[0, 1, 0], ...],
                   tech_ref=[[0, 1, 1], ...], stance_names=[...], technique_names=[...])

Returns stance accuracy and macro-F1 with per-class precision/recall/F1, and
technique macro-F1 with per-technique precision/recall/F1 and support.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

_DESCRIPTION = "Stance (single-label) and persuasion-technique (multi-label) metrics for stance."
_KWARGS = """
Args:
    stance_pred, stance_ref: stance class indexes.
    tech_pred, tech_ref: one 0/1 row per sentence, one column per technique.
    stance_names, technique_names: label names, in index order.
Returns:
    stance_accuracy, stance_macro_f1, stance_per_class, stance_confusion (rows: gold
    class, columns: predicted class, in stance_names order), technique_macro_f1,
    technique_micro_f1, technique_per_label, n.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class StanceMetrics(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features({
                "stance_pred": datasets.Value("int32"),
                "stance_ref": datasets.Value("int32"),
                "tech_pred": datasets.Sequence(datasets.Value("int8")),
                "tech_ref": datasets.Sequence(datasets.Value("int8")),
            }),
        )

    def _compute(self, stance_pred, stance_ref, tech_pred, tech_ref, stance_names, technique_names):
        stance_pred, stance_ref = np.asarray(stance_pred), np.asarray(stance_ref)
        tech_pred = np.asarray(tech_pred).reshape(len(stance_pred), len(technique_names))
        tech_ref = np.asarray(tech_ref).reshape(len(stance_ref), len(technique_names))
        labels = list(range(len(stance_names)))
        p, r, f, s = precision_recall_fscore_support(stance_ref, stance_pred, labels=labels,
                                                     zero_division=0)
        per_class = {name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                            "support": int(s[i])} for i, name in enumerate(stance_names)}
        tp, tr, tf, ts = precision_recall_fscore_support(tech_ref, tech_pred, zero_division=0)
        per_label = {name: {"precision": float(tp[i]), "recall": float(tr[i]), "f1": float(tf[i]),
                            "support": int(ts[i]), "base_rate": float(tech_ref[:, i].mean())}
                     for i, name in enumerate(technique_names)}
        return {
            "n": int(len(stance_ref)),
            "stance_accuracy": float(accuracy_score(stance_ref, stance_pred)),
            "stance_macro_f1": float(f1_score(stance_ref, stance_pred, labels=labels,
                                              average="macro", zero_division=0)),
            "stance_per_class": per_class,
            "stance_confusion": confusion_matrix(stance_ref, stance_pred, labels=labels).tolist(),
            "technique_macro_f1": float(f1_score(tech_ref, tech_pred, average="macro",
                                                 zero_division=0)),
            "technique_micro_f1": float(f1_score(tech_ref, tech_pred, average="micro",
                                                 zero_division=0)),
            "technique_per_label": per_label,
        }
