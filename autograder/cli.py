"""The ``autograder`` command: release exercises, check a notebook, grade a class.

Each subcommand lives in the module that does the work; this file only wires up argparse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.lean_imports import skip_iri_grammars

skip_iri_grammars()

from autograder.grading.cli import add_parser as add_grade_parser  # noqa: E402
from autograder.grading.cli import add_reveal_option  # noqa: E402
from autograder.platforms.cli import add_parser as add_export_parser  # noqa: E402


def _release(args: argparse.Namespace) -> int:
    from autograder.release import ReleaseError, differences, release

    try:
        if args.check:
            problems = differences(args.assignments or None)
            for problem in problems:
                print(problem)
            if problems:
                print("exercises/ is out of date: run `autograder release`", file=sys.stderr)
                return 1
            print("exercises/ is what nbgrader makes of solutions/")
            return 0
        for path in release(args.assignments or None):
            print(f"released {path}")
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _check(args: argparse.Namespace) -> int:
    from autograder.notebook_check import report

    path = Path(args.notebook)
    if not path.is_file():
        print(f"error: no notebook at {path}", file=sys.stderr)
        return 2
    text, score, total = report(path, timeout=args.timeout, reveal=args.reveal)
    print(text)
    return 0 if score >= total else 1


def _list(args: argparse.Namespace) -> int:
    from autograder.checks import ASSIGNMENTS, CHECKS
    from autograder.course import REPO_ROOT
    from autograder.grading.assignment import load_assignment, load_registry

    registry = load_registry()
    for assignment, names in ASSIGNMENTS.items():
        total = sum(CHECKS[n].points for n in names)
        source = REPO_ROOT / "solutions" / assignment
        written = load_assignment(assignment, registry, source).written_points
        more = f" + {written:g} written, graded by hand" if written else ""
        print(f"{assignment} ({total:g} points{more})")
        for name in names:
            print(f"  {name}: {CHECKS[name].points:g}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``autograder`` command."""
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Check exercise notebooks against nnlib; release and grade assignments.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "check",
        help="run a notebook's checks locally and print a report per function",
        description="Execute NOTEBOOK in a fresh kernel and report the checks of its functions. "
        "Exit status 0 when every check earns full marks.",
    )
    p.add_argument("notebook", help="path of the .ipynb to check")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    add_reveal_option(p)
    p.set_defaults(func=_check)

    p = sub.add_parser(
        "release",
        help="regenerate exercises/ from solutions/ with nbgrader generate_assignment",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail when exercises/ differs from what release would make",
    )
    p.set_defaults(func=_release)

    p = sub.add_parser("list", help="list the assignments, their graded functions and points")
    p.set_defaults(func=_list)

    add_grade_parser(sub)
    add_export_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``autograder`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
