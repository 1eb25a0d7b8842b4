"""Release every assignment and grade a simulated class with nbgrader's own autograde.

One scratch nbgrader course, configured by the repository's ``nbgrader_config.py``, gets every
assignment through ``generate_assignment``; then four students submit each one: the solution,
the untouched exercise, a partly completed exercise, and the solution with a typical bug. The
gradebook must hold what each deserves: full marks, zero (every graded cell failing through its
check, not only by raising NotImplementedError), the points of the completed functions, and the
partial credit the checks give the bug.
"""

from __future__ import annotations

import ast
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from answers import notebook_functions

from autograder.checks import ASSIGNMENT_MODULES, ASSIGNMENTS, CHECKS, run_check
from autograder.course import REPO_ROOT
from autograder.nbgrader_cells import ensure_scripts_on_path
from autograder.release import assignments, course_config, write_notebook

ALL = assignments()

# nbgrader's own gradebook code triggers these SQLAlchemy warnings; they say nothing about ours.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

STUDENTS = ("solution", "untouched", "partial", "buggy")


def _notebook_path(folder: Path, assignment: str) -> Path:
    (path,) = sorted(folder.glob("*.ipynb"))
    return path


def _solution_cells(nb) -> dict[str, str]:
    """The code a student writes (the written answers are graded by hand, apart)."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def _test_cells(nb) -> list:
    """The autograded test cells: graded code cells (a written answer is a graded markdown
    cell)."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


def _written_points(assignment: str) -> float:
    from autograder.grading.assignment import load_assignment, load_registry

    return load_assignment(assignment, load_registry(), REPO_ROOT / "solutions" / assignment).written_points


def _partial_cells(sources: dict[str, str]) -> list[str]:
    """The solution cells the "partial" student fills in: the first half of them, at least one
    (the others stay as released, raising NotImplementedError)."""
    return list(sources)[: max(1, len(sources) // 2)]


def _definitions(source: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(source)
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _partial_points(assignment: str, sources: dict[str, str], filled: list[str]) -> float:
    """The points of the graded functions that the filled cells complete: the functions each
    check calls, and every function they use (as far as the filled cells define it), are none
    of those the unfilled solution cells define."""
    done = {n: d for cell in filled for n, d in _definitions(sources[cell]).items()}
    blank = {n for cell in sources if cell not in filled for n in _definitions(sources[cell])}
    blank -= set(done)
    points = 0.0
    for name in ASSIGNMENTS[assignment]:
        needed, seen = list(CHECKS[name].required()), set()
        while needed:
            function = needed.pop()
            if function in seen:
                continue
            seen.add(function)
            if function in done:
                used = {n.id for n in ast.walk(done[function]) if isinstance(n, ast.Name)}
                needed += sorted(used & (set(done) | blank))
        if not seen & blank:
            points += CHECKS[name].points
    return points


def _fill(released, sources: dict[str, str], grade_ids) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell.source = sources[grade_id]
    return nb


def _buggy_sources(assignment: str, sources: dict[str, str]) -> dict[str, str]:
    """The solution cells with the chapter's typical bug planted (``MISTAKES.plant`` beside
    its checks)."""
    planted = ASSIGNMENT_MODULES[assignment].MISTAKES.planted
    assert planted, f"{assignment}: its checks module plants no typical bug (MISTAKES.plant)"
    grade_id, text, replacement = planted
    assert text in sources[grade_id], f"{assignment}: the bug's text is not in {grade_id}"
    return {**sources, grade_id: sources[grade_id].replace(text, replacement)}


def expected_in_process(assignment: str, nb) -> float:
    """The points the checks give the code of ``nb``, computed in this process."""
    namespace = notebook_functions(nb, assignment)
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
        cells = _partial_cells(sources)
        partial_points = _partial_points(assignment, sources, cells)
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
    automatic = sum(CHECKS[n].points for n in ASSIGNMENTS[assignment])
    assert max_score == automatic + _written_points(assignment)
    assert score == pytest.approx(expected, abs=0.011), (assignment, student)
    if student == "buggy":
        assert 0 <= score < max_score


@pytest.mark.parametrize("assignment", ALL)
def test_the_untouched_exercise_fails_every_check_not_only_by_raising(graded, assignment):
    path = _notebook_path(graded["course"] / "autograded" / "untouched" / assignment, assignment)
    nb = nbformat.read(path, 4)
    graded_cells = _test_cells(nb)
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
    test_cells = _test_cells(nb)
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


@pytest.mark.parametrize("assignment", ALL)
def test_nbgrader_leaves_the_written_answers_to_a_person(graded, assignment):
    """An answer written (the solution's) awaits formgrader; one left as released scores 0."""
    source = nbformat.read(_notebook_path(REPO_ROOT / "solutions" / assignment, assignment), 4)
    written = [
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "markdown"
    ]
    assert written, f"{assignment} asks no written question"
    notebook = _notebook_path(REPO_ROOT / "solutions" / assignment, assignment).stem
    with _gradebook(graded["course"]) as gb:
        for grade_id in written:
            answered = gb.find_grade(grade_id, notebook, assignment, "solution")
            assert answered.auto_score is None and answered.needs_manual_grade
            blank = gb.find_grade(grade_id, notebook, assignment, "untouched")
            assert blank.auto_score == 0 and not blank.needs_manual_grade
