"""The command-line side of ``stance score --engine ray``: options in, summary and exit status out.

Exit status as for the local scorer: 0 on success; 1 when nothing could be scored, the
model is missing or damaged, the output cannot be written, Ray is not installed or the
cluster cannot be reached or fails; 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys

from ..model_folder import ModelFolderError
from ..scoring.documents import InputOptions
from ..scoring.runner import OutputError
from .cluster import RayNotInstalledError

UNSUPPORTED = (
    ("format", "--format/--csv", "the Ray engine writes a folder of Parquet partitions (OUT/articles/, "
     "OUT/sentences/)"),
    ("csv", "--csv", "the Ray engine writes Parquet partitions"),
    ("explain", "--explain", "evidence is computed by the local scorer only"),
    ("evidence_method", "--evidence-method", "evidence is computed by the local scorer only"),
    ("report", "--report", "run `stance report` on local results"),
    ("errors", "--errors", "the Ray engine records bad documents in OUT/errors.jsonl"),
)


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def score_command(args: argparse.Namespace, thresholds: dict | None) -> int:
    """Run ``stance score`` on Ray with the parsed ``args`` (``--threshold`` already parsed)."""
    from .runner import RayScoreOptions, score_inputs_ray

    for name, flag, why in UNSUPPORTED:
        if getattr(args, name, None):
            return _usage(f"{flag} does not go with --engine ray: {why}")
    if "-" in args.inputs:
        return _usage("--engine ray cannot read standard input ('-'): its tasks run in other "
                      "processes or machines; save the input to a file first")
    if args.stdin_format != "auto":
        return _usage("--stdin-format does not go with --engine ray (it reads no standard input)")
    try:
        options = RayScoreOptions(
            out=args.out, inputs=InputOptions(args.id_field, args.text_field),
            batch_size=args.batch_size, language=args.language, thresholds=thresholds,
            progress=not args.quiet, context=args.context, force=args.force,
            address=args.address, actors=args.actors, cpus_per_actor=args.cpus_per_actor,
            device=args.device or "auto", fast=args.fast)
        summary = score_inputs_ray(args.inputs, options, model=args.model)
    except ModelFolderError:
        raise  # the command line's own message and exit status
    except RayNotInstalledError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # bad inputs, options, thresholds, or settings mismatch
        return _usage(str(err))
    except (OutputError, ConnectionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:
        if type(err).__module__.split(".")[0] != "ray":
            raise
        print(f"error: the Ray job failed: {_first_line(err)}\nwhat was written before the failure "
              f"is kept in {args.out}; rerun the same command to resume", file=sys.stderr)
        return 1
    print(f"{summary}\nresults: {args.out}/articles/ and {args.out}/sentences/"
          + (f"\nerrors: {args.out}/errors.jsonl" if summary.failed else ""), file=sys.stderr)
    if summary.scored == 0 and summary.skipped == 0:
        print("error: nothing could be scored", file=sys.stderr)
        return 1
    return 0


def _first_line(err: BaseException) -> str:
    """The user's part of a Ray error: the last ``SomeError: message`` line of its text (Ray
    puts the traceback of the worker's exception there), without the module path."""
    for candidate in (err, getattr(err, "cause", None), err.__cause__):
        lines = [line.strip() for line in str(candidate or "").splitlines() if line.strip()]
        for line in reversed(lines):
            name, sep, message = line.partition(": ")
            if sep and name.split(".")[-1].endswith(("Error", "Exception")) and " " not in name:
                return f"{name.split('.')[-1]}: {message}"
    return f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
