"""Hidden cases come from the course secret: nobody without it can draw them.

A student can draw every visible case, and the hidden cases under any secret of their own, with
the installed package; a table of nnlib's answers for all of them, with wrong code behind it,
must earn nothing. Grades depend on the secret only through the cases: the same secret gives the
same grades, and honest students earn the same under any secret.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from course_class import ACTIVATIONS_CLASS, grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap

from autograder.checks import CHECKS
from autograder.secret import (
    ENV_SECRET,
    ENV_SECRET_FILE,
    SECRET_FILE_NAME,
    CourseSecret,
    MissingSecretError,
    course_folder,
    read_secret_file,
    resolve_secret,
    using_secret,
)
from nnlib.layers import dense_forward

REPO = Path(__file__).resolve().parents[2]
SECRET_A = CourseSecret("a" * 16 + "instructor-secret-one", "test")
SECRET_B = CourseSecret("b" * 16 + "instructor-secret-two", "test")


class _NameSeed:
    """What an older package drew its hidden cases from: the function's name alone."""

    fingerprint = "name-seeded"

    @staticmethod
    def seed(name: str) -> int:
        return zlib.crc32(f"{name}:hidden".encode())


def _key(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(f"{a.dtype.str}{a.shape}".encode() + np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def _table_student(drawable: list) -> str:
    """A dense_forward that answers from a table of nnlib's outputs, and forgets b elsewhere."""
    check = CHECKS["dense_forward"]
    cases = list(check.cases(hidden=False))
    for source in drawable:
        with using_secret(source):
            cases += check.cases(hidden=True)
    table = {}
    for case in cases:
        x, W, b = (np.asarray(a) for a in case.args)
        out, _ = dense_forward(x, W, b)
        table[_key(x, W, b)] = (out.ravel().tolist(), out.dtype.str, out.shape)
    return (
        "import hashlib\n\n"
        f"TABLE = {table!r}\n\n\n"
        "def _key(*arrays):\n"
        "    digest = hashlib.sha256()\n"
        "    for a in arrays:\n"
        "        digest.update(f'{a.dtype.str}{a.shape}'.encode() + np.ascontiguousarray(a).tobytes())\n"
        "    return digest.hexdigest()\n\n\n"
        "def dense_forward(x, W, b):\n"
        "    hit = TABLE.get(_key(x, W, b))\n"
        "    if hit is not None:\n"
        "        values, dtype, shape = hit\n"
        "        return np.array(values, dtype=dtype).reshape(shape), (x, W)\n"
        "    return x @ W, (x, W)\n"
    )


def _grade(tmp_path: Path, assignment: str, students: dict, secret, name: str) -> dict:
    root = write_class(tmp_path / f"class-{name}", assignment, students)
    result = grade_course(
        assignment,
        root,
        tmp_path / f"out-{name}",
        limits=TEST_LIMITS,
        secret=secret,
    )
    assert result.secret_fingerprint == secret.fingerprint
    return read_grades(tmp_path / f"out-{name}" / "grades.csv")


@pytest.mark.slow
def test_a_table_of_every_drawable_answer_earns_nothing(tmp_path):
    """Visible cases, name-seeded hidden cases and the student's own secret: all tabled; the
    hidden cases are drawn for each submission as well, so even the right secret is no help."""
    require_bubblewrap()
    own = CourseSecret("student-guess-" + "c" * 20, "the student's machine")
    students = {"tabler": {"dense_forward": _table_student([_NameSeed(), own])}}
    graded = _grade(tmp_path, "04-feedforward", students, SECRET_A, "instructor")
    assert float(graded["tabler"]["dense_forward"]) == 0.0, graded["tabler"]
    # the control: the table answers every case it holds (all the visible ones); and even under
    # the secret it was drawn with, the hidden cases are drawn for this submission, unknown to it
    root = write_class(tmp_path / "class-control", "04-feedforward", students)
    result = grade_course(
        "04-feedforward", root, tmp_path / "out-control", limits=TEST_LIMITS, secret=own
    )
    (row,) = result.results
    (score,) = [f for f in row.functions if f.name == "dense_forward"]
    assert score.visible == 1.0 and score.hidden == 0.0, (score.visible, score.hidden)
    assert score.score == 0.0


def _scores(rows: dict) -> dict:
    skip = {"seconds", "secret_fingerprint", "submitted_at"}  # times of this run
    return {
        student: {k: v for k, v in row.items() if k not in skip} for student, row in rows.items()
    }


@pytest.mark.slow
def test_the_same_secret_gives_the_same_grades(tmp_path):
    require_bubblewrap()
    first = _grade(tmp_path, "05-activations", ACTIVATIONS_CLASS, SECRET_A, "first")
    second = _grade(tmp_path, "05-activations", ACTIVATIONS_CLASS, SECRET_A, "second")
    assert _scores(first) == _scores(second)
    assert {row["secret_fingerprint"] for row in first.values()} == {SECRET_A.fingerprint}
    # a mixed class, not one where every row is alike
    assert len({row["score"] for row in first.values()}) >= 3, first


@pytest.mark.slow
def test_honest_students_earn_the_same_under_any_secret(tmp_path):
    require_bubblewrap()
    under_a = _grade(tmp_path, "05-activations", ACTIVATIONS_CLASS, SECRET_A, "a")
    under_b = _grade(tmp_path, "05-activations", ACTIVATIONS_CLASS, SECRET_B, "b")
    assert _scores(under_a) == _scores(under_b)
    # every point the checks give; the written answers wait for a person (manual_max)
    honest = under_a["honest_full"]
    automatic = float(honest["max_score"]) - float(honest["manual_max"] or 0)
    assert float(honest["score"]) == automatic > 0, honest
    assert SECRET_A.fingerprint != SECRET_B.fingerprint


def test_hidden_cases_change_with_the_secret_and_visible_ones_do_not():
    check = CHECKS["softmax"]
    with using_secret(SECRET_A):
        visible_a, hidden_a = check.cases(hidden=False), check.cases(hidden=True)
    with using_secret(SECRET_B):
        visible_b, hidden_b = check.cases(hidden=False), check.cases(hidden=True)
    assert all(
        np.array_equal(a.args[0], b.args[0]) for a, b in zip(visible_a, visible_b, strict=True)
    )
    assert not all(
        np.array_equal(a.args[0], b.args[0]) for a, b in zip(hidden_a, hidden_b, strict=True)
    )


def test_hidden_cases_are_drawn_for_each_submission_and_again_the_same_for_it():
    """Under one secret, each submission (a digest of its notebook) draws hidden cases of its
    own: a table of the cases one submission saw is worth nothing to the next."""
    from autograder.secret import drawing_for

    def hidden(submission):
        with using_secret(SECRET_A), drawing_for(submission):
            return [c.args[0] for c in CHECKS["numerical_gradient"].cases(hidden=True)]

    first, again, other = hidden("notebook one"), hidden("notebook one"), hidden("notebook two")
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not any(
        a.shape == b.shape and np.allclose(a, b) for a, b in zip(first, other, strict=True)
    )
    with using_secret(SECRET_A):  # outside drawing_for: the secret's own draw, none of these
        plain = [c.args[0] for c in CHECKS["numerical_gradient"].cases(hidden=True)]
    assert not any(
        a.shape == b.shape and np.allclose(a, b) for a, b in zip(first, plain, strict=True)
    )


@pytest.fixture
def no_secret_in_env(monkeypatch):
    monkeypatch.delenv(ENV_SECRET, raising=False)
    monkeypatch.delenv(ENV_SECRET_FILE, raising=False)


def test_the_secret_is_made_once_in_the_outermost_course_folder(tmp_path, no_secret_in_env):
    course = tmp_path / "course"
    student = course / "autograded" / "alice" / "05-activations"
    student.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    # planted by a student: a config and a secret of their own, deeper down
    (student / "nbgrader_config.py").write_text("c = get_config()\n")
    (student / SECRET_FILE_NAME).write_text("planted-by-the-student-0000\n")
    assert course_folder(student) == course.resolve()
    made = resolve_secret(start=student)
    assert made.created and Path(made.source) == (course / SECRET_FILE_NAME).resolve()
    assert (course / SECRET_FILE_NAME).stat().st_mode & 0o777 == 0o600
    again = resolve_secret(start=student)
    assert not again.created and again.value == made.value
    assert made.value not in repr(made) and made.fingerprint in repr(made)


def test_a_missing_or_bad_secret_says_what_to_do(tmp_path, no_secret_in_env):
    with pytest.raises(MissingSecretError, match="only the instructor has"):
        resolve_secret(start=tmp_path, create=False)
    short = tmp_path / "short"
    short.write_text("abc\n")
    with pytest.raises(ValueError, match="has 3 characters; at least 16"):
        read_secret_file(short)
    with pytest.raises(ValueError, match="cannot read the course secret file"):
        read_secret_file(tmp_path / "absent")


def test_the_environment_gives_the_secret(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_SECRET, "from-the-environment-123456")
    assert resolve_secret(start=tmp_path).value == "from-the-environment-123456"
    monkeypatch.delenv(ENV_SECRET)
    path = tmp_path / "kept-elsewhere"
    path.write_text("from-a-file-given-by-path-1234\n")
    monkeypatch.setenv(ENV_SECRET_FILE, str(path))
    assert resolve_secret(start=tmp_path).value == "from-a-file-given-by-path-1234"
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_git_never_takes_the_secret():
    done = subprocess.run(
        ["git", "check-ignore", "-q", SECRET_FILE_NAME], cwd=REPO, capture_output=True
    )
    assert done.returncode == 0, "the course secret's file name must be in .gitignore"


@pytest.mark.slow
def test_a_release_holds_no_secret(tmp_path, no_secret_in_env):
    """nbgrader's generate_assignment, run in a course folder that has a secret."""
    from classroom import release

    secret = resolve_secret(start=tmp_path)
    release(REPO / "solutions" / "05-activations", "05-activations", tmp_path)
    released = [p for p in (tmp_path / "release").rglob("*") if p.is_file()]
    assert released
    for path in released:
        assert secret.value.encode() not in path.read_bytes(), path
        assert path.name != SECRET_FILE_NAME
    assert os.path.exists(tmp_path / SECRET_FILE_NAME)
