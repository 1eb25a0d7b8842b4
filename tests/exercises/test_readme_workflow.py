"""The README's nbgrader sequence, run verbatim in a copy of the checkout.

Three students hand in 05-activations: alice the solved exercise, bob the exercise as released,
carol the solved exercise with one test cell emptied. Every command of the README's block must
succeed, the gradebook must hold full marks, zero and full marks (carol's test cell is restored),
``generate_feedback`` must write alice's page, ``export`` the grades, and nbgrader must warn about
a changed checksum once: for carol's edited cell, not for the hidden tests of every cell.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from classroom import make_submission

from autograder.course import REPO_ROOT
from autograder.grading.assignment import load_assignment, load_registry
from autograder.nbgrader_cells import ensure_scripts_on_path

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]
ASSIGNMENT = "05-activations"


def readme_block(after: str) -> str:
    """The first ```bash block of the README after the line that contains ``after``."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(after)
    match = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert match, f"no bash block after {after!r} in the README"
    return match.group(1)


def copy_checkout(target: Path) -> Path:
    """The checkout's files (tracked, and untracked but not ignored), without build output."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO_ROOT / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))
    # the README's commands use the environment at .venv
    (target / ".venv").symlink_to(Path(sys.prefix))
    return target


def test_the_readme_nbgrader_sequence_runs_verbatim(tmp_path):
    block = readme_block("nbgrader's own workflow works")
    assert "nbgrader autograde" in block and "nbgrader export" in block
    course = copy_checkout(tmp_path / "course")
    released = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    edited = make_submission(released, source)
    test_cell = next(c for c in edited["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
    test_cell["source"] = "pass"
    for student, nb in [
        ("alice", make_submission(released, source)),
        ("bob", json.loads(released.read_text(encoding="utf-8"))),
        ("carol", edited),
    ]:
        path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb), encoding="utf-8")

    done = subprocess.run(
        ["bash", "-e", "-c", block],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": f"{course / '.venv' / 'bin'}:{os.environ['PATH']}"},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    warned = [line for line in output.splitlines() if "has changed" in line]
    grade_id = test_cell["metadata"]["nbgrader"]["grade_id"]
    assert len(warned) == 1 and grade_id in warned[0], warned
    assert "No assignment with ID" not in output

    ensure_scripts_on_path()
    from nbgrader.api import Gradebook

    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
        max_score = gb.find_assignment(ASSIGNMENT).max_score
    finally:
        gb.close()
    # the written answers, left as released, score 0 and need no person: every automatic point
    written = load_assignment(ASSIGNMENT, load_registry(), REPO_ROOT / "solutions" / ASSIGNMENT)
    automatic = max_score - written.written_points
    assert automatic > 0 and written.written_points > 0
    assert scores == {"alice": automatic, "bob": 0.0, "carol": automatic}
    page = course / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.is_file() and "relu_forward" in page.read_text(encoding="utf-8")
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(rows["alice"]["score"]) == automatic
    # the sequence leaves the committed exercises as they were
    assert released.read_bytes() == (REPO_ROOT / released.relative_to(course)).read_bytes()
