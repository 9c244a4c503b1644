"""A loaded model that predicts sentences: preprocess, forward, postprocess.

Whole articles go through :mod:`stance.article`, which calls :meth:`StanceClassifier.predict`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np

from .locate import resolve_model
from .model_folder import (TOKENIZER_FILE, ModelInfo, check_model_folder, check_tokenizer,
                           load_network, tokenizer_folder)
from .precision import ONNX_PATHS, resolve_fast
from .results import ArticleResult, Prediction
from .spelling import SpellingVariants
from .text_gate import gate, is_blank, visible_text
from .tokenization import TokenEncoder
from .tokenizer_file import prefetch_tokenizer

if TYPE_CHECKING:  # pragma: no cover
    from .network import StanceNetwork


def _pick_device(device) -> str:
    """The device's name (``cpu``, ``cuda``, ``cuda:1``, ...); torch is imported only to
    look for a GPU, so a CPU model run by ONNX Runtime never imports it."""
    if str(device) == "cpu":
        return "cpu"
    import torch

    if str(device) == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'auto'") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but CUDA is not available here; "
                         "use device='cpu' or 'auto'")
    return str(chosen)


def build_runner(path: Path, info: ModelInfo, fast: str, device: str):
    """What runs the network of the checked folder ``path`` on the resolved path ``fast``
    (see :func:`stance.precision.resolve_fast`): ONNX Runtime for the onnx paths (no torch
    once the export is cached), else PyTorch."""
    if fast in ONNX_PATHS:
        from .onnx_runner import onnx_runner

        return onnx_runner(path, info, fast)
    from .torch_runner import TorchRunner

    return TorchRunner.build(load_network(path, info), fast, device)


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


def usable_positions(positions: int | None, pad_token_id: int | None,
                     model_type: str | None) -> int | None:
    """How many tokens one row may hold in the encoder's position table (None: no table
    given). RoBERTa-style encoders start counting positions after the padding id."""
    if not positions:
        return None
    offset = (pad_token_id or 0) + 1 if model_type in ("roberta", "xlm-roberta") else 0
    return positions - offset


def context_token_limit(window, max_length: int, positions: int | None, pad_token_id: int | None,
                        model_type: str | None) -> int:
    """The context budget of a pair, cut so that sentence (``max_length``), context and the
    separators between them fit the encoder's position table."""
    room = usable_positions(positions, pad_token_id, model_type)
    budget = window.max_tokens if room is None else min(window.max_tokens, room - max_length - 2)
    return max(budget, 0)


def passage_token_limit(window, positions: int | None, pad_token_id: int | None,
                        model_type: str | None) -> int:
    """The token budget of a window-context passage, cut to the encoder's position table."""
    room = usable_positions(positions, pad_token_id, model_type)
    return window.max_tokens if room is None else min(window.max_tokens, room)


class StanceClassifier:
    """A trained stance model, ready to predict. Create it with :func:`stance.load`."""

    def __init__(self, runner, encoder: TokenEncoder, info: ModelInfo, path: Path):
        self.runner = runner
        self.encoder = encoder
        self.info = info
        self.path = path
        self._network = getattr(runner, "network", None)
        self._config: dict | None = None

    @classmethod
    def from_network(cls, network: "StanceNetwork", encoder: TokenEncoder, info: ModelInfo,
                     path: Path, device="cpu") -> "StanceClassifier":
        """A classifier around a network in memory (fp32, PyTorch), e.g. one just trained."""
        from .torch_runner import TorchRunner

        return cls(TorchRunner(network, device), encoder, info, Path(path))

    @property
    def precision(self) -> str:
        """The path inference runs on (``fp32``, ``bf16``, ``int8``, ``onnx``, ``onnx-int8``)."""
        return self.runner.precision

    @property
    def fast_path(self) -> str:
        """The path inference runs on; see :attr:`precision` and :mod:`stance.precision`."""
        return self.precision

    @property
    def device(self):
        return self.runner.device

    @property
    def model(self) -> "StanceNetwork":
        """The PyTorch network (built from the folder on first use when ONNX Runtime runs
        inference; what explanations by gradient and the benchmarks read)."""
        if self._network is None:
            self._network = load_network(self.path, self.info).eval()
        return self._network

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
        fast = resolve_fast(fast, target)  # a bad name fails before anything is read
        info = check_model_folder(path, tokenizer=False)
        words = tokenizer_folder(path, info)
        prefetch_tokenizer(words / TOKENIZER_FILE)  # read while the network loads
        runner = build_runner(path, info, fast, target)
        check_tokenizer(words)
        return cls(runner, TokenEncoder.from_folder(words), info, path)

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
                                   self.encoder_config.get("max_position_embeddings"),
                                   self.encoder_config.get("pad_token_id", 0),
                                   self.encoder_config.get("model_type", "bert"))

    def passage_tokens(self) -> int:
        """How many tokens a passage of a window-context model holds: the window's budget,
        cut to the encoder's position table."""
        config = self.encoder_config
        return passage_token_limit(self.context_window, config.get("max_position_embeddings"),
                                   config.get("pad_token_id", 0), config.get("model_type", "bert"))

    @property
    def encoder_config(self) -> dict:
        """The encoder's ``config.json`` (sizes, position table), read once."""
        if self._config is None:
            from .model_folder import read_encoder_config

            if self._network is None:
                self._config = read_encoder_config(self.path)
            else:
                config = self._network.config
                self._config = config.to_dict() if hasattr(config, "to_dict") else dict(vars(config))
        return self._config

    def forward(self, ids: list[list[int]], pooled: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Logits for one batch of token ids (padded to the longest in the batch)."""
        return self.runner.logits(*self.encoder.pad(ids, pooled))

    def predict_logits(self, texts: list[str], batch_size: int = 32, contexts: list[str] | None = None):
        """Raw stance and technique logits in input order (float32 arrays), and which texts
        were cut.

        Texts are sorted by length so that each batch pads as little as possible. A
        model that reads its context as a vector (see :mod:`stance.context`) encodes
        every distinct text and context once, then runs its heads.
        """
        window = self.context_window
        if window is not None and window.by_vector:
            return self._vector_logits(texts, batch_size, contexts)
        if window is not None and window.by_window:
            return self._window_logits(texts, batch_size, contexts)
        ids, truncated, pooled = self.preprocess(texts, contexts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        stance = np.empty((len(ids), len(self.stance_labels)), dtype=np.float32)
        technique = np.empty((len(ids), len(self.technique_labels)), dtype=np.float32)
        with self.runner.region():
            for begin in range(0, len(order), batch_size):
                chunk = order[begin:begin + batch_size]
                stance[chunk], technique[chunk] = self.forward([ids[i] for i in chunk],
                                                               [pooled[i] for i in chunk])
        return stance, technique, truncated

    def sentence_vectors(self, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, list[bool]]:
        """The pooled vector of each text read alone (one row each, float32), and which were cut."""
        ids, truncated, _ = self.preprocess(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        vectors = np.empty((len(ids), self.encoder_config["hidden_size"]), dtype=np.float32)
        with self.runner.region():
            for begin in range(0, len(order), batch_size):
                chunk = order[begin:begin + batch_size]
                input_ids, attention_mask, _ = self.encoder.pad([ids[i] for i in chunk])
                vectors[chunk] = self.runner.vectors(input_ids, attention_mask)
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
        own_rows = np.array([rows[t] for t in texts], dtype=np.int64)
        with self.runner.region():
            stance, technique = self.runner.vector_logits(vectors, own_rows,
                                                          np.array(context_rows, dtype=np.int64))
        truncated = [cut[rows[t]] for t in texts]
        return stance, technique, truncated

    def passages(self, texts: list[str], contexts: list[str] | None = None):
        """How a window-context model reads ``texts``: their passages (see
        :func:`stance.windows.pack_passages`), and which texts were cut."""
        from .windows import pack_passages

        ids, truncated, _ = self.preprocess(texts)
        context_ids: list[list[int]] = [[] for _ in texts]
        given = [i for i, c in enumerate(contexts or []) if c]
        if given:
            encoded, _, _ = self.preprocess([contexts[i] for i in given])
            for i, row in zip(given, encoded):
                context_ids[i] = row
        return pack_passages(ids, context_ids, self.passage_tokens()), truncated

    def _window_logits(self, texts: list[str], batch_size: int, contexts: list[str] | None):
        """Consecutive sentences read as passages (see :mod:`stance.windows`): each sentence
        is encoded once, with its neighbours in the passage."""
        from .windows import pad_passages, passage_batches

        passages, truncated = self.passages(texts, contexts)
        stance = np.empty((len(texts), len(self.stance_labels)), dtype=np.float32)
        technique = np.empty((len(texts), len(self.technique_labels)), dtype=np.float32)
        with self.runner.region():
            for batch in passage_batches(passages, batch_size):
                input_ids, attention, pool, passage_of, members = pad_passages(batch, self.encoder.pad_id)
                stance[members], technique[members] = self.runner.logits(input_ids, attention, pool,
                                                                         passage_of)
        return stance, technique, truncated

    def predict_probabilities(self, texts: list[str], batch_size: int = 32,
                              contexts: list[str] | None = None):
        """Calibrated stance probabilities and technique probabilities, in input order."""
        stance, technique, truncated = self.predict_logits(texts, batch_size, contexts)
        # in float64, so that a row's probabilities do not depend on the batch around it
        stance, technique = stance.astype(np.float64), technique.astype(np.float64)
        return softmax(stance / self.info.temperature).tolist(), sigmoid(technique).tolist(), truncated

    def _postprocess(self, text, stance_probs, technique_probs, limits, truncated) -> Prediction:
        """One :class:`Prediction` for a gated text (see :func:`stance.text_gate.gate`)."""
        stance_scores = dict(zip(self.stance_labels, (round(p, 6) for p in stance_probs)))
        technique_scores = dict(zip(self.technique_labels, (round(p, 6) for p in technique_probs)))
        best = max(stance_scores, key=stance_scores.get)
        chosen = tuple(n for n in self.technique_labels if technique_scores[n] >= limits[n])
        return Prediction(text.text, best, stance_scores, chosen, technique_scores, truncated,
                          text.replaced)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large negative logits."""
    small = np.exp(-np.abs(logits))
    return np.where(logits >= 0, 1 / (1 + small), small / (1 + small))
