"""Which path inference runs on: fp32 reference, bfloat16 autocast, int8, or ONNX Runtime.

``fast="auto"`` picks by the CPU's features, from the table :data:`AUTO_BY_FEATURE`,
whose rows were measured with ``benchmarks/throughput.py`` (figures in the README).
"""

from __future__ import annotations

PRECISIONS = ("auto", "bf16", "int8", "off", "onnx", "onnx-int8")
#: the paths run by ONNX Runtime (:mod:`stance.onnx_runner`)
ONNX_PATHS = ("onnx", "onnx-int8")

#: The path ``fast="auto"`` takes on a CPU, by the first feature of the CPU found in
#: this list (measured: see the README's "Speed" section); a CPU with none of them
#: takes :data:`AUTO_FALLBACK`. A path whose package is missing falls back to fp32.
AUTO_BY_FEATURE = (
    ("amx_tile", "bf16"),      # AMX: bf16 matrix units, about 3x fp32 (earlier sessions' CPU)
    ("avx512_bf16", "bf16"),   # native bf16 dot products
)
#: AVX2 (AMD EPYC, 2 cores, the shipped model): ONNX Runtime fp32 scored 90 sentences/s
#: against 85 for PyTorch fp32, one-sentence p50 5.6 ms against 10.4, load plus first
#: result 1.20 s against 2.17 s (no torch import), the same figures to the fourth decimal;
#: bf16 autocast ran 6x slower than fp32 there. The int8 paths score about 1.5x faster
#: but ``auto`` never takes them: dynamic quantisation scales the activations of a whole
#: batch at once, so a sentence's result depends on the other sentences in its batch (the
#: shipped model, 300 unseen sentences read alone and in batches of 32: stance
#: probabilities moved by up to 0.16 and 9 stance calls changed; fp32 paths: 1e-6, none),
#: and how much accuracy they lose depends on the weights (recorded per model in
#: ``fast_paths`` of ``stance.json``). Without onnxruntime installed: fp32.
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
    import torch

    cpu = getattr(torch, "cpu", None)
    found = set()
    if cpu is not None and getattr(cpu, "_is_amx_tile_supported", lambda: False)():
        found.add("amx_tile")
    if cpu is not None and getattr(cpu, "_is_avx512_bf16_supported", lambda: False)():
        found.add("avx512_bf16")
    return found


def choose_auto(device) -> str:
    """The path ``fast="auto"`` takes on ``device`` (``"cpu"``, ``"cuda"``, or a torch device);
    on the CPU this imports neither torch nor ONNX Runtime."""
    if _device_type(device) == "cuda":
        import torch

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


def resolve_fast(fast: str, device) -> str:
    """``fast`` checked against :data:`PRECISIONS` and ``auto`` resolved for ``device``:
    one of ``off``, ``bf16``, ``int8``, ``onnx``, ``onnx-int8``.

    ``bf16``: autocast, matrix products in bf16, layer norms and softmax in fp32, weights
    kept in fp32 (about 3x fp32 where the CPU runs bf16 natively, slower than fp32
    elsewhere). ``int8``: PyTorch dynamic quantisation of the linear layers. ``onnx`` /
    ``onnx-int8``: the network run by ONNX Runtime, without torch (see
    :mod:`stance.onnx_runner`). ``off``: the fp32 reference.
    """
    if fast not in PRECISIONS:
        raise ValueError(f"unknown fast path {fast!r}; choose one of {', '.join(PRECISIONS)}")
    if fast == "auto":
        fast = choose_auto(device)
    if fast in ONNX_PATHS and _device_type(device) != "cpu":
        raise ValueError(f"fast={fast!r} runs on the CPU only; use fast='off' or 'bf16' on {device}")
    if fast == "int8" and _device_type(device) != "cpu":
        raise ValueError("the int8 path runs on the CPU only; use fast='bf16' or 'off' on a GPU")
    return fast


def _device_type(device) -> str:
    return getattr(device, "type", None) or str(device).split(":", 1)[0]


def bf16_is_fast(device) -> bool:
    """Whether the hardware runs bfloat16 matrix products natively."""
    import torch

    if _device_type(device) == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = getattr(torch, "cpu", None)
    return bool(cpu is not None and (getattr(cpu, "_is_amx_tile_supported", lambda: False)()
                                     or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()))
