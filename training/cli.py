"""``stance-train`` and ``stance train``: the command line of a training run.

The parser is built from :class:`TrainConfig`'s fields (name, type, default and
help), so every field has exactly one flag and nothing is written twice. The
``stance`` command finds this module through the ``stance.commands`` entry
point; the library itself never imports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing

from .config import TrainConfig

DESCRIPTION = ("Check the labels, fine-tune the base encoder, tune thresholds and temperature "
               "on dev, report figures on the held-out splits and baselines, and write a model "
               "folder with its model card.")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _value_type(hint) -> type:
    """``int`` for ``int`` and ``int | None``, and so on."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """One flag per :class:`TrainConfig` field."""
    hints = typing.get_type_hints(TrainConfig)
    for f in dataclasses.fields(TrainConfig):
        kind = _value_type(hints[f.name])
        shown = "" if f.default is None else " (default: %(default)s)"
        help_text = f.metadata.get("help", "") + shown
        if kind is bool:
            parser.add_argument(_flag(f.name), dest=f.name, default=f.default, help=help_text,
                                action=argparse.BooleanOptionalAction)
        else:
            parser.add_argument(_flag(f.name), dest=f.name, default=f.default, type=kind,
                                help=help_text, metavar=f.name.upper())
    return parser


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="stance-train", description=DESCRIPTION)
    return add_arguments(parser)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})


def run_from_args(args: argparse.Namespace) -> int:
    """Train as the parsed arguments say; exit status 0, or 1 with one clear message."""
    from stance.labelset import LabelCheckError

    try:
        from .train import train
    except ImportError as err:
        print(f"error: training needs the 'train' extra ({err}); install it with "
              "pip install 'stance[train]'", file=sys.stderr)
        return 1

    try:
        train(config_from_args(args))
    except LabelCheckError as err:
        print(f"training refused: {err}", file=sys.stderr)
        return 1
    except (ValueError, FileExistsError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    """Add ``train`` to the ``stance`` command (called through the ``stance.commands`` entry point)."""
    train = subparsers.add_parser("train", help="fine-tune a model on labels/ (needs the 'train' extra)",
                                  description=DESCRIPTION)
    add_arguments(train)
    train.set_defaults(func=run_from_args)


def main(argv: list[str] | None = None) -> int:
    return run_from_args(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
