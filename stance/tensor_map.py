"""One tensor of a safetensors file as a read-only numpy memory map.

The word-embedding table is most of a model's bytes (250k rows for the default base), and
a batch of sentences reads a few hundred of its rows. Mapping the file lets ONNX Runtime's
path look rows up without reading the table into memory or importing torch. The
safetensors layout is fixed by its specification: an 8-byte little-endian header length,
a JSON header giving each tensor's dtype, shape and byte offsets, then the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

#: safetensors dtypes numpy reads as they are (bfloat16 is not one of them)
NUMPY_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def mapped_tensor(path: str | os.PathLike, name: str) -> np.ndarray:
    """Tensor ``name`` of the safetensors file ``path``, memory-mapped read-only (bfloat16
    tensors, which numpy cannot map, are read whole and widened to float32).

    Raises ``KeyError`` naming the file when it holds no such tensor, ``ValueError`` when
    the header cannot be read.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        try:
            header = json.loads(handle.read(size))
            entry = header[name] if name in header else None
            if entry is None:
                raise KeyError(f"{path} holds no tensor {name!r}")
            dtype, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError) as err:
            raise ValueError(f"{path}: not a safetensors file ({err})") from None
    if dtype == "BF16":
        raw = np.memmap(path, dtype="<u2", mode="r", offset=8 + size + begin, shape=shape)
        return (raw.astype(np.uint32) << 16).view(np.float32)
    if dtype not in NUMPY_DTYPES:
        raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}, which cannot be mapped")
    return np.memmap(path, dtype=NUMPY_DTYPES[dtype], mode="r", offset=8 + size + begin, shape=shape)
