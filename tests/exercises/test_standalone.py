"""Every solution notebook runs on its own, as Colab opens it, and ``autograder check`` reports.

Each notebook is executed in a fresh kernel from a folder holding nothing but the notebook, with
the data coming through nnlib's loaders from the mirror; every cell must run without an error
and every graded function must earn full marks.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder.checks import ASSIGNMENTS, CHECKS
from autograder.course import REPO_ROOT
from autograder.notebook_check import execute, grade_cells
from autograder.release import assignments

#: The solution notebooks that train networks on a real dataset: the slow tier's.
TRAINING = {
    "09-training",
    "10-signs-classifier",
    "11-mnist-classifier",
    "13-regularization",
    "14-deep-networks",
    "16-convolution",
}
ALL = [pytest.param(a, marks=pytest.mark.slow) if a in TRAINING else a for a in assignments()]


@pytest.mark.parametrize("assignment", ALL)
def test_solution_runs_standalone_with_full_marks(assignment, data_mirror):
    path = REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    nb = execute(path, timeout=600)
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{assignment}: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"
        stderr = [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]
        if cell.metadata.get("nbgrader", {}).get("grade"):
            assert not stderr, f"a test cell wrote to stderr: {stderr}"
    results = grade_cells(nb)
    assert [r.score for r in results] == [CHECKS[n].points for n in ASSIGNMENTS[assignment]]


def test_autograder_check_command_reports_each_function(tmp_path, data_mirror):
    exercise = REPO_ROOT / "exercises" / "06-losses" / "06-losses.ipynb"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "check", str(exercise)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ},
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr
    for name in ASSIGNMENTS["06-losses"]:
        assert f"{name}: not attempted, 0 of" in run.stdout
    assert "total: 0 of 6 points" in run.stdout
    assert list(tmp_path.iterdir()) == []
