"""The label schema: the tasks, their label names and what each label means.

One JSON file (``labels/schema.json``) is the single source of truth. A trained
model stores a copy of it next to its weights, so that prediction never needs
``labels/`` and never names a label in code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


class SchemaError(ValueError):
    """The schema file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class LabelSchema:
    """Stance classes (exactly one per sentence) and techniques (zero or more)."""

    stance: Mapping[str, str]
    techniques: Mapping[str, str]
    #: The stance class that advances no side: the fallback in doubt, and what an
    #: article leans to when its partisan sentences are too few.
    stance_default: str = ""
    languages: Mapping[str, str] = field(default_factory=lambda: {"en": "English"})
    splits: Mapping[str, float] = field(
        default_factory=lambda: {"train": 0.6, "dev": 0.2, "test": 0.2}
    )
    schema_version: int = 1

    @property
    def stance_labels(self) -> tuple[str, ...]:
        return tuple(self.stance)

    @property
    def technique_labels(self) -> tuple[str, ...]:
        return tuple(self.techniques)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "schema") -> "LabelSchema":
        if not isinstance(data, Mapping):
            raise SchemaError(f"{where}: expected a JSON object, found {type(data).__name__}")
        for key in ("stance", "techniques"):
            value = data.get(key)
            if not isinstance(value, Mapping) or not value:
                raise SchemaError(
                    f"{where}: {key!r} must be a non-empty object of label name -> one-line description"
                )
            for name, description in value.items():
                if not name or not name.replace("_", "").isalnum() or name != name.lower():
                    raise SchemaError(
                        f"{where}: label name {name!r} under {key!r} must be lower_snake_case"
                    )
                if not isinstance(description, str) or not description.strip():
                    raise SchemaError(f"{where}: label {name!r} under {key!r} needs a description")
        if len(data["stance"]) < 2:
            raise SchemaError(f"{where}: 'stance' needs at least two classes")
        default = data.get("stance_default", list(data["stance"])[-1])
        if default not in data["stance"]:
            raise SchemaError(f"{where}: 'stance_default' {default!r} is not one of the stance "
                              f"classes: {', '.join(data['stance'])}")
        overlap = set(data["stance"]) & set(data["techniques"])
        if overlap:
            raise SchemaError(f"{where}: names used both as stance and technique: {sorted(overlap)}")
        splits = data.get("splits", {"train": 0.6, "dev": 0.2, "test": 0.2})
        if set(splits) != {"train", "dev", "test"} or abs(sum(splits.values()) - 1) > 1e-6:
            raise SchemaError(f"{where}: 'splits' must give train, dev and test shares that sum to 1")
        return cls(
            stance=dict(data["stance"]),
            stance_default=default,
            techniques=dict(data["techniques"]),
            languages=dict(data.get("languages", {"en": "English"})),
            splits={k: float(v) for k, v in splits.items()},
            schema_version=int(data.get("schema_version", 1)),
        )

    @classmethod
    def load(cls, path: str | Path) -> "LabelSchema":
        path = Path(path)
        if path.is_dir():
            path = path / "schema.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SchemaError(
                f"{path}: schema file not found; a labels folder needs a schema.json "
                "(see labels/README.md)"
            ) from None
        except json.JSONDecodeError as err:
            raise SchemaError(f"{path}:{err.lineno}: malformed JSON: {err.msg}") from None
        return cls.from_dict(data, where=str(path))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "stance": dict(self.stance),
            "stance_default": self.stance_default,
            "techniques": dict(self.techniques),
            "languages": dict(self.languages),
            "splits": dict(self.splits),
        }
