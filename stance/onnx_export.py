"""Exporting a model's network to ONNX, once per model and precision (needs torch and the
``onnx`` extra); :mod:`stance.onnx_runner` runs the export without torch.

Two graphs: the encoder (word vectors, attention mask, and per sentence a pooling mask
and the row it is read in, to the pooled sentence vectors) and the heads (pooled vectors to logits; for a context-vector model, a
table of sentence vectors and, per row, which row is the sentence itself and which its
context). The word-vector lookup stays outside: the table is read from the weights file
(:mod:`stance.tensor_map`), which keeps the export at about 45 MB for six layers.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch

from .atomic import atomic_path

OPSET = 17


class _Pooled(torch.nn.Module):
    """Word vectors to the pooled sentence vector."""

    def __init__(self, network):
        super().__init__()
        self.encoder = network.encoder

    def forward(self, words, attention_mask, pool_mask, passage_of):
        from .network import mean_pool

        return mean_pool(self.encoder.from_words(words, attention_mask)[passage_of], pool_mask)


class _Heads(torch.nn.Module):
    """Pooled vectors to stance and technique logits."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, pooled):
        out = self.network.heads(pooled)
        return out["stance_logits"], out["technique_logits"]


class _VectorHeads(torch.nn.Module):
    """A context-vector model's heads: each row read beside the row before it."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, vectors, own_rows, context_rows):
        own = vectors[own_rows]
        out = self.network.heads(own, self.network.context_of(vectors, context_rows))
        return out["stance_logits"], out["technique_logits"]


def _export(module: torch.nn.Module, inputs: tuple, path: Path, names: list[str],
            outputs: list[str], axes: dict) -> None:
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), inputs, str(tmp), input_names=names, output_names=outputs,
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)


def export_encoder(network, path: Path, int8: bool) -> Path:
    """Export ``network``'s encoder and pooling to ``path`` (dynamic batch and length),
    its linear layers quantised to int8 when ``int8``."""
    if not hasattr(network.encoder, "from_words"):
        raise ValueError("the onnx paths run BERT-family encoders only; use fast='off'")
    path.parent.mkdir(parents=True, exist_ok=True)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]])
    pool = torch.tensor([[1, 1, 0, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0]])
    words = torch.randn(2, 5, network.config.hidden_size)
    axes = {"words": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "pool_mask": {0: "rows", 1: "tokens"}, "passage_of": {0: "rows"}, "pooled": {0: "rows"}}
    target = path.with_suffix(".fp32.onnx") if int8 else path
    _export(_Pooled(network), (words, mask, pool, torch.tensor([0, 0, 1])), target,
            ["words", "attention_mask", "pool_mask", "passage_of"], ["pooled"], axes)
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # quantize_dynamic warns through logging.warning on the root logger, which would
        # install a handler on the user's root logger (logging.basicConfig) as a side effect:
        # give the root a handler of its own for the duration, so nothing global changes.
        root, quiet = logging.getLogger(), logging.NullHandler()
        root.addHandler(quiet)
        try:
            with atomic_path(path) as tmp:
                quantize_dynamic(str(target), str(tmp), weight_type=QuantType.QInt8)
        finally:
            root.removeHandler(quiet)
        target.unlink()
    return path


def export_heads(network, path: Path) -> Path:
    """Export ``network``'s heads to ``path`` (fp32: they are two small matrices)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = network.config.hidden_size
    logits = {"stance_logits": {0: "rows"}, "technique_logits": {0: "rows"}}
    if network.context_vector:
        rows = torch.tensor([0, 1, 2])
        _export(_VectorHeads(network), (torch.randn(3, hidden), rows, torch.tensor([-1, 0, 1])), path,
                ["vectors", "own_rows", "context_rows"], list(logits),
                {"vectors": {0: "vectors"}, "own_rows": {0: "rows"}, "context_rows": {0: "rows"},
                 **logits})
    else:
        _export(_Heads(network), (torch.randn(2, hidden),), path, ["pooled"], list(logits),
                {"pooled": {0: "rows"}, **logits})
    return path
