"""A loaded model that predicts sentences: preprocess, forward, postprocess.

Whole articles go through :mod:`stance.article`, which calls :meth:`StanceClassifier.predict`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import overload

import torch

from .locate import resolve_model
from .model_folder import ModelInfo, check_model_folder, load_network, tokenizer_folder
from .network import StanceNetwork
from .precision import apply_precision
from .results import ArticleResult, Prediction
from .spelling import SpellingVariants
from .text_gate import gate, is_blank, visible_text
from .tokenization import TokenEncoder

def _pick_device(device: str | torch.device) -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'auto'") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but CUDA is not available here; "
                         "use device='cpu' or 'auto'")
    return chosen


def check_texts(texts) -> tuple[list[str], bool]:
    """Validate the input of :meth:`StanceClassifier.predict`; returns (texts, was_single)."""
    if isinstance(texts, str):
        items, single = [texts], True
    elif isinstance(texts, Iterable) and not isinstance(texts, (bytes, Mapping)):
        items, single = list(texts), False
    else:
        raise TypeError(f"predict() takes a string or a list of strings, got {type(texts).__name__}")
    for index, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"item {index} is {type(text).__name__}, not str: every text must be a string")
        if is_blank(text):
            raise ValueError(f"item {index} is empty or whitespace only (invisible characters such "
                             "as zero-width spaces do not count): remove it or give it text")
    return items, single


def check_contexts(contexts, count: int) -> list[str] | None:
    """Validate the ``context`` argument of :meth:`StanceClassifier.predict`."""
    if contexts is None:
        return None
    if isinstance(contexts, str):
        contexts = [contexts]
    elif not isinstance(contexts, Iterable) or isinstance(contexts, (bytes, Mapping)):
        raise TypeError(f"context must be a string or a list of strings (or None), got "
                        f"{type(contexts).__name__}")
    contexts = list(contexts)
    if len(contexts) != count:
        raise ValueError(f"got {len(contexts)} contexts for {count} texts: give one context per "
                         "text ('' or None where a text has none)")
    for index, item in enumerate(contexts):
        if item is not None and not isinstance(item, str):
            raise TypeError(f"context {index} is {type(item).__name__}, not str or None")
    return [item or "" for item in contexts]


def context_token_limit(window, max_length: int, positions: int | None, pad_token_id: int | None,
                        model_type: str | None) -> int:
    """The context budget of a pair, cut so that sentence (``max_length``), context and the
    separators between them fit the encoder's position table (RoBERTa-style encoders start
    counting positions after the padding id)."""
    budget = window.max_tokens
    if positions:
        offset = (pad_token_id or 0) + 1 if model_type in ("roberta", "xlm-roberta") else 0
        budget = min(budget, positions - offset - max_length - 2)
    return max(budget, 0)


class StanceClassifier:
    """A trained stance model, ready to predict. Create it with :func:`stance.load`."""

    def __init__(self, model: StanceNetwork, encoder: TokenEncoder, info: ModelInfo, path: Path,
                 device: torch.device, precision: str = "fp32"):
        self.model = model
        self.encoder = encoder
        self.info = info
        self.path = path
        self.device = device
        self.precision = precision

    @property
    def fast_path(self) -> str:
        """The precision inference runs in (``fp32``, ``bf16`` or ``int8``); see :mod:`stance.precision`."""
        return self.precision

    @property
    def info(self) -> ModelInfo:
        return self._info

    @info.setter
    def info(self, info: ModelInfo) -> None:
        self._info = info
        self._spelling = SpellingVariants.from_dict(info.spelling_variants)

    @classmethod
    def from_folder(cls, name_or_path: str | os.PathLike | None = None, device: str = "cpu",
                    fast: str = "auto") -> "StanceClassifier":
        """Load a model folder (checked whole before anything is built), or a Hub id."""
        path = resolve_model(name_or_path)
        target = _pick_device(device)
        info = check_model_folder(path)
        model, precision = apply_precision(load_network(path, info).to(target).eval(), fast, target,
                                           weights=path / "model.safetensors")
        return cls(model, TokenEncoder.from_folder(tokenizer_folder(path, info)), info, path, target,
                   precision)

    # -- public API -------------------------------------------------------

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def stance_labels(self) -> tuple[str, ...]:
        return self.info.stance_labels

    @property
    def technique_labels(self) -> tuple[str, ...]:
        return self.info.technique_labels

    def __repr__(self) -> str:
        return (f"StanceClassifier(name={self.name!r}, version={self.version!r}, "
                f"stance={list(self.stance_labels)}, techniques={list(self.technique_labels)}, "
                f"device={str(self.device)!r}, precision={self.precision!r})")

    @property
    def context_window(self):
        """How many neighbouring sentences the model reads beside each one (None: none)."""
        return self.info.context_window

    @overload
    def predict(self, texts: str, *, context: str | None = ..., batch_size: int = ...,
                thresholds: Mapping[str, float] | None = ...) -> Prediction: ...
    @overload
    def predict(self, texts: Iterable[str], *, context: Iterable[str | None] | None = ...,
                batch_size: int = ..., thresholds: Mapping[str, float] | None = ...) -> list[Prediction]: ...

    def predict(self, texts, *, context=None, batch_size: int = 32,
                thresholds: Mapping[str, float] | None = None, explain: bool | str = False):
        """Predict stance and techniques; a string gives one result, a list a list in the same order.

        ``context``: the text around each sentence (for a string, a string; for a list,
        one string or None per text), used by models trained with context (see
        :attr:`context_window`; :meth:`score_article` supplies it from the article).
        Each text is still judged on its own: context only helps read it.
        ``thresholds`` overrides the tuned threshold of some techniques for this call.
        ``explain`` (``True``, or a method of :mod:`stance.evidence`) adds to each result
        the words that drive its stance and each reported technique; it costs one extra
        forward pass per word, and nothing when off.
        """
        items, single = check_texts(texts)
        contexts = check_contexts(context, len(items))
        limits = self._thresholds(thresholds)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        stance_probs, technique_probs, truncated = self.predict_probabilities(items, batch_size, contexts)
        results = [
            self._postprocess(gate(text), sp, tp, limits, cut)
            for text, sp, tp, cut in zip(items, stance_probs, technique_probs, truncated)
        ]
        if explain:
            results = self._with_evidence(results, items, contexts, explain)
        return results[0] if single else results

    def _with_evidence(self, results: list[Prediction], texts: list[str],
                       contexts: list[str] | None, method: bool | str) -> list[Prediction]:
        import dataclasses

        from .evidence import DEFAULT_METHOD, explain

        method = DEFAULT_METHOD if method is True else method
        out = []
        for i, (p, text) in enumerate(zip(results, texts)):
            labels = [p.stance, *p.techniques]
            found = explain(self, text, contexts[i] if contexts else None, labels, method)
            out.append(dataclasses.replace(p, evidence=found))
        return out

    def score_article(self, text: str, *, lang: str | None = None, batch_size: int = 32,
                      thresholds: Mapping[str, float] | None = None,
                      explain: bool | str = False) -> ArticleResult:
        """Split an article into sentences (page furniture dropped) and score each one,
        reading each with the context the model was trained with (see :mod:`stance.article`).
        ``explain`` adds each sentence's evidence, as in :meth:`predict`."""
        from .article import score_articles

        return score_articles(self, [text], lang=lang, batch_size=batch_size,
                              thresholds=thresholds, explain=explain)[0]

    # -- pipeline steps ---------------------------------------------------

    def check_thresholds(self, override: Mapping[str, float] | None) -> None:
        """Raise ``ValueError`` for a threshold override this model cannot take."""
        self._thresholds(override)

    def _thresholds(self, override: Mapping[str, float] | None) -> dict[str, float]:
        limits = dict(self.info.thresholds)
        for name, value in (override or {}).items():
            if name not in limits:
                raise ValueError(f"unknown technique {name!r} in thresholds; this model knows: "
                                 f"{', '.join(self.technique_labels)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold for {name!r} must be a number within [0, 1], got {value!r}")
            limits[name] = float(value)
        return limits

    def preprocess(self, texts: list[str], contexts: list[str] | None = None):
        """Token ids for each text, cut to the model's window; whether each was cut; and
        how many leading tokens of each row are the text's own (see ``TokenEncoder.encode``).

        Every text passes :mod:`stance.text_gate` first (unpaired surrogates replaced,
        invisible characters dropped), then listed spelling variants are rewritten to
        one form (Kiev -> Kyiv, ...). Contexts are used only when the model was trained
        with them.
        """
        spelling = self._spelling.canonical

        def canonical(text: str) -> str:
            return spelling(visible_text(text))

        prefix = self.info.text_prefix
        window = self.context_window
        if window is None or contexts is None:
            contexts, limit = None, 0
        else:
            contexts, limit = [canonical(c) for c in contexts], self.context_token_limit()
        return self.encoder.encode([prefix + canonical(t) for t in texts], self.info.max_length,
                                   contexts, limit)

    def context_token_limit(self) -> int:
        """How many tokens of a pair's context fit: the window's budget, cut so that the
        whole pair stays within the encoder's position table."""
        return context_token_limit(self.context_window, self.info.max_length,
                                   getattr(self.model.config, "max_position_embeddings", None),
                                   getattr(self.model.config, "pad_token_id", 0),
                                   getattr(self.model.config, "model_type", "bert"))

    def forward(self, ids: list[list[int]], pooled: list[int] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits for one batch of token ids (padded to the longest in the batch)."""
        input_ids, attention_mask, pool_mask = self.encoder.pad(ids, pooled)
        with torch.inference_mode():
            out = self.model(input_ids=input_ids.to(self.device),
                             attention_mask=attention_mask.to(self.device),
                             pool_mask=pool_mask.to(self.device))
        return out["stance_logits"].float().cpu(), out["technique_logits"].float().cpu()

    def _precision(self):
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def predict_logits(self, texts: list[str], batch_size: int = 32, contexts: list[str] | None = None):
        """Raw stance and technique logits in input order, and which texts were cut.

        Texts are sorted by length so that each batch pads as little as possible. A
        model that reads its context as a vector (see :mod:`stance.context`) encodes
        every distinct text and context once, then runs its heads.
        """
        window = self.context_window
        if window is not None and window.by_vector:
            return self._vector_logits(texts, batch_size, contexts)
        ids, truncated, pooled = self.preprocess(texts, contexts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        stance = torch.empty(len(ids), len(self.stance_labels))
        technique = torch.empty(len(ids), len(self.technique_labels))
        with self._precision():  # one autocast region: weight casts are cached across batches
            for begin in range(0, len(order), batch_size):
                chunk = order[begin:begin + batch_size]
                stance[chunk], technique[chunk] = self.forward([ids[i] for i in chunk],
                                                               [pooled[i] for i in chunk])
        return stance, technique, truncated

    def sentence_vectors(self, texts: list[str], batch_size: int = 32) -> tuple[torch.Tensor, list[bool]]:
        """The pooled vector of each text read alone (one row each), and which were cut."""
        ids, truncated, _ = self.preprocess(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        vectors = torch.empty(len(ids), self.model.config.hidden_size)
        with self._precision(), torch.inference_mode():
            for begin in range(0, len(order), batch_size):
                chunk = order[begin:begin + batch_size]
                input_ids, attention_mask, _ = self.encoder.pad([ids[i] for i in chunk])
                vectors[chunk] = self.model.encode(input_ids.to(self.device),
                                                   attention_mask.to(self.device)).float().cpu()
        return vectors, truncated

    def _vector_logits(self, texts: list[str], batch_size: int, contexts: list[str] | None):
        """Each distinct string (text or context) is encoded once: within an article, a
        sentence's vector is also the next sentence's context."""
        rows: dict[str, int] = {}
        for text in texts:
            rows.setdefault(text, len(rows))
        context_rows = []
        for context in contexts or [""] * len(texts):
            context_rows.append(rows.setdefault(context, len(rows)) if context else -1)
        unique = list(rows)
        vectors, cut = self.sentence_vectors(unique, batch_size)
        text_rows = torch.tensor([rows[t] for t in texts], dtype=torch.long)
        index = torch.tensor(context_rows, dtype=torch.long)
        with self._precision(), torch.inference_mode():
            own = vectors[text_rows].to(self.device)
            context = self.model.context_of(vectors.to(self.device), index.to(self.device))
            out = self.model.heads(own, context)
        truncated = [cut[rows[t]] for t in texts]
        return out["stance_logits"].float().cpu(), out["technique_logits"].float().cpu(), truncated

    def predict_probabilities(self, texts: list[str], batch_size: int = 32,
                              contexts: list[str] | None = None):
        """Calibrated stance probabilities and technique probabilities, in input order."""
        stance, technique, truncated = self.predict_logits(texts, batch_size, contexts)
        stance = torch.softmax(stance / self.info.temperature, dim=-1)
        return stance.tolist(), torch.sigmoid(technique).tolist(), truncated

    def _postprocess(self, text, stance_probs, technique_probs, limits, truncated) -> Prediction:
        """One :class:`Prediction` for a gated text (see :func:`stance.text_gate.gate`)."""
        stance_scores = dict(zip(self.stance_labels, (round(p, 6) for p in stance_probs)))
        technique_scores = dict(zip(self.technique_labels, (round(p, 6) for p in technique_probs)))
        best = max(stance_scores, key=stance_scores.get)
        chosen = tuple(n for n in self.technique_labels if technique_scores[n] >= limits[n])
        return Prediction(text.text, best, stance_scores, chosen, technique_scores, truncated,
                          text.replaced)
