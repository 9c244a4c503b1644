"""stance: which side a sentence of war news advances, and which persuasion techniques it uses.

    >>> import stance
    >>> model = stance.load()                      # the default model, found offline
    >>> p = model.predict("Russia offers blackmail, not peace.")
    >>> p.stance, p.techniques

Nothing here touches the network unless you pass a Hugging Face Hub id to :func:`load`.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .classifier import StanceClassifier

_cache: dict[tuple[str, str, str], "StanceClassifier"] = {}
_lock = threading.Lock()


def load(name_or_path: str | os.PathLike | None = None, *, device: str = "cpu",
         fast: str = "auto") -> "StanceClassifier":
    """Load a trained model: a folder, a Hub id, or (with nothing given) the default model.

    Without an argument the model is looked for in ``$STANCE_MODEL``, then the
    checkout's ``models/default``, then the user data folder; the error lists the
    places tried and the command that builds the model.

    ``device`` is ``"cpu"``, ``"cuda"`` or ``"auto"``. ``fast`` picks the inference
    path: ``"auto"`` (bfloat16 where the hardware runs it natively, ONNX Runtime fp32 on
    other CPUs when the ``onnx`` extra is installed, else fp32), ``"bf16"``, ``"int8"``
    (CPU dynamic quantisation), ``"onnx"`` / ``"onnx-int8"`` (ONNX Runtime; the network is
    exported once per model and cached, after which loading never imports torch) or
    ``"off"`` (the fp32 reference).
    """
    from .classifier import StanceClassifier

    return StanceClassifier.from_folder(name_or_path, device=device, fast=fast)


def predict(texts, model: "StanceClassifier | str | os.PathLike | None" = None, **kwargs):
    """Predict with ``model`` (a loaded classifier, a path, or the default), loading it once per process."""
    from .classifier import StanceClassifier
    from .locate import resolve_model

    if not isinstance(model, StanceClassifier):
        key = (str(resolve_model(model)), kwargs.pop("device", "cpu"), kwargs.pop("fast", "auto"))
        with _lock:
            if key not in _cache:
                _cache[key] = load(key[0], device=key[1], fast=key[2])
        model = _cache[key]
    return model.predict(texts, **kwargs)


__all__ = ["__version__", "load", "predict"]
