"""Baselines on the same splits: majority class, TF-IDF character n-grams, linear probe.

Each baseline decides its technique thresholds on dev exactly as the model
does, so the comparison on every held-out split is like for like.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .calibrate import tune_thresholds
from .evaluation import score_by_language


def _labels(ds, n_tech):
    return np.asarray(ds["stance_labels"]), np.asarray(ds["technique_labels"]).reshape(-1, n_tech)


def _fit_predict(x_train, x_dev, x_evals: dict, train, dev, stance_names, technique_names) -> dict:
    """``{split: (stance_pred, tech_pred)}`` for each held-out split in ``x_evals``."""
    n_tech = len(technique_names)
    ys_train, yt_train = _labels(train, n_tech)
    _, yt_dev = _labels(dev, n_tech)
    stance_clf = LogisticRegression(max_iter=3000, class_weight="balanced", C=2.0)
    stance_clf.fit(x_train, ys_train)
    dev_probs = np.zeros((x_dev.shape[0], n_tech))
    eval_probs = {name: np.zeros((x.shape[0], n_tech)) for name, x in x_evals.items()}
    for j in range(n_tech):
        if len(set(yt_train[:, j])) < 2:
            continue
        clf = LogisticRegression(max_iter=3000, class_weight="balanced", C=2.0)
        clf.fit(x_train, yt_train[:, j])
        dev_probs[:, j] = clf.predict_proba(x_dev)[:, 1]
        for name, x in x_evals.items():
            eval_probs[name][:, j] = clf.predict_proba(x)[:, 1]
    thresholds = tune_thresholds(dev_probs, yt_dev, technique_names)
    limits = np.asarray([thresholds[n] for n in technique_names])
    return {name: (stance_clf.predict(x), eval_probs[name] >= limits) for name, x in x_evals.items()}


def run_baselines(splits, stance_names, technique_names, eval_names, embed=None) -> dict:
    """``{baseline: {split: figures per language}}`` for each held-out split in ``eval_names``.

    ``embed(texts) -> np.ndarray`` gives frozen-encoder sentence vectors for the
    linear probe; without it the probe is skipped.
    """
    train, dev = splits["train"], splits["dev"]
    n_tech = len(technique_names)
    truth = {name: _labels(splits[name], n_tech) for name in eval_names}
    ys_train, _ = _labels(train, n_tech)

    def figures(predictions: dict) -> dict:
        return {name: score_by_language(splits[name]["lang"], sp, truth[name][0], tp, truth[name][1],
                                        stance_names, technique_names)
                for name, (sp, tp) in predictions.items()}

    out = {}
    majority = np.bincount(ys_train, minlength=len(stance_names)).argmax()
    out["majority class"] = figures({
        name: (np.full(len(truth[name][0]), majority), np.zeros_like(truth[name][1]))
        for name in eval_names})

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    x_train = vectorizer.fit_transform(train["text"])
    out["tf-idf char 2-5 + logistic regression"] = figures(_fit_predict(
        x_train, vectorizer.transform(dev["text"]),
        {name: vectorizer.transform(splits[name]["text"]) for name in eval_names},
        train, dev, stance_names, technique_names))

    if embed is not None:
        out["linear probe on frozen encoder"] = figures(_fit_predict(
            embed(train["text"]), embed(dev["text"]),
            {name: embed(splits[name]["text"]) for name in eval_names},
            train, dev, stance_names, technique_names))
    return out


def frozen_embedder(base: str, prefix: str, max_length: int):
    """``embed(texts) -> array``: L2-normalised mean-pooled vectors of the untouched base encoder."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from stance.network import mean_pool

    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False).eval()

    def embed(texts) -> np.ndarray:
        vectors = []
        texts = list(texts)
        with torch.inference_mode():
            for i in range(0, len(texts), 64):
                batch = tokenizer([prefix + t for t in texts[i:i + 64]], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
                hidden = encoder(**batch).last_hidden_state
                vectors.append(torch.nn.functional.normalize(
                    mean_pool(hidden, batch["attention_mask"]), dim=-1).numpy())
        return np.concatenate(vectors)

    return embed


def baselines_for(base: str, prefix: str, max_length: int):
    """The baselines step as :func:`stance_training.evaluation.evaluate` calls it."""

    def run(data) -> dict:
        return run_baselines(data.splits, data.schema.stance_labels, data.schema.technique_labels,
                             data.evaluation_splits, embed=frozen_embedder(base, prefix, max_length))

    return run
