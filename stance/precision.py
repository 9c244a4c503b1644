"""Which path inference runs on: fp32 reference, bfloat16 autocast, int8, or ONNX Runtime.

``fast="auto"`` picks by the CPU's features, from the table :data:`AUTO_BY_FEATURE`,
whose rows were measured with ``benchmarks/throughput.py`` (figures in the README).
"""

from __future__ import annotations

PRECISIONS = ("auto", "bf16", "int8", "off", "onnx", "onnx-int8")
#: the paths run by ONNX Runtime (:mod:`stance.onnx_runner`)
ONNX_PATHS = ("onnx", "onnx-int8")

#: The paths ``fast="auto"`` takes on a CPU, by the first feature of the CPU found in this
#: list: one for ``interactive`` use (``stance.load`` and ``predict`` from other code, where
#: load time and one-sentence latency count) and one for ``batch`` scoring (``stance score``,
#: ``stance suggest``, the Ray actors, where sentences per second count). ``None``: take
#: :data:`AUTO_FALLBACK`. Measured with ``benchmarks/throughput.py`` (README, "Speed"):
#:
#: - AVX-512 BF16 without AMX (AMD EPYC, 2 cores, the shipped model,
#:   ``benchmarks/results/throughput_avx512bf16.txt``): bf16 autocast scored 137 sentences/s
#:   against 92 for ONNX Runtime fp32 and 71 for PyTorch fp32, within 0.002 of fp32's
#:   macro-F1; but load plus first result took 2.22 s against 1.03 s, and one sentence
#:   10.4 ms against 5.1, so interactive use takes ONNX Runtime and batch scoring bf16.
#: - AMX (earlier sessions' CPU): bf16 about 3x fp32, one sentence 10.3 ms; ONNX Runtime
#:   was not measured there, so both take bf16.
#: - AVX2 only (AMD EPYC, 2 cores): ONNX Runtime fp32 scored 90 sentences/s against 85 for
#:   PyTorch fp32, one sentence 5.6 ms against 10.4, load plus first result 1.20 s against
#:   2.17 s (no torch import), the same figures to the fourth decimal; bf16 autocast ran 6x
#:   slower than fp32 there.
#:
#: The int8 paths score faster still but ``auto`` never takes them: dynamic quantisation
#: scales the activations of a whole batch at once, so a sentence's result depends on the
#: other sentences in its batch (the shipped model, 300 unseen sentences read alone and in
#: batches of 32: stance probabilities moved by up to 0.16 and 9 stance calls changed; fp32
#: paths: 1e-6, none), and how much accuracy they lose depends on the weights (recorded per
#: model in ``fast_paths`` of ``stance.json``). Without onnxruntime installed: fp32.
AUTO_BY_FEATURE = (
    # feature        interactive  batch
    ("amx_tile",     "bf16",      "bf16"),
    ("avx512_bf16",  None,        "bf16"),
)
#: what ``auto`` is chosen for (see :data:`AUTO_BY_FEATURE`)
WORKLOADS = ("interactive", "batch")
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


def choose_auto(device, workload: str = "interactive") -> str:
    """The path ``fast="auto"`` takes on ``device`` (``"cpu"``, ``"cuda"``, or a torch device)
    for ``workload`` (one of :data:`WORKLOADS`); on the CPU this imports neither torch nor
    ONNX Runtime."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; choose one of {', '.join(WORKLOADS)}")
    if _device_type(device) == "cuda":
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "off"
    features = cpu_features()
    for feature, interactive, batch in AUTO_BY_FEATURE:
        if feature in features:
            path = batch if workload == "batch" else interactive
            if path is not None:
                return path
            break
    if AUTO_FALLBACK.startswith("onnx"):
        import importlib.util

        if any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "onnx")):
            return "off"  # the onnx extra is not installed: the fp32 reference
    return AUTO_FALLBACK


def auto_for_batch(fast: str, device) -> str:
    """``fast`` as given, except that ``"auto"`` on the CPU becomes the path measured fastest
    for batch scoring (:data:`AUTO_BY_FEATURE`); ``stance score`` and the Ray actors load
    their model with it. Other devices keep ``"auto"`` (``stance.load`` resolves it)."""
    if fast == "auto" and _device_type(device) == "cpu":
        return choose_auto("cpu", "batch")
    return fast


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
