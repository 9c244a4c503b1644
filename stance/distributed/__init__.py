"""Scoring on a Ray cluster (the ``ray`` extra): the same results as ``stance score``, spread
over many machines with Ray Data.

    >>> import ray, stance.distributed
    >>> docs = ray.data.from_items([{"id": "a1", "text": "Russia offers blackmail, not peace."}])
    >>> scored = stance.distributed.score_dataset(docs, model="models/default")
    >>> scored.take(1)[0]["leaning"]

:func:`score_dataset` turns a Dataset of documents into a Dataset of scored articles
(one row per document, its sentences nested; :func:`sentence_table` flattens them).
:func:`score_inputs_ray` is ``stance score --engine ray``: files and folders in, Parquet
partitions out, resumable.

Nothing here imports Ray until it is used, and ``import stance`` never imports this
package: the local scorer runs without Ray installed.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "score_dataset": "pipeline",
    "sentence_table": "pipeline",
    "score_inputs_ray": "runner",
    "RayScoreOptions": "runner",
    "RaySummary": "runner",
    "RayNotInstalledError": "cluster",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stance.distributed' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = sorted(_EXPORTS)
