"""The similarity report on a planted class: copies are found, independent work is not flagged.

The class (``similarity_class.py``) has five authors who wrote every function of 05-activations
independently, copies of two of them (renamed variables, reordered functions, other comments,
all three, byte-identical files), a notebook pasted from ``solutions/`` and one pasted from
nnlib's source; one copier's name is HTML.
"""

from __future__ import annotations

import html
import re

import pytest
from course_class import grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap
from similarity_class import AUTHORS, MAY_ALSO, planted_class
from test_secret import SECRET_A

HOSTILE_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_bubblewrap()
    tmp = tmp_path_factory.mktemp("similarity")
    students, expected = planted_class()
    students[HOSTILE_NAME] = dict(AUTHORS["chidi"])
    expected[HOSTILE_NAME] = {"chidi"}
    expected["chidi"] = {HOSTILE_NAME}
    root = write_class(tmp / "class", "05-activations", students)
    result = grade_course(
        "05-activations",
        root,
        tmp / "out",
        limits=TEST_LIMITS,
        secret=SECRET_A,
    )
    rows = read_grades(tmp / "out" / "grades.csv")
    page = (tmp / "out" / "similarity" / "05-activations.html").read_text(encoding="utf-8")
    return {"result": result, "rows": rows, "page": page, "expected": expected}


def _flagged(column: str) -> set[str]:
    """The names in a ``similarity`` column: ``"bao 0.97; solutions 0.91"``."""
    return {re.sub(r" [0-9.]+$", "", part) for part in column.split("; ") if part} - {""}


def test_independent_authors_wrote_correct_code_and_are_not_flagged(graded):
    for author in AUTHORS:
        row = graded["rows"][author]
        assert float(row["score"]) == float(row["max_score"]), (author, row["reason"])
    for author in ("ada", "dana"):  # the authors nobody copied
        assert graded["rows"][author]["similarity"] == "", graded["rows"][author]


def test_every_copy_is_flagged_with_what_it_copied(graded):
    rows = {k: v for k, v in graded["rows"].items()}
    key = {HOSTILE_NAME: "'" + HOSTILE_NAME if HOSTILE_NAME.startswith("=") else HOSTILE_NAME}
    for student, partners in graded["expected"].items():
        flagged = _flagged(rows[key.get(student, student)]["similarity"])
        extra = flagged - partners
        assert partners <= flagged and extra <= MAY_ALSO.get(student, set()), (student, flagged)


def test_the_report_shows_pairs_side_by_side_escaped(graded):
    page = graded["page"]
    assert "Identical code" in page and "3 students: emre, emre_exact, emre_exact2" in page
    assert "bao_all_three" in page and "<mark>" in page
    assert "Close to a reference" in page and "from_nnlib" in page
    assert HOSTILE_NAME not in page
    assert html.escape(HOSTILE_NAME) in page
    # student code is shown escaped: no tag of a student's making reaches the page
    assert page.count("<pre>") == page.count("</pre>")
