"""Release every assignment and grade a simulated class with nbgrader's own autograde.

One scratch nbgrader course, configured by the repository's ``nbgrader_config.py``, gets every
assignment through ``generate_assignment``; then four students submit each one: the solution,
the untouched exercise, a partly completed exercise, and the solution with a typical bug. The
gradebook must hold what each deserves: full marks, zero (every graded cell failing through its
check, not only by raising NotImplementedError), the points of the completed functions, and the
partial credit the checks give the bug.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from autograder.checks import ASSIGNMENTS, CHECKS, run_check
from autograder.course import REPO_ROOT
from autograder.nbgrader_cells import ensure_scripts_on_path
from autograder.release import assignments, course_config, write_notebook

ALL = assignments()

# nbgrader's own gradebook code triggers these SQLAlchemy warnings; they say nothing about ours.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

#: The solution cells filled in by the "partial" student (the others stay as released) and the
#: points that earns.
PARTIAL = {
    "02-data": (["flatten", "normalize"], 2.0),
    "03-one-neuron": (["neuron_forward"], 2.0),
    "04-feedforward": (["dense_forward"], 2.0),
    "05-activations": (["sigmoid", "tanh", "relu"], 6.0),
    "06-losses": (["binary_cross_entropy"], 3.0),
    "07-backprop": (["dense_backward"], 3.0),
    "08-gradcheck": (["numerical_gradient"], 3.0),
    "09-training": (["sgd_step"], 1.0),
    "10-signs-classifier": (["building_blocks"], 0.0),
    "11-mnist-classifier": (["building_blocks"], 0.0),
    "12-gpu": (["array_module"], 1.0),
    "13-regularization": (["l2_penalty", "dropout_forward"], 4.0),
    "14-deep-networks": (["batchnorm_forward"], 3.0),
}

#: A typical bug per assignment: (solution cell, text, replacement, the function that suffers).
BUGS = {
    "02-data": ("one_hot", "T[np.arange(len(y)), y] = 1", "T[np.arange(len(y)), y - 1] = 1"),
    "03-one-neuron": (
        "neuron_gradients",
        "error = (neuron_forward(X, w, b) - y) / len(X)",
        "error = neuron_forward(X, w, b) - y",
    ),
    "04-feedforward": ("mlp_forward", "if layer < n_layers:", "if True:"),
    "05-activations": (
        "softmax",
        "e = np.exp(z - z.max(axis=1, keepdims=True))",
        "e = np.exp(z)",
    ),
    "06-losses": (
        "binary_cross_entropy",
        "return float(loss), (probs - y) / n",
        "return float(loss), probs - y",
    ),
    "07-backprop": ("loss_and_grads", "dz1 = dh * (z1 > 0)", "dz1 = dh"),
    "08-gradcheck": ("relative_error", "if denominator == 0:", "if False:"),
    "09-training": ("train", "order = rng.permutation(len(X))", "order = np.arange(len(X))"),
    "10-signs-classifier": ("classifier", "for _ in range(20):", "for _ in range(0):"),
    "11-mnist-classifier": ("classifier", "for _ in range(5):", "for _ in range(0):"),
    "12-gpu": (
        "accuracy",
        "return float((predictions == y).mean())",
        "return float((predictions == y).sum())",
    ),
    "13-regularization": ("dropout_backward", "return dout * cache", "return dout"),
    "14-deep-networks": (
        "batchnorm_backward",
        "dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n",
        "dx = g * inv_std",
    ),
}

STUDENTS = ("solution", "untouched", "partial", "buggy")


def _notebook_path(folder: Path, assignment: str) -> Path:
    (path,) = sorted(folder.glob("*.ipynb"))
    return path


def _solution_cells(nb) -> dict[str, str]:
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def _fill(released, sources: dict[str, str], grade_ids) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell.source = sources[grade_id]
    return nb


def _buggy_sources(assignment: str, sources: dict[str, str]) -> dict[str, str]:
    grade_id, text, replacement = BUGS[assignment]
    assert text in sources[grade_id], f"{assignment}: the bug's text is not in {grade_id}"
    return {**sources, grade_id: sources[grade_id].replace(text, replacement)}


def _strip_markers(source: str) -> str:
    return re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", "", source, flags=re.M)


def expected_in_process(assignment: str, nb) -> float:
    """The points the checks give the code of ``nb``, computed in this process."""
    namespace: dict = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        source = cell.source.lstrip()
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        if meta.get("solution") or source.startswith(("def ", "import ")):
            exec(compile(_strip_markers(cell.source), assignment, "exec"), namespace)
    hidden = any(
        "HIDDEN" in c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
    )
    return round(
        sum(run_check(name, namespace, hidden=hidden).score for name in ASSIGNMENTS[assignment]), 2
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data_mirror):
    """Release every assignment, submit four students each, autograde them all."""
    from nbgrader.apps import NbGraderAPI

    ensure_scripts_on_path()
    course = tmp_path_factory.mktemp("course")
    for assignment in ALL:
        shutil.copytree(REPO_ROOT / "solutions" / assignment, course / "source" / assignment)
    api = NbGraderAPI(config=course_config(course))
    expected: dict[tuple[str, str], float] = {}
    for assignment in ALL:
        result = api.generate_assignment(assignment)
        assert result["success"], result.get("log")
        source = nbformat.read(_notebook_path(course / "source" / assignment, assignment), 4)
        released_path = _notebook_path(course / "release" / assignment, assignment)
        released = nbformat.read(released_path, 4)
        sources = _solution_cells(source)
        cells, partial_points = PARTIAL[assignment]
        buggy_sources = _buggy_sources(assignment, sources)
        submissions = {
            "solution": source,
            "untouched": released,
            "partial": _fill(released, sources, cells),
            "buggy": _fill(released, buggy_sources, list(sources)),
        }
        expected[(assignment, "solution")] = sum(CHECKS[n].points for n in ASSIGNMENTS[assignment])
        expected[(assignment, "untouched")] = 0.0
        expected[(assignment, "partial")] = partial_points
        expected[(assignment, "buggy")] = expected_in_process(
            assignment, _fill(source, buggy_sources, list(sources))
        )
        for student, nb in submissions.items():
            write_notebook(nb, course / "submitted" / student / assignment / released_path.name)

    seconds: dict[tuple[str, str], float] = {}
    for assignment in ALL:
        for student in STUDENTS:
            start = time.perf_counter()
            result = api.autograde(assignment, student)
            seconds[(assignment, student)] = time.perf_counter() - start
            assert result["success"], result.get("log")
    return {"course": course, "api": api, "expected": expected, "seconds": seconds}


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="nn-scratch-course")


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("assignment", ALL)
def test_each_student_earns_what_they_deserve(graded, assignment, student):
    expected = graded["expected"][(assignment, student)]
    with _gradebook(graded["course"]) as gb:
        submission = gb.find_submission(assignment, student)
        score, max_score = submission.score, submission.max_score
    assert max_score == sum(CHECKS[n].points for n in ASSIGNMENTS[assignment])
    assert score == pytest.approx(expected, abs=0.011), (assignment, student)
    if student == "buggy":
        assert 0 <= score < max_score


@pytest.mark.parametrize("assignment", ALL)
def test_the_untouched_exercise_fails_every_check_not_only_by_raising(graded, assignment):
    path = _notebook_path(graded["course"] / "autograded" / "untouched" / assignment, assignment)
    nb = nbformat.read(path, 4)
    graded_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded_cells) == len(ASSIGNMENTS[assignment])
    for cell in graded_cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename == "AssertionError", cell.source
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not attempted" in text
    with _gradebook(graded["course"]) as gb:
        for cell in graded_cells:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            grade = gb.find_grade(grade_id, path.stem, assignment, "untouched")
            assert grade.auto_score == 0


@pytest.mark.parametrize("assignment", ALL)
def test_hidden_tests_ran_in_the_autograded_solution(graded, assignment):
    path = _notebook_path(graded["course"] / "autograded" / "solution" / assignment, assignment)
    nb = nbformat.read(path, 4)
    test_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    hidden = [c for c in test_cells if "hidden=True" in c.source]
    classifiers = [n for n in ASSIGNMENTS[assignment] if "classifier" in n]
    assert len(hidden) == len(test_cells) - len(classifiers)


def test_feedback_and_export_from_the_gradebook(graded, tmp_path):
    from nbgrader.plugins.export import CsvExportPlugin

    api, course = graded["api"], graded["course"]
    result = api.generate_feedback("05-activations", "buggy")
    assert result["success"], result.get("log")
    (html,) = (course / "feedback" / "buggy" / "05-activations").glob("*.html")
    assert "max-subtraction" in html.read_text()

    out = tmp_path / "grades.csv"
    plugin = CsvExportPlugin(to=str(out))
    with _gradebook(course) as gb:
        plugin.export(gb)
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + len(ALL) * len(STUDENTS)


def test_grading_time_per_submission(graded, record_property):
    seconds = graded["seconds"]
    for (assignment, student), value in sorted(seconds.items()):
        record_property(f"seconds {assignment} {student}", round(value, 1))
        print(f"autograde {assignment:>20} {student:>9}: {value:5.1f} s")
    slowest = max(seconds.values())
    assert slowest < 240, f"a submission took {slowest:.0f} s to grade"
