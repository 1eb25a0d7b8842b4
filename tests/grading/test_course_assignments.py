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

from autograder.call_steps import STEPS
from autograder.checks import ASSIGNMENTS, CHECKS
from autograder.checks.classifier import ClassifierCheck
from autograder.grading.assignment import call_step, function_spec
from autograder.grading.results import StudentResult
from autograder.grading.sandbox.isolation import Limits

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
#: Assignments that train a classifier on a real dataset (from the data mirror).
TRAINING = {
    assignment
    for assignment, names in ASSIGNMENTS.items()
    if any(isinstance(CHECKS[name], ClassifierCheck) for name in names)
}


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
@pytest.mark.slow
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
    # every automatic point; the written answers (the solution's own) await a person
    automatic = student.max_score - student.written_points
    assert student.score == automatic > 0, (failures, student.reason, student.log[-2000:])
    assert student.written_points > 0 and student.awaiting
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
    """It is graded on its hidden case alone (the held-out photos altered for the submission),
    which stands for the visible one: the sandbox trains it once, not twice."""
    from autograder.checks import CHECKS
    from autograder.grading.assignment import function_spec
    from autograder.secret import CourseSecret, using_secret

    check = CHECKS[name]
    with using_secret(CourseSecret("s" * 32, "test")):
        graded = function_spec(check)
    assert graded.hidden_only and graded.visible == [] and graded.spec.n_hidden == 1
    assert graded.spec.case_seconds == check.time_limit
    # the training images go once to the batch's inputs, not with each submission
    assert len(graded.shared) >= 1


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_can_be_shipped_to_the_sandbox(name, request):
    """A check names one of the call steps the sandbox receives; its own code stays here."""
    from autograder.secret import CourseSecret, using_secret

    if any(name in ASSIGNMENTS[assignment] for assignment in TRAINING):
        request.getfixturevalue("data_mirror")  # its cases are a real dataset
    with using_secret(CourseSecret("s" * 32, "test")):
        graded = function_spec(CHECKS[name])
    assert graded.spec.step == CHECKS[name].step and graded.spec.step in STEPS
    assert len(graded.visible) + graded.spec.n_hidden > 0


def test_a_check_with_a_call_of_its_own_or_an_unknown_step_is_refused_by_name():
    """Only named steps cross into the sandbox: a check's own ``call`` could carry answers."""
    from autograder.checks.base import Check

    class OwnCall(Check):
        name = "relu_forward"

        def call(self, fns, case):
            return fns[self.name](*case.args)

    class UnknownStep(Check):
        name = "relu_forward"
        step = "no such step"

    with pytest.raises(
        ValueError, match="relu_forward defines its own call.*forward_then_backward"
    ):
        call_step(OwnCall())
    with pytest.raises(ValueError, match="call step 'no such step'; the steps are: direct"):
        call_step(UnknownStep())


SANDBOX_MODULES = (
    "grading/sandbox/runner.py",
    "grading/sandbox/guard.py",
    "boundary.py",
    "call_steps.py",
)


@pytest.mark.parametrize("module", SANDBOX_MODULES)
def test_what_the_sandbox_runs_imports_no_answer(module):
    """The runner and the two modules it imports need the standard library, NumPy (and IPython
    for magics, threadpoolctl to train a classifier on one BLAS thread) and each other only:
    never nnlib, nor the checks' cases, answers and judges."""
    import ast
    import sys

    import autograder

    tree = ast.parse((Path(autograder.__file__).parent / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)
    allowed = {
        "numpy",
        "IPython",
        "traitlets",
        "threadpoolctl",
        "autograder.boundary",
        "autograder.call_steps",
    }
    allowed.add("guard")  # beside the runner in the sandbox
    foreign = {
        name
        for name in imported
        if name not in allowed
        and name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in allowed
    }
    assert imported and not foreign, f"{module} imports {sorted(foreign)}"


def test_the_registry_finds_every_chapters_checks_and_the_course_has_each_assignment():
    """A module of autograder/checks that lists CHECKS says which ASSIGNMENT it grades (the
    others hold what the chapters share); solutions/ has exactly those assignments, and the
    book's table of contents has their chapters in the same order."""
    import importlib
    import pkgutil

    import yaml

    import autograder.checks as registry

    for info in pkgutil.iter_modules(registry.__path__):
        module = importlib.import_module(f"autograder.checks.{info.name}")
        if hasattr(module, "CHECKS"):
            assert isinstance(getattr(module, "ASSIGNMENT", None), str), module.__name__
            assert registry.ASSIGNMENT_MODULES[module.ASSIGNMENT] is module
    assert len(registry.ASSIGNMENT_MODULES) >= 13
    assert sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir()) == list(registry.ASSIGNMENTS)
    toc = yaml.safe_load((SOLUTIONS.parent / "book" / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert [c for c in chapters if c in registry.ASSIGNMENTS] == list(registry.ASSIGNMENTS)
