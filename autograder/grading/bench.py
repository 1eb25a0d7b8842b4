"""Measure the batch grader against nbgrader's own serial ``autograde`` on the same class.

``python -m autograder.grading.bench ASSIGNMENT --source DIR`` releases the assignment with
``nbgrader generate_assignment``, makes a class of ``--students`` submissions from the source
(complete ones, and ones with every solution left blank, alternately), grades it with
``nbgrader autograde`` (one notebook at a time, as nbgrader does) and with :func:`grade_class`
(``--workers`` in parallel), and prints the submissions per minute of both and their ratio.

The helpers :func:`release` and :func:`make_submission` are also how the tests build classes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import nbgrader_cells as cells_
from autograder.nbgrader_cells import ensure_scripts_on_path

BLANK = "# YOUR CODE HERE\nraise NotImplementedError()"


def nbgrader_env(extra_path: str | None = None) -> dict[str, str]:
    """Environment for nbgrader's commands: this Python's ``bin`` first (for ``alembic``)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if extra_path:
        env["PYTHONPATH"] = extra_path + os.pathsep + env.get("PYTHONPATH", "")
    return env


def release(source_dir: Path, assignment: str, course: Path) -> Path:
    """Copy the source notebooks into a course folder and run ``nbgrader generate_assignment``.

    Returns the folder of the released (student) notebooks.
    """
    (course / "source").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source_dir, course / "source" / assignment, dirs_exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            assignment,
            "--force",
            f"--CourseDirectory.root={course}",
            "--log-level=ERROR",
        ],
        check=True,
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
    )
    return course / "release" / assignment


def make_submission(
    released: Path, source: Path, replace: dict[str, str] | None = None, blank: bool = False
) -> dict:
    """A student's notebook: the released one with each solution cell filled in.

    Solution cells get the source's solution (the student solved it), ``BLANK`` when ``blank``,
    or ``replace[grade_id]`` when given.
    """
    nb = json.loads(released.read_text(encoding="utf-8"))
    solutions = {
        cells_.grade_id(cell): cell["source"]
        for cell in json.loads(source.read_text(encoding="utf-8"))["cells"]
        if cells_.is_solution_cell(cell)
    }
    for cell in nb["cells"]:
        if cells_.is_solution_cell(cell) and cells_.is_code(cell):
            grade_id = cells_.grade_id(cell)
            text = (replace or {}).get(grade_id)
            if text is None:
                text = BLANK if blank else solutions[grade_id]
            cell["source"] = text
    return nb


def _nbgrader_scores(course: Path, assignment: str) -> dict[str, float]:
    ensure_scripts_on_path()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment(assignment).submissions}


def _timed(module_args: list[str], pythonpath: str | None, cwd: Path | None = None) -> float | None:
    """Seconds ``python -m MODULE ARGS...`` took, or None (its output printed) when it failed."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", *module_args],
        cwd=cwd,
        env=nbgrader_env(pythonpath),
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
        return None
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grading.bench")
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
            + ["--source", str(source.resolve()), "--workers", str(args.workers)],
            args.pythonpath,
        )
        if our_seconds is None:
            return 1
        with open(course / "out" / "grades.csv", newline="", encoding="utf-8") as f:
            ours = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
        nbgrader_rate = 60 * args.students / nbgrader_seconds
        our_rate = 60 * args.students / our_seconds
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
        if agree < len(theirs):
            print(f"  nbgrader: {theirs}\n  autograder: {ours}")
    finally:
        shutil.rmtree(course, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
