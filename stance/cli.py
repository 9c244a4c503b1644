"""The ``stance`` command line: check labels, train, predict and score.

Data goes to standard output, progress and messages to standard error.
Exit codes: 0 success, 1 failure (bad labels, nothing scored), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .precision import PRECISIONS


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
    blocked = _blocklist_problems(args, records)
    if blocked:
        print(f"{len(blocked)} record(s) overlap the held-out data:\n  " + "\n  ".join(blocked[:50]),
              file=sys.stderr)
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
    if args.agreement:
        from .labelset.agreement import agreement_table

        print("\n" + agreement_table(labels, list(schema.techniques)))
    print(f"\nOK: {len(records)} labelled sentences pass the check.", file=sys.stderr)
    return 0


def _blocklist_problems(args: argparse.Namespace, records) -> list[str]:
    from .labelset.blocklist import Blocklist, project_blocklist

    path = args.blocklist or project_blocklist(args.labels)
    if not path:
        return []
    blocklist = Blocklist.load(path)
    print(f"checked against the held-out blocklist {path}", file=sys.stderr)
    return blocklist.problems(records)


def _add_plugin_commands(sub) -> None:
    """Commands that other packages add through the ``stance.commands`` entry point group:
    ``train`` comes from the training package, which this library never imports."""
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group="stance.commands")}
    for name in sorted(found):
        try:
            register = found[name].load()
        except ImportError as err:
            _add_missing(sub, name, f"the {name!r} command could not be loaded ({err})")
        else:
            register(sub)
    if "train" not in found:
        _add_missing(sub, "train", "training is not installed; install it with "
                     "pip install 'stance[train]'")


def _add_missing(sub, name: str, message: str) -> None:
    def fail(args: argparse.Namespace) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 1

    parser = sub.add_parser(name, help=f"(unavailable: {message})")
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    parser.set_defaults(func=fail)


def _load_model(args: argparse.Namespace, batch: bool = False):
    """The model of ``--model``; ``batch`` (scoring many documents): ``--fast auto`` takes the
    path measured fastest in sentences per second on this CPU
    (``stance.precision.AUTO_BY_FEATURE``)."""
    import stance

    from .precision import auto_for_batch

    fast = auto_for_batch(args.fast, args.device) if batch else args.fast
    return stance.load(args.model, device=args.device, fast=fast)


def _thresholds(pairs: list[str] | None) -> dict[str, float] | None:
    """``--threshold NAME=VALUE`` options as a dict; a malformed one is a usage error (exit 2)."""
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            print(f"error: --threshold takes NAME=VALUE (e.g. loaded_language=0.6), got {pair!r}",
                  file=sys.stderr)
            raise SystemExit(2) from None
    return out


def _cmd_predict(args: argparse.Namespace) -> int:
    import json

    from .text_gate import is_blank

    texts = args.text or [line.rstrip("\n") for line in sys.stdin if not is_blank(line)]
    if not texts:
        print("error: give a text to predict, or lines on standard input", file=sys.stderr)
        return 2
    blank = [i for i, t in enumerate(texts) if is_blank(t)]
    if blank:
        print(f"error: text {blank[0] + 1} is empty or whitespace only; give every text some "
              "words", file=sys.stderr)
        return 2
    thresholds = _thresholds(args.threshold)
    model = _load_model(args)
    try:
        predictions = model.predict(texts, thresholds=thresholds, explain=_explain(args))
    except (TypeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for p in predictions:
        if args.json:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
            continue
        print(p.text)
        scores = "  ".join(f"{k} {v:.2f}" for k, v in p.stance_scores.items())
        print(f"  stance:     {p.stance}   ({scores})")
        shown = "  ".join(f"{k} {v:.2f}" + (" *" if k in p.techniques else "")
                          for k, v in p.technique_scores.items())
        print(f"  techniques: {', '.join(p.techniques) or 'none'}   ({shown})")
        for label, items in (p.evidence or {}).items():
            words = ", ".join(f"{e.text!r} {e.weight:+.2f}" for e in items) or "none"
            print(f"  evidence for {label}: {words}")
        if p.truncated:
            print("  note: text longer than the model's window; only its beginning was read")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from .scoring import ScoreOptions, score_inputs
    from .scoring.documents import InputOptions
    from .scoring.runner import OutputError, SettingsMismatchError, check_output

    fmt = args.format or ("csv" if args.csv else "parquet" if args.out.endswith(".parquet")
                          else "csv" if args.out.endswith(".csv") else "jsonl")
    for item in args.inputs:
        if item != "-" and not Path(item).exists():
            print(f"error: input {item!r} does not exist", file=sys.stderr)
            return 2
    if args.engine == "ray":  # imports Ray (the optional 'ray' extra) only here
        from .distributed.command import score_command

        return score_command(args, _thresholds(args.threshold))
    args.device = args.device or "cpu"
    try:
        options = ScoreOptions(
            out=args.out, format=fmt, errors=args.errors,
            inputs=InputOptions(args.id_field, args.text_field, args.stdin_format),
            batch_size=args.batch_size, language=args.language,
            thresholds=_thresholds(args.threshold), progress=not args.quiet,
            context=args.context, force=args.force, explain=_explain(args))
        check_output(options)  # before the model loads: a bad --out fails in a second
        _check_report_folder(args.report)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OutputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    model = _load_model(args, batch=True)
    try:
        model.check_thresholds(options.thresholds)
        summary = score_inputs(model, args.inputs, options)
    except (ValueError, SettingsMismatchError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OutputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{summary}\nresults: {args.out}" + (f"\nerrors: {options.errors_path}"
                                                 if summary.failed else ""), file=sys.stderr)
    if summary.scored == 0 and summary.skipped == 0:
        print("error: nothing could be scored", file=sys.stderr)
        return 1
    return _write_report(str(options.log_path), args.report) if args.report else 0


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None,
                        help="model folder or Hub id (default: $STANCE_MODEL, models/default, "
                        "then the user cache)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--fast", default="auto", choices=PRECISIONS,
                        help="inference path: auto (by the CPU's measured table: bf16 where the CPU "
                        "has AMX, and for batch scoring AVX-512 BF16; else ONNX Runtime fp32 "
                        "when installed, else fp32), bf16, int8, onnx, "
                        "onnx-int8, or off (the fp32 reference); the int8 paths are faster but a "
                        "sentence's result then depends on its batch (README, Speed)")
    parser.add_argument("--threshold", action="append", metavar="NAME=VALUE",
                        help="override one technique's threshold (repeatable)")


def _explain(args: argparse.Namespace) -> bool | str:
    return args.evidence_method or bool(args.explain)


def _add_explain_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--explain", action="store_true",
                        help="add the words that drive each stance and technique (evidence); "
                        "slower: one extra forward pass per word")
    parser.add_argument("--evidence-method", choices=["occlusion", "gradients"], default=None,
                        help="how evidence is found (default: occlusion, the more faithful here; "
                        "see models/README.md); implies --explain")


def _add_report(sub) -> None:
    """``stance report``; the report package (and jinja2) is imported only when it runs."""
    report = sub.add_parser("report", help="write an HTML report of scored articles",
                            description="Write a self-contained static site from the JSON Lines "
                            "results of stance score: index.html (a sortable table of the "
                            "articles) and one page per article, sentence by sentence.")
    report.add_argument("results", metavar="RESULTS.jsonl", help="results of stance score")
    report.add_argument("--out", required=True, metavar="FOLDER",
                        help="report folder (created, or replaced if it holds an earlier report)")
    report.set_defaults(func=lambda args: _write_report(args.results, args.out))


def _add_suggest(sub) -> None:
    """``stance suggest``; the labelling package is imported only when it runs."""
    suggest = sub.add_parser("suggest", help="pick the sentences of scored results to label next",
                             description="Pick the sentences the model is least sure of from "
                             "stance score results, spread across documents and languages, "
                             "near-duplicates and sentences already in labels/ left out, and "
                             "write them with the model's guess marked as a guess.")
    suggest.add_argument("results", metavar="RESULTS.jsonl", help="results of stance score")
    suggest.add_argument("--out", required=True,
                         help="labelling file to write (.jsonl; a .json task file with "
                         "--format label-studio, its labelling config beside it)")
    suggest.add_argument("--n", type=int, default=200, help="sentences to pick (default: %(default)s)")
    suggest.add_argument("--per-document", type=int, default=3,
                         help="at most this many sentences of one document (default: %(default)s)")
    suggest.add_argument("--format", choices=["jsonl", "label-studio"], default="jsonl",
                         help="the project's label format (default), or a Label Studio task file")
    suggest.add_argument("--labels", default="labels",
                         help="labels folder: never suggest a sentence already there; label names "
                         "from its schema.json (default: %(default)s)")
    suggest.add_argument("--dedup-threshold", type=float, default=None,
                         help="cosine similarity of sentence vectors above which two sentences are "
                         "near-duplicates, after centring (default: 0.85)")
    suggest.add_argument("--blocklist", default=None,
                         help="held-out blocklist (default: ../shared/heldout/blocklist.json beside "
                         "the checkout, where it exists)")
    suggest.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    _add_model_options(suggest)

    def run(args: argparse.Namespace) -> int:
        from .labelling.commands import run_suggest

        return run_suggest(args, lambda a: _load_model(a, batch=True), _thresholds(args.threshold))

    suggest.set_defaults(func=run)


def _add_import(sub) -> None:
    """``stance import``; the labelling package is imported only when it runs."""
    imp = sub.add_parser("import", help="add labelled sentences (a labelling file or a Label "
                         "Studio export) to labels/",
                         description="Validate a labelling file (the project's format) or a "
                         "Label Studio JSON export with the label checker, give new sentences "
                         "a split by the stable rule, and append them to "
                         "labels/data/<lang>/imported.jsonl. Nothing is written unless "
                         "everything passes.")
    imp.add_argument("file", metavar="FILE", help="a .jsonl labelling file or a Label Studio .json export")
    imp.add_argument("--labels", default="labels", help="labels folder (default: %(default)s)")
    imp.add_argument("--annotator", default=None,
                     help="who labelled them, recorded on each sentence whose file names nobody")
    imp.add_argument("--skip-unconfirmed", action="store_true",
                     help="leave out items nobody has confirmed (instead of refusing the file)")
    imp.add_argument("--blocklist", default=None,
                     help="held-out blocklist (default: ../shared/heldout/blocklist.json beside "
                     "the checkout, where it exists)")

    def run(args: argparse.Namespace) -> int:
        from .labelling.commands import run_import

        return run_import(args)

    imp.set_defaults(func=run)


def _write_report(results: str, out: str) -> int:
    from .report.command import run_report

    return run_report(results, out)


def _check_report_folder(out: str | None) -> None:
    """A --report folder that cannot be written is a usage error before any scoring."""
    if out:
        from .report.command import destination_problem

        problem = destination_problem(out)
        if problem:
            raise ValueError(problem)


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
    check.add_argument("--agreement", action="store_true",
                       help="also print the agreement of the two independent labellings "
                       "(labels/annotations/modelled.jsonl)")
    check.add_argument("--blocklist", default=None,
                       help="held-out blocklist to check every URL and text against (default: "
                       "../shared/heldout/blocklist.json beside the checkout, where it exists)")
    check.set_defaults(func=_cmd_check)
    _add_plugin_commands(sub)

    predict = sub.add_parser("predict", help="predict stance and techniques for texts",
                             description="Predict one result per text (arguments, or lines on "
                             "standard input).")
    predict.add_argument("text", nargs="*", help="texts to classify (default: lines of stdin)")
    predict.add_argument("--json", action="store_true", help="one JSON object per text")
    _add_explain_option(predict)
    _add_model_options(predict)
    predict.set_defaults(func=_cmd_predict)

    score = sub.add_parser("score", help="score whole articles into per-article results",
                           description="Score articles (.txt, .md, .html, .jsonl files, folders, "
                           "or - for stdin) sentence by sentence. Rerunning the same command "
                           "skips documents already written (same id and content hash).")
    score.add_argument("inputs", nargs="+", metavar="INPUT")
    score.add_argument("--out", required=True, help="results file (.jsonl, .csv or .parquet)")
    score.add_argument("--csv", action="store_true", help="write one CSV row per sentence")
    score.add_argument("--format", choices=["jsonl", "csv", "parquet"], default=None,
                       help="output format (default: from the --out suffix, else jsonl)")
    score.add_argument("--errors", default=None,
                       help="errors file (default: OUT's name with .errors.jsonl)")
    score.add_argument("--id-field", default="id", help="JSON Lines field with the document id")
    score.add_argument("--text-field", default="text", help="JSON Lines field with the text")
    score.add_argument("--stdin-format", default="auto", choices=["auto", "text", "html", "jsonl"])
    score.add_argument("--language", default=None,
                       help="ISO code for all documents (default: detected per document)")
    score.add_argument("--batch-size", type=int, default=32, help="sentences per forward pass (default: 32)")
    score.add_argument("--quiet", action="store_true", help="no progress bar")
    score.add_argument("--report", metavar="FOLDER", default=None,
                       help="after scoring, write the HTML report of all the results to FOLDER "
                       "(as stance report does)")
    _add_explain_option(score)
    score.add_argument("--force", action="store_true",
                       help="add to an output scored with other settings (another model version, "
                       "or with/without context) instead of refusing")
    score.add_argument("--context", action=argparse.BooleanOptionalAction, default=True,
                       help="read each sentence with the neighbours the model was trained with "
                       "(default); --no-context reads sentences alone: about twice as fast with "
                       "the default (pair) model, barely faster with a vector or window model, "
                       "less accurate (see models/README.md)")
    _add_model_options(score)
    ray = score.add_argument_group("on a Ray cluster (pip install 'stance[ray]')")
    ray.add_argument("--engine", choices=["local", "ray"], default="local",
                     help="ray: score on Ray Data into a folder of Parquet partitions (--out OUT/)")
    ray.add_argument("--address", default=None,
                     help="Ray cluster to join (auto, HOST:PORT or ray://HOST:10001; default: "
                     "start Ray on this machine's CPUs)")
    ray.add_argument("--actors", type=int, default=None,
                     help="model actors (default: one per GPU, else one per --cpus-per-actor CPUs)")
    ray.add_argument("--cpus-per-actor", type=int, default=1, help="CPU threads of each model actor")
    # --device: cpu for the local scorer; with --engine ray, the cluster's GPUs where it has them
    score.set_defaults(func=_cmd_score, device=None)
    _add_report(sub)
    _add_suggest(sub)
    _add_import(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .locate import ModelNotFoundError
    from .model_folder import ModelFolderError

    try:
        return args.func(args)
    except (ModelNotFoundError, ModelFolderError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
