"""The labelling loop: suggest what to label next, take the labels back, retrain.

    stance score articles/ --out results.jsonl
    stance suggest results.jsonl --n 200 --out to_label.jsonl        # or --format label-studio
    # ... a person corrects the guesses and confirms each line (or labels in Label Studio) ...
    stance import to_label.jsonl --annotator NAME                    # or a Label Studio export
    stance train --labels labels --out models/default --overwrite

Modules, one concern each: :mod:`.candidates` (sentences of scored results),
:mod:`.uncertainty` (how unsure the model is), :mod:`.selection` (what to pick, spread
out), :mod:`.suggestion_file` (the labelling file in the project's format),
:mod:`.label_studio_tasks` and :mod:`.label_studio_export` (the Label Studio round trip),
:mod:`.suggest` and :mod:`.importer` (the two steps), :mod:`.commands` (their command
line). Nothing here imports torch until a model is used.
"""

from .importer import ImportRefused, ImportSummary, import_labels
from .suggest import SuggestError, SuggestOptions, read_inputs, suggest

__all__ = ["ImportRefused", "ImportSummary", "SuggestError", "SuggestOptions", "import_labels",
           "read_inputs", "suggest"]
