"""The network run by ONNX Runtime (``fast="onnx"`` or ``"onnx-int8"``), without torch.

On CPUs without native bfloat16 (no AMX, no AVX-512 BF16) ONNX Runtime runs the network
faster than PyTorch in fp32 (see the table in the README), and a process that loads a
model this way never imports torch: loading and the first prediction take a fraction of
the time. The graphs are exported once per model and precision (:mod:`stance.onnx_export`,
which does need torch) and cached under ``$STANCE_HOME/onnx/``; the word vectors are
looked up in the weights file itself, memory-mapped (:mod:`stance.tensor_map`). Needs the
``onnx`` extra (``pip install 'stance[onnx]'``).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path

import numpy as np

from .model_folder import CONFIG_FILE, WEIGHTS_FILE, ModelInfo, base_folder_for

#: the network's name for the word-embedding table (BERT-family encoders)
WORD_TABLE = "encoder.embeddings.word_embeddings.weight"
#: bumped whenever what the cache folder holds changes
CACHE_FORMAT = "v4"


def cache_folder(folder: Path, info: ModelInfo) -> Path:
    """Where the export of this model lives: keyed by the SHA-256 of its weights and
    config, and of the base's word table when the model takes it from the base."""
    from .locate import stance_home

    digest = hashlib.sha256()
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        digest.update(Path(folder, name).read_bytes())
    digest.update(str((info.base_weights or {}).get("sha256", "")).encode())
    return stance_home() / "onnx" / f"{CACHE_FORMAT}-{digest.hexdigest()[:20]}"


def word_table(folder: Path, info: ModelInfo) -> np.ndarray:
    """The model's word-embedding table, memory-mapped from the file that holds it (the
    model's own weights, or the converted base for a compact model folder)."""
    from .tensor_map import mapped_tensor

    taken = (info.base_weights or {}).get("tensors", {})
    if WORD_TABLE in taken:
        return mapped_tensor(base_folder_for(folder, info) / WEIGHTS_FILE, taken[WORD_TABLE])
    try:
        return mapped_tensor(folder / WEIGHTS_FILE, WORD_TABLE)
    except KeyError:
        raise ValueError(f"{folder}: the onnx paths run BERT-family encoders only (no "
                         f"{WORD_TABLE} in its weights); load it with fast='off'") from None


def default_threads() -> int:
    """Threads for ONNX Runtime: torch's setting where the process already imported torch
    (the distributed scorer sets it per actor), else ONNX Runtime's own choice (0)."""
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else 0


class OnnxRunner:
    """Stands in for :class:`stance.torch_runner.TorchRunner`: the same three calls, run by
    ONNX Runtime on numpy arrays."""

    device = "cpu"

    def __init__(self, encoder: Path, heads: Path, words: np.ndarray, precision: str,
                 threads: int | None = None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = default_threads() if threads is None else threads
        providers = ["CPUExecutionProvider"]
        self.encoder = onnxruntime.InferenceSession(str(encoder), options, providers=providers)
        self.heads = onnxruntime.InferenceSession(str(heads), options, providers=providers)
        self.words = words
        self.precision = precision

    def region(self):
        return contextlib.nullcontext()

    def vectors(self, input_ids: np.ndarray, attention_mask: np.ndarray,
                pool_mask: np.ndarray | None = None,
                passage_of: np.ndarray | None = None) -> np.ndarray:
        """The pooled vector of each row of ``pool_mask`` (default: of each row of the padded
        batch), float32; ``passage_of``: the batch row each pooling row reads."""
        words = np.asarray(self.words[input_ids], dtype=np.float32)
        if passage_of is None:
            passage_of = np.arange(len(input_ids), dtype=np.int64)
        (pooled,) = self.encoder.run(None, {
            "words": words, "attention_mask": attention_mask,
            "pool_mask": attention_mask if pool_mask is None else pool_mask,
            "passage_of": passage_of})
        return pooled

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray, pool_mask: np.ndarray,
               passage_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Stance and technique logits of one padded batch (float32)."""
        stance, technique = self.heads.run(None, {"pooled": self.vectors(
            input_ids, attention_mask, pool_mask, passage_of)})
        return stance, technique

    def vector_logits(self, vectors: np.ndarray, own_rows: np.ndarray,
                      context_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits of a context-vector model (see ``TorchRunner.vector_logits``)."""
        stance, technique = self.heads.run(None, {
            "vectors": np.ascontiguousarray(vectors, dtype=np.float32),
            "own_rows": np.asarray(own_rows, dtype=np.int64),
            "context_rows": np.asarray(context_rows, dtype=np.int64)})
        return stance, technique


def onnx_runner(folder: Path, info: ModelInfo, fast: str, network=None) -> OnnxRunner:
    """The runner of ``folder`` on path ``fast`` (``onnx`` or ``onnx-int8``), exporting the
    graphs first when the cache lacks them (which builds the torch network, or uses
    ``network`` when given)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ValueError(f"fast={fast!r} needs ONNX Runtime: pip install 'stance[onnx]'") from None
    words = word_table(folder, info)
    cache = cache_folder(folder, info)
    encoder = cache / ("encoder-int8.onnx" if fast == "onnx-int8" else "encoder.onnx")
    heads = cache / "heads.onnx"
    if not (encoder.is_file() and heads.is_file()):
        from .model_folder import load_network
        from .onnx_export import export_encoder, export_heads

        network = load_network(folder, info).eval() if network is None else network
        if not encoder.is_file():
            export_encoder(network, encoder, int8=fast == "onnx-int8")
        if not heads.is_file():
            export_heads(network, heads)
    return OnnxRunner(encoder, heads, words, fast)
