"""Incremental grading: reruns reuse what did not change, and a stopped batch resumes whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from classroom import nbgrader_env
from course_class import grade_course, read_grades, write_class
from grading_support import FIXTURES, SOURCE, grade_toy, require_bubblewrap, write_submission
from nbgrader.api import Gradebook

from autograder.grading.store import ResultStore

#: A relu_forward wrong on every case (ones), in the toy notebook's cell: 0 of its 2 points.
ABS_RELU = "def relu_forward(z):\n    return np.abs(z), z\n"
WRONG_RELU = {"relu_forward": "def relu_forward(z):\n    return np.ones_like(z), z\n"}


def _sleeping(notebook: dict, seconds: float) -> dict:
    """``notebook`` with a first code cell that sleeps: a submission that takes time."""
    notebook = json.loads(json.dumps(notebook))
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook["cells"].insert(1, {**cell, "source": f"import time\ntime.sleep({seconds})"})
    return notebook


def _scores(path: Path, assignment: str = "toy") -> dict[str, float]:
    with open(path, newline="", encoding="utf-8") as f:
        import csv

        rows = [r for r in csv.DictReader(f) if r["assignment"] == assignment]
    ids = [r["student_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"duplicated rows: {ids}"
    return {r["student_id"]: float(r["score"]) for r in rows}


def test_a_rerun_grades_only_what_changed(student_notebook, tmp_path):
    require_bubblewrap()
    root, out = tmp_path / "class", tmp_path / "out"
    for student, nb in [
        ("ana", student_notebook()),
        ("bo", student_notebook(blank=True)),
        ("cy", student_notebook(WRONG_RELU)),
    ]:
        write_submission(root, student, nb)
    first = grade_toy(root, out, similarity_threshold=None)
    assert (first.graded, first.reused) == (3, 0)
    expected = {"ana": 7.0, "bo": 0.0, "cy": 5.0}
    assert _scores(out / "grades.csv") == expected

    again = grade_toy(root, out, similarity_threshold=None)
    assert (again.graded, again.reused) == (0, 3)
    assert _scores(out / "grades.csv") == expected

    # bo hands in a finished notebook, and dee joins: only those two are graded
    write_submission(root, "bo", student_notebook())
    write_submission(root, "dee", student_notebook(WRONG_RELU))
    third = grade_toy(root, out, similarity_threshold=None)
    assert (third.graded, third.reused) == (2, 2)
    assert _scores(out / "grades.csv") == {**expected, "bo": 7.0, "dee": 5.0}

    # --student regrades that student even though nothing changed; the others' rows stay
    only = grade_toy(root, out, similarity_threshold=None, students=["cy"])
    assert (only.graded, only.reused) == (1, 0)
    assert [r.student_id for r in only.results] == ["cy"]
    assert _scores(out / "grades.csv") == {**expected, "bo": 7.0, "dee": 5.0}

    # the gradebook holds each student once, with the latest score
    gb = Gradebook(f"sqlite:///{out / 'gradebook.db'}")
    try:
        held = {s.student.id: s.score for s in gb.assignment_submissions("toy")}
    finally:
        gb.close()
    assert held == {"ana": 7.0, "bo": 7.0, "cy": 5.0, "dee": 5.0}


def test_another_secret_regrades_and_an_unknown_student_is_an_error(student_notebook, tmp_path):
    require_bubblewrap()
    from autograder.secret import CourseSecret

    root, out = tmp_path / "class", tmp_path / "out"
    write_submission(root, "ana", student_notebook())
    grade_toy(root, out, similarity_threshold=None)
    other = CourseSecret("f" * 64, "test")
    regraded = grade_toy(root, out, similarity_threshold=None, secret=other)
    assert (regraded.graded, regraded.reused) == (1, 0)
    try:
        grade_toy(root, out, similarity_threshold=None, students=["nobody"])
    except ValueError as exc:
        assert "--student nobody" in str(exc) and "ana" in str(exc)
    else:
        raise AssertionError("an unknown --student was accepted")


def test_a_second_assignment_keeps_the_first_ones_rows(student_notebook, tmp_path):
    require_bubblewrap()
    out = tmp_path / "out"
    write_submission(tmp_path / "toy-class", "ana", student_notebook())
    grade_toy(tmp_path / "toy-class", out, similarity_threshold=None)
    students = {
        "ana": {},
        "bo": {
            "relu": ABS_RELU + "\n\ndef relu_backward(da, cache):\n    return da * (cache > 0)\n"
        },
    }
    root = write_class(tmp_path / "act-class", "05-activations", students)
    grade_course(
        "05-activations",
        root,
        out,
        similarity_threshold=None,
    )
    assert _scores(out / "grades.csv", "toy") == {"ana": 7.0}
    act = _scores(out / "grades.csv", "05-activations")
    assert set(act) == {"ana", "bo"} and act["ana"] > act["bo"]
    header = (out / "grades.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "softmax" in header and "relu_forward" in header and "tanh_forward" in header
    assert "relu_backward" in header
    # the toy row leaves the functions of 05-activations blank, and the other way round
    rows = read_grades(out / "grades.csv")
    assert rows["ana"]["assignment"] in {"toy", "05-activations"}


def _grade_in_background(root: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "autograder.grading", "grade", "toy", str(root)]
    command += ["--out", str(out), "--registry", "toy_checks", "--source", str(SOURCE)]
    command += ["--workers", "1", "--no-progress", "--similarity-threshold", "0"]
    return subprocess.Popen(
        command,
        env=nbgrader_env(str(FIXTURES)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for_results(out: Path, count: int, proc: subprocess.Popen, limit: float = 120) -> None:
    store = ResultStore(out, "toy")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if len(store.entries()) >= count:
            return
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} results stored after {limit} s")


def _rerun(root: Path, out: Path) -> str:
    proc = _grade_in_background(root, out)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output[-3000:]
    return output


@pytest.mark.slow
def test_a_killed_or_interrupted_batch_resumes_with_every_row_once(student_notebook, tmp_path):
    require_bubblewrap()
    root = tmp_path / "class"
    students = [f"s{i}" for i in range(6)]
    for i, student in enumerate(students):
        nb = student_notebook() if i % 2 == 0 else student_notebook(WRONG_RELU)
        write_submission(root, student, _sleeping(nb, 1.5))
    expected = {s: (7.0 if i % 2 == 0 else 5.0) for i, s in enumerate(students)}

    for how in (signal.SIGKILL, signal.SIGINT):
        out = tmp_path / f"out-{how.name}"
        proc = _grade_in_background(root, out)
        _wait_for_results(out, 2, proc)
        os.killpg(proc.pid, how) if how is signal.SIGKILL else proc.send_signal(how)
        output, _ = proc.communicate(timeout=120)
        if how is signal.SIGINT:
            assert proc.returncode == 130, output[-2000:]
            assert "run the same command again" in output
            # what was finished is in grades.csv already
            partial = _scores(out / "grades.csv")
            assert partial and all(expected[s] == v for s, v in partial.items())
        stored = len(ResultStore(out, "toy").entries())
        assert 2 <= stored < 6, f"{how.name}: {stored} stored"
        output = _rerun(root, out)
        assert f"{6 - stored} submissions to grade, {stored} unchanged" in output, output
        print(f"{how.name}: {stored} of 6 stored before the stop; the rerun graded {6 - stored}")
        assert _scores(out / "grades.csv") == expected
        gb = Gradebook(f"sqlite:///{out / 'gradebook.db'}")
        try:
            held = {s.student.id: s.score for s in gb.assignment_submissions("toy")}
        finally:
            gb.close()
        assert held == expected


def _written(out: Path) -> dict[str, int]:
    """Each stored result and feedback page under ``out``, with its modification time."""
    files = [*(out / "results").rglob("*.json"), *(out / "feedback").rglob("*.html")]
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in files}


def test_a_rerun_of_an_unchanged_class_rewrites_nothing(student_notebook, tmp_path):
    """The rows stored by the first run, similarity included, are what the rerun computes:
    no stored result and no feedback page is written again."""
    require_bubblewrap()
    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "bo", "cy"):  # ana and bo: one notebook twice, a flagged pair
        write_submission(root, student, student_notebook(WRONG_RELU if student == "cy" else {}))
    grade_toy(root, out)
    before = _written(out)
    pages = [name for name in before if name.startswith("feedback/")]
    assert len(pages) == 3 and len(before) >= 2 * 3 + 1, sorted(before)  # results, meta, ...
    time.sleep(0.01)  # a rewrite would show in the modification times
    again = grade_toy(root, out)
    assert (again.graded, again.reused) == (0, 3)
    assert _written(out) == before


def test_the_similarity_column_is_kept_with_the_rows(student_notebook, tmp_path):
    require_bubblewrap()
    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "bo"):  # the same notebook twice: flagged as a pair
        write_submission(root, student, student_notebook())
    grade_toy(root, out)
    first = {k: v["similarity"] for k, v in read_grades(out / "grades.csv").items()}
    assert "bo 1.00" in first["ana"] and "ana 1.00" in first["bo"], first
    # a --student run and another assignment into the same folder leave the column as it was
    grade_toy(root, out, students=["ana"])
    root_05 = write_class(tmp_path / "act-class", "05-activations", {"cy": {}})
    grade_course(
        "05-activations",
        root_05,
        out,
        similarity_threshold=None,
    )
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        import csv

        rows = {(r["assignment"], r["student_id"]): r["similarity"] for r in csv.DictReader(f)}
    assert rows[("toy", "ana")] == first["ana"] and rows[("toy", "bo")] == first["bo"]
