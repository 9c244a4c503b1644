"""Which numeric precision inference runs in: fp32 reference, bfloat16 autocast, or int8."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # pragma: no cover
    from .network import StanceNetwork

PRECISIONS = ("auto", "bf16", "int8", "off")


def bf16_is_fast(device: torch.device) -> bool:
    """Whether the hardware runs bfloat16 matrix products natively."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = getattr(torch, "cpu", None)
    return bool(cpu is not None and (getattr(cpu, "_is_amx_tile_supported", lambda: False)()
                                     or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()))


def apply_precision(model: StanceNetwork, fast: str, device: torch.device) -> tuple[StanceNetwork, str]:
    """The inference model for the chosen path, and the path's name.

    ``auto`` picks bfloat16 autocast where the hardware runs it natively (AMX or
    AVX-512 BF16 on CPU, bf16-capable GPUs): matrix products in bf16, layer norms
    and softmax in fp32, weights kept in fp32. On such CPUs it measured about 3x
    the fp32 throughput with the same labels (see benchmarks/throughput.py);
    casting the weights themselves to bf16 was slower.
    Elsewhere ``auto`` keeps fp32. ``int8`` (PyTorch dynamic quantisation of the
    linear layers, CPU only) is offered but not chosen by ``auto``: it was
    slower than bf16 here and changed more labels.
    """
    if fast not in PRECISIONS:
        raise ValueError(f"unknown fast path {fast!r}; choose one of {', '.join(PRECISIONS)}")
    if fast == "auto":
        fast = "bf16" if bf16_is_fast(device) else "off"
    if fast == "bf16":
        return model, "bf16"
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
