"""The network run by PyTorch: fp32 (the reference), bfloat16 autocast, or dynamic int8.

A runner turns padded token ids (numpy arrays, see :meth:`stance.tokenization.TokenEncoder.pad`)
into logits or sentence vectors (numpy arrays). :class:`stance.classifier.StanceClassifier`
drives it and never touches torch itself, so a model run by ONNX Runtime
(:mod:`stance.onnx_runner`) loads and predicts without importing torch.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from .network import StanceNetwork

TORCH_PATHS = {"off": "fp32", "bf16": "bf16", "int8": "int8"}


class TorchRunner:
    """Runs a :class:`StanceNetwork` on ``device`` in ``precision`` (``fp32``, ``bf16``, ``int8``)."""

    def __init__(self, network: StanceNetwork, device: torch.device | str = "cpu",
                 precision: str = "fp32"):
        self.network = network
        self.device = torch.device(device)
        self.precision = precision

    @classmethod
    def build(cls, network: StanceNetwork, fast: str, device: torch.device | str) -> "TorchRunner":
        """A runner for one of the PyTorch paths (``off``, ``bf16``, ``int8``; see
        :func:`stance.precision.resolve_fast`): int8 quantises the linear layers dynamically."""
        device = torch.device(device)
        if fast not in TORCH_PATHS:
            raise ValueError(f"{fast!r} is not a PyTorch path; choose one of {', '.join(TORCH_PATHS)}")
        network = network.to(device).eval()
        if fast == "int8":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                network = torch.ao.quantization.quantize_dynamic(network, {torch.nn.Linear},
                                                                 dtype=torch.qint8)
        return cls(network, device, TORCH_PATHS[fast])

    def region(self):
        """One autocast region around many batches (its weight casts are cached across them)."""
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(self.device)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray, pool_mask: np.ndarray,
               passage_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Stance and technique logits of one padded batch (float32): one row per row of
        ``pool_mask`` (see ``StanceNetwork.encode`` for ``passage_of``)."""
        with torch.inference_mode():
            out = self.network(input_ids=self._tensor(input_ids),
                               attention_mask=self._tensor(attention_mask),
                               pool_mask=self._tensor(pool_mask),
                               passage_of=None if passage_of is None else self._tensor(passage_of))
        return _numpy(out["stance_logits"]), _numpy(out["technique_logits"])

    def vectors(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """The pooled vector of each row of one padded batch (float32)."""
        with torch.inference_mode():
            return _numpy(self.network.encode(self._tensor(input_ids), self._tensor(attention_mask)))

    def vector_logits(self, vectors: np.ndarray, own_rows: np.ndarray,
                      context_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits of a context-vector model: row ``own_rows[i]`` of ``vectors`` read beside
        row ``context_rows[i]`` (-1: no sentence before)."""
        with torch.inference_mode():
            table = self._tensor(vectors)
            own = table[self._tensor(own_rows)]
            context = self.network.context_of(table, self._tensor(context_rows))
            out = self.network.heads(own, context)
        return _numpy(out["stance_logits"]), _numpy(out["technique_logits"])


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.float().cpu().numpy()
