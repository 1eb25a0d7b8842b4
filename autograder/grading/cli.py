"""The ``autograder grade`` command: grade a class's submissions in the sandbox.

``autograder grade ASSIGNMENT SUBMISSIONS --out OUT`` (also ``python -m autograder.grading``).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder import reveal as reveal_modes
from autograder.grading.late import LatePolicy
from autograder.grading.lms import MOODLE_LANGUAGES, LmsOptions
from autograder.grading.sandbox.isolation import Limits, SandboxRefused, detect_isolation
from autograder.grading.similarity import DEFAULT_THRESHOLD
from autograder.secret import MissingSecretError, resolve_secret

DESCRIPTION = """\
Grade every submission of ASSIGNMENT found in SUBMISSIONS: a folder in nbgrader's layout
<student_id>/<assignment>/<notebook>.ipynb, or an LMS download (zip or folder) with Canvas names
<name>_<user id>_<submission id>_<notebook>.ipynb or Moodle folders
<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb. Each submission runs in its own
sandboxed process; its functions are judged by the grader's checks in the grader's process.
Students are keyed by the LMS's user id where the download has one. Without a working
sandbox (bubblewrap) nothing is graded unless --no-sandbox is given. Writes OUT/gradebook.db
(nbgrader), OUT/grades.csv (every assignment graded into OUT), OUT/feedback/<student
folder>/<assignment>.html, OUT/similarity/<assignment>.html and, for a Canvas or Moodle
download, the LMS's grade import file and feedback zip in OUT/lms/. Each result is stored in
OUT/results/: running the command again grades only new or changed submissions, and a stopped
batch resumes where it stopped.
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


def add_reveal_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--reveal full|message|score``: what the failures of hidden cases show a student."""
    parser.add_argument(
        "--reveal",
        choices=reveal_modes.MODES,
        default=reveal_modes.DEFAULT,
        help="what a failing hidden case shows the student: full (its values), message (what "
        "failed and why, the hidden inputs' values masked) or score (only how many passed); "
        "default %(default)s",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``grade`` command, in the groups ``--help`` shows."""
    _add_inputs(parser)
    _add_limits(parser.add_argument_group("workers and limits per submission"))
    _add_policy(parser.add_argument_group("students, deadlines and similarity"))
    _add_lms(parser.add_argument_group("LMS files"))
    _add_cluster(parser.add_argument_group("grading on Dask workers"))
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar: one line per graded submission instead",
    )
    parser.set_defaults(func=run)


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    """What to grade, the output folder, the checks and the course secret."""
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
        "--secret-file",
        type=Path,
        default=None,
        help="file holding the course secret the hidden cases are drawn from (default: "
        "$AUTOGRADER_SECRET, $AUTOGRADER_SECRET_FILE, or .autograder-secret in the course "
        "folder, created there on first use)",
    )
    add_reveal_option(parser)


def _add_limits(group: argparse._ArgumentGroup) -> None:
    """How many submissions at once, and the sandbox's limits for each."""
    defaults = Limits()
    group.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPUs)")
    group.add_argument(
        "--cell-timeout", type=float, default=defaults.cell_seconds, help="seconds per cell"
    )
    group.add_argument(
        "--call-timeout",
        type=float,
        default=defaults.call_seconds,
        help="seconds per call of a graded function",
    )
    group.add_argument(
        "--notebook-timeout",
        type=float,
        default=defaults.notebook_seconds,
        help="seconds per submission in all",
    )
    group.add_argument(
        "--memory-mb", type=int, default=defaults.memory_mb, help="memory limit per submission"
    )
    group.add_argument(
        "--max-processes",
        type=int,
        default=defaults.processes,
        help="processes and threads a submission may run at once (cgroup pids.max; "
        "default %(default)s)",
    )
    group.add_argument(
        "--disk-mb",
        type=int,
        default=defaults.disk_mb,
        help="size in MiB of each of a submission's writable folders, its job folder and "
        "/tmp (memory file systems under bubblewrap; default %(default)s)",
    )


def _add_policy(group: argparse._ArgumentGroup) -> None:
    """Who is graded, the late policy and the similarity report."""
    group.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="CSV of the enrolled students (a student_id or id column, and name): each gets a "
        "row, 'no submission' when they handed in nothing",
    )
    group.add_argument(
        "--student",
        action="append",
        default=None,
        metavar="ID",
        help="grade only this student (repeatable), again even when unchanged; the rows of "
        "the others are kept",
    )
    group.add_argument(
        "--due",
        default=None,
        help="due date, ISO 8601 (2026-12-01T23:59+01:00; no offset: UTC): work handed in "
        "later loses --late-penalty",
    )
    group.add_argument(
        "--late-penalty",
        default="0%/day",
        help="share of the score deducted per day or per hour started after --due, "
        "e.g. 10%%/day or 2%%/hour (default %(default)s)",
    )
    group.add_argument(
        "--late-cap",
        default="100%",
        help="largest late penalty, e.g. 50%% (default %(default)s)",
    )
    group.add_argument(
        "--timezone",
        default=None,
        help="time zone of the file times in a zip download, e.g. Europe/Berlin (default: the "
        "LMS's convention, UTC for Canvas; a Moodle zip needs it with --due; never this "
        "machine's zone)",
    )
    group.add_argument(
        "--similarity-threshold",
        type=_threshold,
        default=DEFAULT_THRESHOLD,
        help="share of matching code from which two students, or a student and solutions/ "
        "or nnlib, are flagged in OUT/similarity/ASSIGNMENT.html and .csv (default %(default)s: "
        "the share from which a pair stands out in this class; 0 turns it off)",
    )


def _threshold(text: str) -> float | str:
    """``auto``, or a share of code from 0 to 1."""
    if text == DEFAULT_THRESHOLD:
        return text
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected auto or a share from 0 to 1; got {text!r}")
    return value


def _add_lms(group: argparse._ArgumentGroup) -> None:
    """The LMS's grade import file and feedback zip."""
    group.add_argument(
        "--lms",
        action="append",
        choices=["canvas", "moodle", "none"],
        default=None,
        help="write the grade import CSV and feedback zip for this LMS into OUT/lms/ "
        "(repeatable; default: the LMS the download came from)",
    )
    group.add_argument(
        "--canvas-assignment-id",
        default="",
        help="the Canvas assignment's id, so that the import updates it instead of creating "
        "a new assignment",
    )
    group.add_argument(
        "--missing-as-zero",
        action="store_true",
        help="give students who handed in nothing 0 in the LMS files (default: a blank "
        "cell, which both LMSs leave as it is, so that their own missing-work policy holds)",
    )
    group.add_argument(
        "--moodle-language",
        choices=sorted(MOODLE_LANGUAGES),
        default="en",
        help="the language of the Moodle site (of the user who imports): Moodle finds the "
        "worksheet's columns by their names in that language (default %(default)s)",
    )


def _add_cluster(group: argparse._ArgumentGroup) -> None:
    """A Dask scheduler, its TLS files, and the sandbox requirement on its workers."""
    group.add_argument(
        "--scheduler",
        default=os.environ.get("DASK_SCHEDULER_ADDRESS") or None,
        help="run the sandboxes on the workers of this Dask scheduler, tcp://HOST:8786 or "
        "tls://HOST:8786 (default $DASK_SCHEDULER_ADDRESS; none: this machine's pool)",
    )
    group.add_argument("--tls-ca-file", default=None, help="CA certificate for a tls:// scheduler")
    group.add_argument("--tls-cert", default=None, help="client certificate (PEM)")
    group.add_argument("--tls-key", default=None, help="client certificate's private key (PEM)")
    sandbox = group.add_mutually_exclusive_group()
    sandbox.add_argument(
        "--require-sandbox",
        action="store_true",
        help="stop unless bubblewrap isolates student code (the default; kept for scripts)",
    )
    sandbox.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade even where bubblewrap cannot isolate student code (here or on a Dask "
        "worker): it then runs as an unprivileged user (never as root: where it would, the "
        "grader refuses), and grades.csv and every feedback page say it was not sandboxed",
    )


def run(args: argparse.Namespace) -> int:
    """Run the ``grade`` command; returns the exit status."""
    from autograder.grading.grade import grade_class

    isolation = detect_isolation()
    refusal = "" if args.scheduler else isolation.refusal(args.no_sandbox)
    if refusal:
        print("isolation of student code on this machine:", file=sys.stderr)
        for line in isolation.describe():
            print("  " + line, file=sys.stderr)
        print(f"error: nothing graded: {refusal}", file=sys.stderr)
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
        late = LatePolicy.parse(args.due, args.late_penalty, args.late_cap) if args.due else None
        zone = parse_zone(args.timezone) if args.timezone else None
        security = _security(args)
        formats = None if args.lms is None else tuple(f for f in args.lms if f != "none")
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
            students=args.student,
            late=late,
            scheduler=args.scheduler,
            security=security,
            lms=LmsOptions(
                formats,
                args.canvas_assignment_id,
                roster=args.roster,
                missing_as_zero=args.missing_as_zero,
                moodle_language=args.moodle_language,
            ),
            no_sandbox=args.no_sandbox,
            timezone=zone,
            reveal=args.reveal,
        )
    except SandboxRefused as exc:
        print(f"error: nothing graded: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, ImportError, MissingSecretError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped by Ctrl-C: run the same command again to resume", file=sys.stderr)
        return 130
    return 0


def parse_zone(name: str) -> tzinfo:
    """A time zone by its IANA name (``Europe/Berlin``, ``UTC``); ValueError names the problem."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"--timezone must be a time zone name such as Europe/Berlin or UTC; got {name!r}"
        ) from None


def _security(args: argparse.Namespace):
    """Dask TLS settings from the command line (None: Dask's own configuration)."""
    given = [args.tls_ca_file, args.tls_cert, args.tls_key]
    if not any(given):
        return None
    if not all(given):
        raise ValueError("TLS needs all three of --tls-ca-file, --tls-cert and --tls-key")
    for path in given:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no TLS file at {path}")
    from autograder.grading.sandbox.executors import tls_security

    return tls_security(*given)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m autograder.grading``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.grading")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)
