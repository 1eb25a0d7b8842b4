"""Every assignment of the course, graded in the sandbox: the solution earns full marks.

The instructor's source notebook, handed in as it is, is a complete submission (the grader
drops its test cells). This checks that every check's calling step runs in the sandbox, where
nnlib's reference answers are absent, and that nothing of the course needs more than the
sandbox offers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from course_class import grade_course
from grading_support import TEST_LIMITS, require_bubblewrap

from autograder.checks import ASSIGNMENTS, CHECKS
from autograder.grading.assignment import function_spec
from autograder.grading.results import StudentResult
from autograder.grading.sandbox.isolation import Limits

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
#: Assignments that train a classifier on a real dataset (from the data mirror).
TRAINING = {"10-signs-classifier", "11-mnist-classifier", "13-regularization"}


def _grade_one(assignment: str, tmp_path: Path, limits: Limits) -> StudentResult:
    """Grade the one submission under ``tmp_path / "class"`` and return its result."""
    result = grade_course(
        assignment,
        tmp_path / "class",
        tmp_path / "out",
        workers=1,
        limits=limits,
    )
    (student,) = result.results
    return student


@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=pytest.mark.slow) if a in TRAINING else a for a in sorted(ASSIGNMENTS)],
)
def test_solution_earns_full_marks_in_the_sandbox(assignment, tmp_path, request):
    require_bubblewrap()
    limits = TEST_LIMITS
    if assignment in TRAINING:
        request.getfixturevalue("data_mirror")  # skips without the datasets
        limits = Limits(memory_mb=4096, notebook_seconds=300)
    source = SOLUTIONS / assignment
    for notebook in source.glob("*.ipynb"):
        target = tmp_path / "class" / "instructor" / assignment / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, target)
    student = _grade_one(assignment, tmp_path, limits)
    failures = [
        (f.name, f.message, [v.message for v in f.verdicts if not v.passed][:2])
        for f in student.functions
        if f.score < f.points
    ]
    assert student.score == student.max_score > 0, (failures, student.reason, student.log[-2000:])
    # the feedback: no traceback from the course's own cells (a demo that loads a dataset
    # says so in one line), and a classifier's accuracy and training time even at full marks
    page = (tmp_path / "out" / "feedback" / "instructor" / f"{assignment}.html").read_text()
    assert "Traceback" not in page, student.log[-2000:]
    if assignment in TRAINING:
        assert "held-out accuracy" in page and "trained in" in page


def test_sandbox_scores_a_function_as_the_notebook_check_does(tmp_path):
    """``abs(z)`` as ReLU passes only the all-zero edge case: both scoring paths give it 0."""
    import nbformat

    from autograder.checks import CHECKS
    from autograder.checks.base import run_check

    require_bubblewrap()

    def relu_forward(z):
        return abs(z), z

    def relu_backward(da, cache):
        return da * (cache > 0)

    check = CHECKS["relu_forward"]
    in_process = run_check(check, {"relu_forward": relu_forward, "relu_backward": relu_backward})
    assert in_process.score == 0

    assignment = "05-activations"
    source = SOLUTIONS / assignment
    (notebook_path,) = source.glob("*.ipynb")
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("def relu_forward(z):\n    return abs(z), z\n"))
    target = tmp_path / "class" / "student" / assignment / notebook_path.name
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)
    student = _grade_one(assignment, tmp_path, TEST_LIMITS)
    scores = {f.name: f.score for f in student.functions}
    assert scores["relu_forward"] == in_process.score == 0
    assert scores["sigmoid_forward"] == CHECKS["sigmoid_forward"].points


@pytest.mark.parametrize("name", ["train_sign_classifier", "train_mnist_classifier"])
def test_a_classifier_is_trained_once_with_its_whole_time_limit(name, data_mirror):
    """Its hidden case repeats the visible one, so the sandbox runs it once, not twice."""
    from autograder.checks import CHECKS
    from autograder.grading.assignment import function_spec

    check = CHECKS[name]
    spec, cases, n_visible = function_spec(check)
    assert len(cases) == n_visible == len(check.cases()) == 1
    assert spec.case_seconds == check.time_limit


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_can_be_shipped_to_the_sandbox(name, request):
    """A check's call step refers to nothing the sandbox lacks (nnlib, a class, an object)."""
    if any(name in ASSIGNMENTS[assignment] for assignment in TRAINING):
        request.getfixturevalue("data_mirror")  # its cases are a real dataset
    spec, cases, n_visible = function_spec(CHECKS[name])
    assert spec.unresolved == (), f"{name}'s call step refers to {', '.join(spec.unresolved)}"
    compile(spec.call_source or "", f"<call step of {name}>", "exec")
    assert len(cases) >= n_visible > 0


def test_each_chapters_checks_live_in_the_module_named_after_it():
    """autograder/checks holds one module per assignment, named after its chapter, and the
    modules several chapters share; solutions/ has exactly these assignments."""
    import autograder.checks as registry

    folder = Path(registry.__file__).parent
    shared = {"__init__", "base", "arrays", "classifier"}
    modules = {p.stem for p in folder.glob("*.py")} - shared
    assert modules == {registry.module_of(a).rsplit(".", 1)[1] for a in registry.ASSIGNMENT_NAMES}
    assert sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir()) == list(
        registry.ASSIGNMENT_NAMES
    )
