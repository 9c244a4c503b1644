"""Passages for a window-context model: consecutive sentences read in one encoder pass.

A model trained with ``ContextWindow(mode="window")`` (see :mod:`stance.context`) reads
the sentences of an article together: consecutive sentences are packed, in order, into
passages of at most ``budget`` tokens, each sentence keeping the tokens it has when read
alone (its own special tokens included). One encoder pass reads a whole passage, so each
sentence is encoded once and attends to its neighbours in the passage; its vector is the
mean of its own tokens only.

Which sentences are consecutive comes from the request itself: a sentence follows the
one just before it in the list when its context is exactly that sentence (what
``score_article``, ``stance score`` and the training data give). A sentence whose context
is anything else is read after its context, which is encoded in the passage but pooled for
nothing. Training builds its batches with the same functions, so the model learns from the
inputs prediction gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Passage:
    """The token ids of one passage, and where each of its sentences lies in them."""

    ids: tuple[int, ...]
    rows: tuple[int, ...]                  # the request's index of each sentence read here
    spans: tuple[tuple[int, int], ...]     # [start, end) of each sentence's own tokens


def _cut(row: Sequence[int], length: int) -> list[int]:
    """The first ``length`` tokens of an encoded text, its closing special token kept."""
    if len(row) <= length:
        return list(row)
    return [*row[:length - 1], row[-1]] if length >= 2 else []


def follows(ids: Sequence[Sequence[int]], context_ids: Sequence[Sequence[int]]) -> list[bool]:
    """Whether each sentence continues the one just before it in the request (its context
    is exactly that sentence's tokens)."""
    return [i > 0 and len(context_ids[i]) > 0 and list(context_ids[i]) == list(ids[i - 1])
            for i in range(len(ids))]


def pack_passages(ids: Sequence[Sequence[int]], context_ids: Sequence[Sequence[int]],
                  budget: int) -> list[Passage]:
    """Cut the request into passages of at most ``budget`` tokens (a sentence longer than the
    budget is a passage of its own), in order. ``ids``: each sentence's tokens read alone;
    ``context_ids``: each sentence's context read alone (empty: none)."""
    if len(context_ids) != len(ids):
        raise ValueError(f"{len(context_ids)} contexts for {len(ids)} sentences; give one per sentence")
    passages: list[Passage] = []
    tokens: list[int] = []
    rows: list[int] = []
    spans: list[tuple[int, int]] = []

    def close() -> None:
        if rows:
            passages.append(Passage(tuple(tokens), tuple(rows), tuple(spans)))
        tokens.clear(), rows.clear(), spans.clear()

    for i, (row, after_previous) in enumerate(zip(ids, follows(ids, context_ids))):
        if not after_previous or len(tokens) + len(row) > budget:
            close()
            if not after_previous and context_ids[i]:  # read after its context, pooled for nothing
                tokens.extend(_cut(context_ids[i], budget - len(row)))
        spans.append((len(tokens), len(tokens) + len(row)))
        tokens.extend(row)
        rows.append(i)
    close()
    return passages


def passage_batches(passages: Sequence[Passage], batch_size: int) -> list[list[Passage]]:
    """Passages sorted by length and grouped so that each batch holds about ``batch_size``
    sentences (the tokens a batch of that many sentences read alone would hold)."""
    batches: list[list[Passage]] = []
    batch: list[Passage] = []
    count = 0
    for passage in sorted(passages, key=lambda p: len(p.ids)):
        batch.append(passage)
        count += len(passage.rows)
        if count >= batch_size:
            batches.append(batch)
            batch, count = [], 0
    if batch:
        batches.append(batch)
    return batches


def pad_passages(passages: Sequence[Passage], pad_id: int, multiple_of: int = 8):
    """One padded batch: input ids and attention mask (one row per passage), the pooling
    mask (one row per sentence, over its passage's tokens), which passage each sentence is
    in, and the request's index of each sentence (int64 numpy arrays)."""
    width = -(-max(len(p.ids) for p in passages) // multiple_of) * multiple_of
    sentences = sum(len(p.rows) for p in passages)
    input_ids = np.full((len(passages), width), pad_id, dtype=np.int64)
    attention = np.zeros((len(passages), width), dtype=np.int64)
    pool = np.zeros((sentences, width), dtype=np.int64)
    passage_of = np.empty(sentences, dtype=np.int64)
    members = np.empty(sentences, dtype=np.int64)
    at = 0
    for index, passage in enumerate(passages):
        input_ids[index, :len(passage.ids)] = passage.ids
        attention[index, :len(passage.ids)] = 1
        for row, (start, end) in zip(passage.rows, passage.spans):
            pool[at, start:end] = 1
            passage_of[at] = index
            members[at] = row
            at += 1
    return input_ids, attention, pool, passage_of, members
