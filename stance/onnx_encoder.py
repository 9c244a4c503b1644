"""The encoder run by ONNX Runtime (``fast="onnx"`` or ``"onnx-int8"``).

On CPUs without native bfloat16 (no AMX, no AVX-512 BF16) ONNX Runtime runs the
encoder faster than PyTorch in fp32 (see the table in the README). The encoder's layers
and pooling (word vectors to pooled sentence vector) are exported once per model and
precision and cached under ``$STANCE_HOME/onnx/`` (about 45 MB for six layers); the
word-vector lookup and the heads stay in PyTorch (a table lookup, and two small
matrices). Needs the ``onnx`` extra (``pip install 'stance[onnx]'``).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import torch

from .atomic import atomic_path

ONNX_PATHS = ("onnx", "onnx-int8")


class _Pooled(torch.nn.Module):
    """Word vectors to the pooled sentence vector (what is exported)."""

    def __init__(self, network):
        super().__init__()
        self.encoder = network.encoder

    def forward(self, words, attention_mask, pool_mask):
        from .network import mean_pool

        return mean_pool(self.encoder.from_words(words, attention_mask), pool_mask)


def cache_path(weights: Path, int8: bool) -> Path:
    """Where the export of this model's encoder lives (keyed by the weights' SHA-256)."""
    from .locate import stance_home

    digest = hashlib.sha256(Path(weights).read_bytes()).hexdigest()[:20]
    return stance_home() / "onnx" / f"v2-{digest}" / ("encoder-int8.onnx" if int8 else "encoder.onnx")


def export(network, path: Path, int8: bool) -> Path:
    """Export ``network``'s encoder and pooling to ``path`` (dynamic batch and length)."""
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]])
    words = torch.randn(2, 5, network.config.hidden_size)
    axes = {"words": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "pool_mask": {0: "batch", 1: "tokens"}, "pooled": {0: "batch"}}
    with atomic_path(path.with_suffix(".fp32.onnx") if int8 else path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Pooled(network).eval(), (words, mask, mask), str(tmp),
                          input_names=["words", "attention_mask", "pool_mask"],
                          output_names=["pooled"], dynamic_axes=axes, opset_version=17, dynamo=False)
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        source = path.with_suffix(".fp32.onnx")
        # quantize_dynamic warns through logging.warning on the root logger, which would
        # install a handler on the user's root logger (logging.basicConfig) as a side effect:
        # give the root a handler of its own for the duration, so nothing global changes.
        root, quiet = logging.getLogger(), logging.NullHandler()
        root.addHandler(quiet)
        try:
            with atomic_path(path) as tmp:
                quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8)
        finally:
            root.removeHandler(quiet)
        source.unlink()
    return path


class OnnxEncode:
    """Stands in for ``StanceNetwork.encode``: token ids to pooled vectors, the word vectors
    looked up in PyTorch and the rest run by ONNX Runtime."""

    def __init__(self, path: Path, words: torch.nn.Embedding, threads: int | None = None):
        self.words = words
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, input_ids, attention_mask, pool_mask=None):
        pool_mask = attention_mask if pool_mask is None else pool_mask
        with torch.inference_mode():
            words = self.words(input_ids.cpu()).numpy()
        (pooled,) = self.session.run(None, {"words": words,
                                            "attention_mask": attention_mask.cpu().numpy(),
                                            "pool_mask": pool_mask.cpu().numpy()})
        return torch.from_numpy(pooled)


def use_onnx(network, weights: Path, int8: bool):
    """``network`` with its encoder run by ONNX Runtime (exported at first use, then cached)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ValueError("fast='onnx' needs ONNX Runtime: pip install 'stance[onnx]'") from None
    path = cache_path(weights, int8)
    if not path.is_file():
        export(network, path, int8)
    if not hasattr(network.encoder, "from_words"):
        raise ValueError("fast='onnx' runs BERT-family encoders only; use fast='off'")
    network.encode = OnnxEncode(path, network.encoder.embeddings.word_embeddings)
    return network
