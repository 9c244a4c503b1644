"""Baselines on the same splits: majority class, TF-IDF character n-grams, linear probe.

Each baseline decides its technique thresholds on dev exactly as the model
does, so the comparison on test is like for like.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .calibrate import tune_thresholds
from .evaluation import score_by_language


def _labels(ds, n_tech):
    return np.asarray(ds["stance_labels"]), np.asarray(ds["technique_labels"]).reshape(-1, n_tech)


def _fit_predict(x_train, x_dev, x_test, train, dev, test, stance_names, technique_names):
    n_tech = len(technique_names)
    ys_train, yt_train = _labels(train, n_tech)
    _, yt_dev = _labels(dev, n_tech)
    stance_clf = LogisticRegression(max_iter=3000, class_weight="balanced", C=2.0)
    stance_clf.fit(x_train, ys_train)
    stance_pred = stance_clf.predict(x_test)
    dev_probs, test_probs = np.zeros((x_dev.shape[0], n_tech)), np.zeros((x_test.shape[0], n_tech))
    for j in range(n_tech):
        if len(set(yt_train[:, j])) < 2:
            continue
        clf = LogisticRegression(max_iter=3000, class_weight="balanced", C=2.0)
        clf.fit(x_train, yt_train[:, j])
        dev_probs[:, j] = clf.predict_proba(x_dev)[:, 1]
        test_probs[:, j] = clf.predict_proba(x_test)[:, 1]
    thresholds = tune_thresholds(dev_probs, yt_dev, technique_names)
    tech_pred = np.stack([test_probs[:, j] >= thresholds[n] for j, n in enumerate(technique_names)], 1)
    return stance_pred, tech_pred


def run_baselines(splits, stance_names, technique_names, embed=None) -> dict:
    """Test-split figures per language for each baseline.

    ``embed(texts) -> np.ndarray`` gives frozen-encoder sentence vectors for the
    linear probe; without it the probe is skipped.
    """
    train, dev, test = splits["train"], splits["dev"], splits["test"]
    n_tech = len(technique_names)
    ys_test, yt_test = _labels(test, n_tech)
    ys_train, _ = _labels(train, n_tech)
    out = {}
    majority = np.bincount(ys_train, minlength=len(stance_names)).argmax()
    out["majority class"] = score_by_language(
        test["lang"], np.full(len(ys_test), majority), ys_test, np.zeros_like(yt_test), yt_test,
        stance_names, technique_names)

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    x_train = vectorizer.fit_transform(train["text"])
    sp, tp = _fit_predict(x_train, vectorizer.transform(dev["text"]), vectorizer.transform(test["text"]),
                          train, dev, test, stance_names, technique_names)
    out["tf-idf char 2-5 + logistic regression"] = score_by_language(
        test["lang"], sp, ys_test, tp, yt_test, stance_names, technique_names)

    if embed is not None:
        sp, tp = _fit_predict(embed(train["text"]), embed(dev["text"]), embed(test["text"]),
                              train, dev, test, stance_names, technique_names)
        out["linear probe on frozen encoder"] = score_by_language(
            test["lang"], sp, ys_test, tp, yt_test, stance_names, technique_names)
    return out
