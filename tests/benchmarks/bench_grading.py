"""Measure the batch grader against nbgrader's own serial ``autograde`` on the same class.

``python tests/benchmarks/bench_grading.py ASSIGNMENT`` (from the repository root, with the
``grading`` extra) releases the assignment with ``nbgrader generate_assignment`` into a scratch
course folder, makes a class of ``--students`` submissions from the source (complete ones, and
ones with every solution left blank, alternately), grades it with ``nbgrader autograde`` (one
notebook at a time, as nbgrader does) and with ``autograder grade`` (``--workers`` in
parallel), and prints the submissions per minute of both, their ratio, and how many of the two
scores agree.

The scratch course is set up as an instructor's is: an ``nbgrader_config.py`` and a course
secret, which the hidden cases of the test cells are drawn from. Both graders read that one
secret, so that their scores can be compared.
"""

from __future__ import annotations

import argparse
import csv
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.nbgrader_cells import ensure_scripts_on_path
from autograder.secret import ENV_SECRET, ENV_SECRET_FILE, SECRET_FILE_NAME

# The helpers that build a class are the tests' own, in tests/classroom.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classroom import make_submission, nbgrader_env, release  # noqa: E402
from machine import machine_description  # noqa: E402


def _nbgrader_scores(course: Path, assignment: str) -> dict[str, float]:
    ensure_scripts_on_path()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment(assignment).submissions}


def make_course_folder(course: Path) -> Path:
    """Make ``course`` a course folder as an instructor's is: ``nbgrader_config.py``, and a
    course secret beside it (returned), from which the test cells draw the hidden cases."""
    (course / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
    secret = course / SECRET_FILE_NAME
    secret.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    secret.chmod(0o600)
    return secret


def grading_env(pythonpath: str | None) -> dict[str, str]:
    """nbgrader's environment without a course secret of the caller's: both graders read the
    scratch course's own (a secret in the environment would come before it)."""
    env = nbgrader_env(pythonpath)
    return {k: v for k, v in env.items() if k not in (ENV_SECRET, ENV_SECRET_FILE)}


def _timed(module_args: list[str], pythonpath: str | None, cwd: Path | None = None) -> float | None:
    """Seconds ``python -m MODULE ARGS...`` took, or None (its output printed) when it failed."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", *module_args],
        cwd=cwd,
        env=grading_env(pythonpath),
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
        return None
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tests/benchmarks/bench_grading.py",
        description="Submissions per minute of autograder grade and nbgrader autograde.",
    )
    parser.add_argument("assignment")
    parser.add_argument(
        "--source", type=Path, default=None, help="source notebooks (default solutions/ASSIGNMENT)"
    )
    parser.add_argument("--registry", default="autograder.checks")
    parser.add_argument(
        "--pythonpath",
        default=None,
        help="folder to put on PYTHONPATH for the registry (nbgrader's kernel too)",
    )
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    source = args.source or Path("solutions", args.assignment)
    if args.pythonpath:
        args.pythonpath = str(Path(args.pythonpath).resolve())
        sys.path.insert(0, args.pythonpath)

    course = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    try:
        secret = make_course_folder(course)
        released = release(source, args.assignment, course)
        for index in range(args.students):
            student = f"student{index:03d}"
            folder = course / "submitted" / student / args.assignment
            folder.mkdir(parents=True)
            for nb_path in sorted(released.glob("*.ipynb")):
                nb = make_submission(nb_path, source / nb_path.name, blank=index % 2 == 1)
                (folder / nb_path.name).write_text(json.dumps(nb), encoding="utf-8")
        nbgrader_seconds = _timed(
            ["nbgrader", "autograde", args.assignment, "--force"]
            + [f"--CourseDirectory.root={course}", "--log-level=ERROR"],
            args.pythonpath,
            cwd=course,
        )
        if nbgrader_seconds is None:
            return 1
        theirs = _nbgrader_scores(course, args.assignment)
        # timed as a command too, imports and start-up included, like nbgrader's
        our_seconds = _timed(
            ["autograder.grading", "grade", args.assignment, str(course / "submitted")]
            + ["--out", str(course / "out"), "--registry", args.registry]
            + ["--source", str(source.resolve()), "--workers", str(args.workers)]
            + ["--secret-file", str(secret)],
            args.pythonpath,
        )
        if our_seconds is None:
            return 1
        with open(course / "out" / "grades.csv", newline="", encoding="utf-8") as f:
            ours = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
        nbgrader_rate = 60 * args.students / nbgrader_seconds
        our_rate = 60 * args.students / our_seconds
        for line in machine_description():
            print(f"* {line}")
        print(f"class: {args.students} submissions of {args.assignment}")
        print(
            f"nbgrader autograde (serial):       {nbgrader_seconds:7.1f} s "
            f"{nbgrader_rate:7.1f} submissions/min"
        )
        print(
            f"autograder grade ({args.workers} workers, sandboxed): {our_seconds:7.1f} s "
            f"{our_rate:7.1f} submissions/min"
        )
        print(f"speed-up: {our_rate / nbgrader_rate:.2f}x")
        agree = sum(abs(ours.get(s, -1) - v) < 1e-6 for s, v in theirs.items())
        print(f"scores agreeing with nbgrader: {agree}/{len(theirs)}")
        # Blank submissions score 0 with either grader: the complete ones show that both ran
        # the hidden cases too (a grader that found no course secret scores them 0 as well).
        complete = [f"student{i:03d}" for i in range(0, args.students, 2)]
        print(
            "complete submissions' scores: nbgrader "
            + ", ".join(f"{theirs.get(s, 0):g}" for s in complete)
            + "; autograder "
            + ", ".join(f"{ours.get(s, 0):g}" for s in complete)
        )
        if agree < len(theirs):
            print(f"  nbgrader: {theirs}\n  autograder: {ours}")
            return 1
    finally:
        shutil.rmtree(course, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
