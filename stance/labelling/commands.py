"""What ``stance suggest`` and ``stance import`` run: messages to standard error, an exit
status back (0 done; 1 the inputs or labels were refused, or nothing could be written;
2 a usage error)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run_suggest(args: argparse.Namespace, load_model, thresholds) -> int:
    """``load_model(args)`` loads the model (after the inputs are checked: a bad input fails
    in a second); ``thresholds``: the ``--threshold`` overrides."""
    from .candidates import ResultsInputError
    from .selection import DEDUP_THRESHOLD
    from .suggest import SuggestError, SuggestOptions, check_output, read_inputs, suggest

    if not Path(args.results).exists():
        print(f"error: results file not found: {args.results}", file=sys.stderr)
        return 2
    try:
        options = SuggestOptions(n=args.n, per_document=args.per_document, format=args.format,
                                 labels=args.labels,
                                 dedup_threshold=(DEDUP_THRESHOLD if args.dedup_threshold is None
                                                  else args.dedup_threshold),
                                 overwrite=args.overwrite, blocklist=args.blocklist or "auto",
                                 thresholds=thresholds)
        check_output(args.out, options)
        inputs = read_inputs(args.results, options)
    except (SuggestError, ResultsInputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not inputs.candidates:
        print(f"error: no sentence of {args.results} is left to suggest "
              f"({inputs.total} read, all left out: already labelled, held out, or in a language "
              "the schema does not list)", file=sys.stderr)
        return 1
    model = load_model(args)
    try:
        summary = suggest(model, inputs, args.out, options)
    except (SuggestError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: writing {args.out} failed: {err.strerror or err}", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    if args.format == "jsonl":
        print(f"next: correct stance and techniques where the guess is wrong, set \"confirmed\": "
              f"true on each line you checked, then: stance import {args.out} --labels {args.labels}",
              file=sys.stderr)
    else:
        print(f"next: create a Label Studio project with the labelling config, import "
              f"{args.out}, label, export as JSON, then: stance import EXPORT.json --labels "
              f"{args.labels}", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from .importer import ImportRefused, import_labels

    if not Path(args.file).exists():
        print(f"error: file not found: {args.file}", file=sys.stderr)
        return 2
    try:
        summary = import_labels(args.file, args.labels, annotator=args.annotator,
                                blocklist=args.blocklist or "auto",
                                skip_unconfirmed=args.skip_unconfirmed)
    except ImportRefused as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: writing to {args.labels} failed ({err.strerror or err}); the label files "
              "were left as they were", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    print(f"next: stance check --labels {args.labels}, then retrain: stance train --labels "
          f"{args.labels} --out models/default --overwrite", file=sys.stderr)
    return 0
