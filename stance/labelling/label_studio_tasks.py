"""``stance suggest --format label-studio``: a task file and a labelling config that Label
Studio imports as they are.

- The **task file** is a JSON list of tasks in Label Studio's basic JSON format: each task
  has ``data`` (the sentence as ``text``, the sentence before it as ``context``, and the
  fields of the project's record: ``id``, ``lang``, ``source``, ``source_path``,
  ``content_hash``, ``sentence_index``, ``start``, ``end``, and the model's ``guess``) and
  ``predictions``: the model's guess as one prediction (``model_version``, ``score`` = the
  model's confidence, 1 - uncertainty, so sorting by it puts the least sure first, and a
  ``choices`` result per control), which Label Studio shows pre-selected.
- The **labelling config** (XML, written next to the task file) shows the context and the
  sentence, a ``stance`` control (``Choices``, one choice, required) and a ``techniques``
  control (``Choices``, any number), with the names and one-line descriptions of
  ``labels/schema.json``: a technique added there appears here without code changes.

A prediction is only a guess: ``stance import`` takes a task's labels from its submitted
annotation, never from its prediction.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from ..atomic import atomic_write_text
from ..schema import LabelSchema

STANCE = "stance"  # the Choices control for the stance (one choice)
TECHNIQUES = "techniques"  # the Choices control for the techniques (any number)
TEXT = "text"  # the Text object that is labelled
CONTEXT = "context"  # the Text object that shows the sentence before
#: the task data fields copied from a suggestion record (and read back by ``stance import``)
DATA_FIELDS = ("id", "text", "context", "lang", "source", "source_path", "content_hash",
               "sentence_index", "start", "end", "guess")


def config_path(tasks_path: str | Path) -> Path:
    """Where the labelling config goes: beside the task file, ``<name>.label-config.xml``."""
    path = Path(tasks_path)
    return path.with_name(path.stem + ".label-config.xml")


def labelling_config(schema: LabelSchema) -> str:
    """The labelling config XML for ``schema``'s stance classes and techniques."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="The sentence before (context only, not labelled)")
    ET.SubElement(view, "Text", name=CONTEXT, value=f"${CONTEXT}")
    ET.SubElement(view, "Header", value="Label this sentence")
    ET.SubElement(view, "Text", name=TEXT, value=f"${TEXT}")
    ET.SubElement(view, "Header", value="Stance (exactly one)")
    stance = ET.SubElement(view, "Choices", name=STANCE, toName=TEXT, choice="single",
                           showInline="true", required="true",
                           requiredMessage="Choose the stance of the sentence")
    for name, description in schema.stance.items():
        ET.SubElement(stance, "Choice", value=name, hint=description)
    ET.SubElement(view, "Header", value="Techniques (none, one or several)")
    techniques = ET.SubElement(view, "Choices", name=TECHNIQUES, toName=TEXT, choice="multiple",
                               showInline="true")
    for name, description in schema.techniques.items():
        ET.SubElement(techniques, "Choice", value=name, hint=description)
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def _choices(task_id: str, control: str, values: list[str]) -> dict:
    return {"id": f"{task_id}-{control}", "from_name": control, "to_name": TEXT,
            "type": "choices", "value": {"choices": list(values)}}


def task_for(record: dict) -> dict:
    """One Label Studio task for one suggestion record (see :mod:`.suggestion_file`)."""
    guess = record.get("guess") or {}
    result = [_choices(record["id"], STANCE, [guess.get("stance", record["stance"])])]
    techniques = guess.get("techniques", record.get("techniques") or [])
    if techniques:  # no techniques: no pre-selected choice at all
        result.append(_choices(record["id"], TECHNIQUES, techniques))
    uncertainty = float(guess.get("uncertainty", 0.0))
    return {
        "data": {key: record[key] for key in DATA_FIELDS if key in record},
        "predictions": [{"model_version": guess.get("model") or "stance",
                         "score": round(1.0 - uncertainty, 4), "result": result}],
    }


def write_label_studio(records: list[dict], schema: LabelSchema, out: str | Path) -> Path:
    """Write the task file to ``out`` and the labelling config beside it (each through a
    temporary file and a rename); returns the config's path."""
    config = config_path(out)
    atomic_write_text(config, labelling_config(schema))
    atomic_write_text(out, json.dumps([task_for(r) for r in records], ensure_ascii=False, indent=1)
                      + "\n")
    return config
