"""The ``stance`` command line: check labels, train, predict and score.

Data goes to standard output, progress and messages to standard error.
Exit codes: 0 success, 1 failure (bad labels, nothing scored), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_check(args: argparse.Namespace) -> int:
    from .labelset.check import LabelCheckError, check_labels
    from .labelset.splits import assign_splits, write_splits
    from .labelset.summary import summary_table
    from .schema import LabelSchema, SchemaError

    labels = Path(args.labels)
    try:
        schema = LabelSchema.load(labels)
    except SchemaError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    records, issues = check_labels(labels, schema, require_splits=not args.assign_splits)
    if issues:
        print(LabelCheckError(issues, labels), file=sys.stderr)
        return 1
    if args.assign_splits:
        new = assign_splits(records, schema)
        changed = write_splits(records, new)
        print(f"assigned a split to {len(new)} new sentence(s) in {len(changed)} file(s)",
              file=sys.stderr)
        records, issues = check_labels(labels, schema)
        if issues:
            print(LabelCheckError(issues, labels), file=sys.stderr)
            return 1
    print(summary_table(records, schema))
    print(f"\nOK: {len(records)} labelled sentences pass the check.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="stance",
        description="Stance (pro_kyiv / pro_moscow / neutral) and persuasion techniques, "
        "sentence by sentence, in news about the Russia-Ukraine war.",
    )
    parser.add_argument("--version", action="version", version=f"stance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    check = sub.add_parser("check", help="validate the label files and print a summary table",
                           description="Validate labels/ and print counts per split, language, "
                           "stance, technique and source article.")
    check.add_argument("--labels", default="labels", help="labels folder (default: %(default)s)")
    check.add_argument("--assign-splits", action="store_true",
                       help="give new sentences a train/dev/test split (existing ones never move)")
    check.set_defaults(func=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
