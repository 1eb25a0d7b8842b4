"""``autograder export``: what Gradescope and PrairieLearn run, and the written answers as PDFs.

Each subcommand lives in the module that does the work (:mod:`~autograder.platforms.gradescope`,
:mod:`~autograder.platforms.prairielearn`, :mod:`~autograder.platforms.pdf`); this file only wires
up argparse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.platforms.bundle import VISIBILITIES

DESCRIPTION = """\
Write what another platform needs to grade ASSIGNMENT with this course's checks and hidden cases:
a Gradescope autograder zip, a PrairieLearn question folder, or one PDF per student of the
written answers and figures, to grade by hand.
"""


def _common(parser: argparse.ArgumentParser) -> None:
    """The assignment and its source notebooks."""
    parser.add_argument("assignment", help="assignment name, e.g. 05-activations")
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder of the assignment's source notebooks (default: solutions/ASSIGNMENT)",
    )


def _grader_options(parser: argparse.ArgumentParser) -> None:
    """What a platform's grader carries: the secret, the reveal mode, the sandbox policy."""
    from autograder.grading.cli import add_reveal_option

    parser.add_argument(
        "--secret-file",
        type=Path,
        default=None,
        help="the course secret the hidden cases are drawn from, which the export carries "
        "(readable by root only where it is installed); default as for autograder grade",
    )
    add_reveal_option(parser)
    parser.add_argument(
        "--require-sandbox",
        action="store_true",
        help="grade nothing where the platform's container cannot run bubblewrap (default: "
        "run the notebook there as the unprivileged user nobody, who can read neither the "
        "secret nor the checks)",
    )


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to an ``autograder`` argument parser."""
    parser = subparsers.add_parser(
        "export",
        help="write a Gradescope autograder, a PrairieLearn question, or PDFs of written answers",
        description=DESCRIPTION,
    )
    kinds = parser.add_subparsers(dest="platform", required=True)

    p = kinds.add_parser(
        "gradescope",
        help="autograder.zip for a Gradescope programming assignment",
        description="Write Gradescope's autograder zip: setup.sh and run_autograder at its root "
        "(Gradescope's autograder specification), the course package as a wheel, the source "
        "notebooks and the course secret. results.json has one test per graded function.",
    )
    _common(p)
    p.add_argument("--out", type=Path, required=True, help="the zip to write")
    _grader_options(p)
    p.add_argument(
        "--hidden-visibility",
        choices=VISIBILITIES,
        default="visible",
        help="when Gradescope shows a function's hidden cases, which then carry its points as "
        "a test of their own (after_due_date: the visible cases at once, the hidden ones and "
        "the total after the due date); default %(default)s",
    )
    p.set_defaults(func=run, action=_gradescope)

    p = kinds.add_parser(
        "prairielearn",
        help="a question folder for PrairieLearn's external grader",
        description="Write a PrairieLearn question (info.json, question.html, tests/) whose "
        "external grader runs the course's checks and hidden cases on the uploaded notebook.",
    )
    _common(p)
    p.add_argument("--out", type=Path, required=True, help="the question's folder to write")
    _grader_options(p)
    p.add_argument(
        "--image",
        default="prairielearn/grader-python",
        help="the grading image (build one from tests/Dockerfile; default %(default)s)",
    )
    p.add_argument("--timeout", type=int, default=300, help="seconds per grading job, at most 600")
    p.set_defaults(func=run, action=_prairielearn)

    p = kinds.add_parser(
        "pdf",
        help="one PDF per student of the written answers and figures",
        description="Print each student's written answers (with their questions) and the "
        "figures of their notebook to DIR/<student>.pdf with nbconvert's webpdf and Chromium.",
    )
    _common(p)
    p.add_argument("submissions", type=Path, help="folder or zip of submissions, as for grade")
    p.add_argument("--out", type=Path, required=True, help="folder of the PDFs")
    p.add_argument(
        "--chromium",
        type=Path,
        default=Path("/usr/bin/chromium"),
        help="the Chromium that prints (default %(default)s)",
    )
    p.set_defaults(func=run, action=_pdf)
    return parser


def _secret(args: argparse.Namespace):
    from autograder.secret import resolve_secret

    return resolve_secret(args.secret_file)


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.platforms import gradescope

    out = gradescope.export(
        args.assignment,
        args.out,
        source_dir=args.source,
        secret=_secret(args),
        reveal=args.reveal,
        hidden_visibility=args.hidden_visibility,
        require_sandbox=args.require_sandbox,
    )
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def _prairielearn(args: argparse.Namespace) -> int:
    from autograder.platforms import prairielearn

    out = prairielearn.export(
        args.assignment,
        args.out,
        source_dir=args.source,
        secret=_secret(args),
        reveal=args.reveal,
        require_sandbox=args.require_sandbox,
        image=args.image,
        timeout=args.timeout,
    )
    print(f"wrote {out}: copy it into the questions/ folder of your PrairieLearn course")
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from autograder.platforms import pdf

    written = pdf.export(
        args.assignment, args.submissions, args.out, source_dir=args.source, chromium=args.chromium
    )
    print(f"wrote {len(written)} PDFs to {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run an ``export`` subcommand; the exit status (2 with a message for bad input)."""
    try:
        return args.action(args)
    except (ValueError, FileNotFoundError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
