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
    #: Shares of the splits that sentences (or, for modelled text, whole excerpts) are
    #: spread over by their labels. ``train`` is learned from and ``dev`` tunes
    #: thresholds and temperature; every other split is held out for evaluation.
    splits: Mapping[str, float] = field(
        default_factory=lambda: {"train": 0.6, "dev": 0.2, "test": 0.2}
    )
    #: ``{"split": name, "share": x}``: outlets held out whole. Modelled text from an
    #: outlet picked by a stable hash of its name (about ``share`` of the outlets)
    #: goes to that split, so no page of it is ever trained on. None: no such split.
    held_out_outlets: Mapping[str, Any] | None = None
    #: Outlet groups a modelled record may name (name -> description); empty: any.
    outlet_groups: Mapping[str, str] = field(default_factory=dict)
    schema_version: int = 1

    @property
    def split_names(self) -> tuple[str, ...]:
        """Every split, in order: the shared ones, then the held-out-outlet one."""
        extra = (self.held_out_outlets["split"],) if self.held_out_outlets else ()
        return (*self.splits, *extra)

    @property
    def evaluation_splits(self) -> tuple[str, ...]:
        """The splits held out for evaluation: all but ``train`` and ``dev``."""
        return tuple(name for name in self.split_names if name not in ("train", "dev"))

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
        if (not isinstance(splits, Mapping) or not {"train", "dev"} <= set(splits) or len(splits) < 3
                or not all(isinstance(v, (int, float)) and v > 0 for v in splits.values())
                or abs(sum(splits.values()) - 1) > 1e-6):
            raise SchemaError(f"{where}: 'splits' must give positive shares that sum to 1 for "
                              "'train', 'dev' and at least one held-out split (e.g. 'test')")
        held = data.get("held_out_outlets")
        if held is not None:
            if (not isinstance(held, Mapping) or not isinstance(held.get("split"), str)
                    or held["split"] in splits or not isinstance(held.get("share"), (int, float))
                    or not 0 < held["share"] < 1):
                raise SchemaError(f"{where}: 'held_out_outlets' must be {{\"split\": a new split "
                                  "name, \"share\": a number within (0, 1)}, found " + repr(held))
        groups = data.get("outlet_groups", {})
        if not isinstance(groups, Mapping):
            raise SchemaError(f"{where}: 'outlet_groups' must be an object of name -> description")
        return cls(
            stance=dict(data["stance"]),
            stance_default=default,
            techniques=dict(data["techniques"]),
            languages=dict(data.get("languages", {"en": "English"})),
            splits={k: float(v) for k, v in splits.items()},
            held_out_outlets=dict(held) if held else None,
            outlet_groups=dict(groups),
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
            **({"held_out_outlets": dict(self.held_out_outlets)} if self.held_out_outlets else {}),
            **({"outlet_groups": dict(self.outlet_groups)} if self.outlet_groups else {}),
        }
