"""The ``autograder grade`` command: grade a class's submissions in the sandbox.

``autograder grade ASSIGNMENT SUBMISSIONS --out OUT`` (also ``python -m autograder.grading``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.grading.sandbox import Limits, detect_isolation
from autograder.grading.similarity import DEFAULT_THRESHOLD
from autograder.secret import MissingSecretError, resolve_secret

DESCRIPTION = """\
Grade every submission of ASSIGNMENT found in SUBMISSIONS: a folder in nbgrader's layout
<student_id>/<assignment>/<notebook>.ipynb, or an LMS download (zip or folder) with Canvas names
<name>_<user id>_<submission id>_<notebook>.ipynb or Moodle folders
<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb. Each submission runs in its own
sandboxed process; its functions are judged by the grader's checks in the grader's process.
Students are keyed by the LMS's user id where the download has one. Writes OUT/gradebook.db
(nbgrader), OUT/grades.csv and OUT/feedback/<student folder>/<assignment>.html.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``grade`` subcommand to an ``autograder`` argument parser."""
    parser = subparsers.add_parser(
        "grade",
        help="grade a class's submissions (folder or LMS zip) in a sandbox",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure(parser)
    return parser


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``grade`` command."""
    defaults = Limits()
    parser.add_argument(
        "assignment", help="assignment name, e.g. 05-activations (autograder list shows them)"
    )
    parser.add_argument("submissions", type=Path, help="folder or zip file of submissions")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder of the assignment's source notebooks (default: solutions/ASSIGNMENT)",
    )
    parser.add_argument(
        "--registry",
        default="autograder.checks",
        help="module holding the checks (CHECKS, ASSIGNMENTS); default %(default)s",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="parallel workers (default: CPUs)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=defaults.cell_seconds, help="seconds per cell"
    )
    parser.add_argument(
        "--call-timeout",
        type=float,
        default=defaults.call_seconds,
        help="seconds per call of a graded function",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        default=defaults.notebook_seconds,
        help="seconds per submission in all",
    )
    parser.add_argument(
        "--memory-mb", type=int, default=defaults.memory_mb, help="memory limit per submission"
    )
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="CSV of the enrolled students (a student_id or id column, and name): each gets a "
        "row, 'no submission' when they handed in nothing",
    )
    parser.add_argument(
        "--similarity-threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="share of matching code from which two students, or a student and solutions/ "
        "or nnlib, are flagged in OUT/similarity.html (default %(default)s; 0 turns it off)",
    )
    parser.add_argument(
        "--secret-file",
        type=Path,
        default=None,
        help="file holding the course secret the hidden cases are drawn from (default: "
        "$AUTOGRADER_SECRET, $AUTOGRADER_SECRET_FILE, or .autograder-secret in the course "
        "folder, created there on first use)",
    )
    parser.add_argument(
        "--max-processes",
        type=int,
        default=defaults.processes,
        help="processes and threads a submission may run at once (cgroup pids.max; "
        "default %(default)s)",
    )
    parser.add_argument(
        "--disk-mb",
        type=int,
        default=defaults.disk_mb,
        help="size in MiB of each of a submission's writable folders, its job folder and "
        "/tmp (memory file systems under bubblewrap; default %(default)s)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar: one line per graded submission instead",
    )
    parser.add_argument(
        "--require-sandbox",
        action="store_true",
        help="stop unless bubblewrap isolation (namespaces) works on this machine",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``grade`` command; returns the exit status."""
    from autograder.grading.grade import grade_class

    isolation = detect_isolation()
    if args.require_sandbox and not isolation.bwrap:
        for line in isolation.describe():
            print(line, file=sys.stderr)
        print(
            "error: --require-sandbox was given but bubblewrap does not work here", file=sys.stderr
        )
        return 2
    limits = Limits(
        cell_seconds=args.cell_timeout,
        call_seconds=args.call_timeout,
        notebook_seconds=args.notebook_timeout,
        memory_mb=args.memory_mb,
        processes=args.max_processes,
        disk_mb=args.disk_mb,
    )
    try:
        secret = resolve_secret(args.secret_file)
        grade_class(
            args.assignment,
            args.submissions,
            args.out,
            registry=args.registry,
            source_dir=args.source,
            workers=args.workers,
            limits=limits,
            isolation=isolation,
            secret=secret,
            roster=args.roster,
            similarity_threshold=args.similarity_threshold or None,
            progress=not args.no_progress,
        )
    except (ValueError, FileNotFoundError, ImportError, MissingSecretError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m autograder.grading``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.grading")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)
