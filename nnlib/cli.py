"""The ``nnlib`` command: fetch the datasets, train and evaluate the course's classifiers.

Each subcommand lives in the module that does the work; this file only wires up argparse.
"""

from __future__ import annotations

import argparse
import sys


def _download(args: argparse.Namespace) -> int:
    from nnlib import datasets

    names = ["mnist", "signs"] if args.dataset == "all" else [args.dataset]
    for name in names:
        for path in datasets.download(name):
            print(f"{name}: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``nnlib`` command."""
    parser = argparse.ArgumentParser(
        prog="nnlib",
        description="The course's reference neural network: datasets, training, evaluation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("download", help="pre-fetch the datasets for offline use")
    p.add_argument("dataset", nargs="?", default="all", choices=["mnist", "signs", "all"])
    p.set_defaults(func=_download)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``nnlib`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
