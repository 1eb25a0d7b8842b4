"""Submissions of the course's real assignments, made from the instructor's source notebooks.

A student's notebook here is the solution notebook with some solution cells replaced: the grader
drops the test cells it was handed, so what it runs is exactly the student's code.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

#: A mixed class of 05-activations: student -> {solution cell id: replacement source}.
ACTIVATIONS_CLASS: dict[str, dict[str, str]] = {
    "honest_full": {},
    "abs_relu": {
        "relu": "def relu_forward(z):\n    return np.abs(z), z\n\n\n"
        "def relu_backward(da, cache):\n    return da * (cache > 0)\n"
    },
    "naive_softmax": {
        "softmax": "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n"
    },
    "blank_tanh": {
        "tanh": "def tanh_forward(z):\n    raise NotImplementedError()\n\n\n"
        "def tanh_backward(da, cache):\n    raise NotImplementedError()\n"
    },
    "slow_leaky": {
        "leaky_relu": "def leaky_relu_forward(z, alpha=0.01):\n    while True:\n        pass\n\n\n"
        "def leaky_relu_backward(da, cache):\n    z, alpha = cache\n"
        "    return np.where(z > 0, da, alpha * da)\n"
    },
}


def notebook_with(assignment: str, replace: dict[str, str]) -> dict:
    """The solution notebook of ``assignment`` with the solution cells in ``replace`` swapped."""
    path = SOLUTIONS / assignment / f"{assignment}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replace:
            cell["source"] = replace[grade_id]
    return nb


def write_class(root: Path, assignment: str, students: dict[str, dict[str, str]]) -> Path:
    """Write each student's notebook in nbgrader's layout under ``root`` and return ``root``."""
    for student, replace in students.items():
        path = root / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook_with(assignment, replace)), encoding="utf-8")
    return root


def read_grades(path: Path) -> dict[str, dict[str, str]]:
    """``grades.csv`` as student id -> row."""
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def grade_course(assignment: str, submissions: Path, out: Path, **options):
    """Grade a course assignment's ``submissions`` into ``out``, quietly, against its solution
    notebooks, on 2 workers; ``options`` go to :func:`~autograder.grading.grade.grade_class`."""
    from autograder.grading.grade import grade_class

    options.setdefault("workers", 2)
    options.setdefault("log", lambda line: None)
    return grade_class(assignment, submissions, out, source_dir=SOLUTIONS / assignment, **options)
