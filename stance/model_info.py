"""What a trained model folder says about itself (``stance.json`` beside the weights).

A model folder holds: ``model.safetensors`` (weights, never a pickle),
``config.json`` (the encoder's architecture), the tokenizer files,
``stance.json`` (this file: label names, tuned thresholds, temperature, base
model, max length, context window, schema, training data hash, metrics) and
``README.md`` (the generated model card).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from .context import ContextWindow

INFO_FILE = "stance.json"
WEIGHTS_FILE = "model.safetensors"
# 2: adds ``context`` (neighbouring sentences read beside each sentence). Older
# versions of stance refuse these folders instead of silently dropping the context.
FORMAT_VERSION = 2


class ModelFolderError(ValueError):
    """A folder that is not a usable stance model."""


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
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def context_window(self) -> ContextWindow | None:
        return ContextWindow.from_dict(self.context)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stance_labels"] = list(self.stance_labels)
        data["technique_labels"] = list(self.technique_labels)
        return data

    def save(self, folder: str | Path) -> None:
        Path(folder, INFO_FILE).write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: str | Path) -> "ModelInfo":
        path = Path(folder, INFO_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFolderError(
                f"{folder} is not a stance model folder: {INFO_FILE} is missing. "
                "Build one with `stance train --labels labels --out models/default`."
            ) from None
        except json.JSONDecodeError as err:
            raise ModelFolderError(f"{path}:{err.lineno}: malformed JSON: {err.msg}") from None
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFolderError(
                f"{path} has format version {data['format_version']}, newer than this stance "
                f"(reads up to {FORMAT_VERSION}); upgrade stance."
            )
        known = {f.name for f in fields(cls)}
        missing = {"name", "version", "stance_labels", "technique_labels", "thresholds"} - set(data)
        if missing:
            raise ModelFolderError(f"{path} lacks {sorted(missing)}; rebuild the model.")
        data = {k: v for k, v in data.items() if k in known}
        data["stance_labels"] = tuple(data["stance_labels"])
        data["technique_labels"] = tuple(data["technique_labels"])
        data.setdefault("stance_default", data["stance_labels"][-1])
        unknown = set(data["thresholds"]) - set(data["technique_labels"])
        if unknown or set(data["technique_labels"]) - set(data["thresholds"]):
            raise ModelFolderError(f"{path}: thresholds do not match the technique labels; rebuild.")
        try:
            ContextWindow.from_dict(data.get("context"))
        except (TypeError, ValueError) as err:
            raise ModelFolderError(f"{path}: bad context setting {data.get('context')!r} ({err}); "
                                   "rebuild the model.") from None
        return cls(**data)
