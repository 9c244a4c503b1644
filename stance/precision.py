"""Which path inference runs on: fp32 reference, bfloat16 autocast, int8, or ONNX Runtime.

``fast="auto"`` picks by the CPU's features, from the table :data:`AUTO_BY_FEATURE`,
whose rows were measured with ``benchmarks/throughput.py`` (figures in the README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # pragma: no cover
    from .network import StanceNetwork

PRECISIONS = ("auto", "bf16", "int8", "off", "onnx", "onnx-int8")

#: The path ``fast="auto"`` takes on a CPU, by the first feature of the CPU found in
#: this list (measured: see the README's "Speed" section); a CPU with none of them
#: takes :data:`AUTO_FALLBACK`. A path whose package is missing falls back to fp32.
AUTO_BY_FEATURE = (
    ("amx_tile", "bf16"),      # AMX: bf16 matrix units, about 3x fp32 (earlier sessions' CPU)
    ("avx512_bf16", "bf16"),   # native bf16 dot products
)
#: AVX2 (AMD EPYC, 2 cores, the shipped model): ONNX Runtime fp32 scored 76 sentences/s
#: against 66 for PyTorch fp32, one-sentence p50 5.6 ms against 17.6, the same figures to
#: the fourth decimal; bf16 autocast ran 6x slower than fp32 there, and both int8 paths
#: lost 0.02 of test stance macro-F1. Without onnxruntime installed: fp32.
AUTO_FALLBACK = "onnx"


def cpu_features() -> set[str]:
    """The CPU flags that decide the fast path (from /proc/cpuinfo, or torch's probes)."""
    wanted = {"amx_tile", "avx512_bf16", "avx512f", "avx512_vnni", "avx_vnni", "avx2"}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return wanted & set(line.split(":", 1)[1].split())
    except OSError:
        pass
    cpu = getattr(torch, "cpu", None)
    found = set()
    if cpu is not None and getattr(cpu, "_is_amx_tile_supported", lambda: False)():
        found.add("amx_tile")
    if cpu is not None and getattr(cpu, "_is_avx512_bf16_supported", lambda: False)():
        found.add("avx512_bf16")
    return found


def choose_auto(device: torch.device) -> str:
    """The path ``fast="auto"`` takes on ``device``."""
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "off"
    features = cpu_features()
    for feature, path in AUTO_BY_FEATURE:
        if feature in features:
            return path
    if AUTO_FALLBACK.startswith("onnx"):
        import importlib.util

        if any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "onnx")):
            return "off"  # the onnx extra is not installed: the fp32 reference
    return AUTO_FALLBACK


def bf16_is_fast(device: torch.device) -> bool:
    """Whether the hardware runs bfloat16 matrix products natively."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = getattr(torch, "cpu", None)
    return bool(cpu is not None and (getattr(cpu, "_is_amx_tile_supported", lambda: False)()
                                     or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()))


def apply_precision(model: StanceNetwork, fast: str, device: torch.device,
                    weights=None) -> tuple[StanceNetwork, str]:
    """The inference model for the chosen path, and the path's name.

    ``auto`` picks by the CPU's features (:func:`choose_auto`). ``bf16``: autocast,
    matrix products in bf16, layer norms and softmax in fp32, weights kept in fp32
    (about 3x fp32 where the CPU runs bf16 natively, slower than fp32 elsewhere).
    ``int8``: PyTorch dynamic quantisation of the linear layers. ``onnx`` /
    ``onnx-int8``: the encoder run by ONNX Runtime (see :mod:`stance.onnx_encoder`).
    ``off``: the fp32 reference.
    """
    if fast not in PRECISIONS:
        raise ValueError(f"unknown fast path {fast!r}; choose one of {', '.join(PRECISIONS)}")
    if fast == "auto":
        fast = choose_auto(device)
    if fast == "bf16":
        return model, "bf16"
    if fast in ("onnx", "onnx-int8"):
        if device.type != "cpu" or weights is None:
            raise ValueError("the onnx paths run a model folder on the CPU; use fast='off' otherwise")
        from .onnx_encoder import use_onnx

        return use_onnx(model, weights, int8=fast == "onnx-int8"), fast
    if fast == "int8":
        if device.type != "cpu":
            raise ValueError("the int8 path runs on the CPU only; use fast='bf16' or 'off' on a GPU")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear},
                                                                dtype=torch.qint8)
        return quantized, "int8"
    return model, "fp32"
