"""The similarity report on a planted class: copies are found, independent work is not flagged.

The class (``similarity_class.py``) has five authors who wrote every function of 05-activations
independently, copies of two of them (renamed variables, reordered functions, other comments,
all three, byte-identical files), a notebook pasted from ``solutions/`` and one pasted from
nnlib's source; one copier's name is HTML.
"""

from __future__ import annotations

import csv
import html
import re

import pytest
from course_class import SOLUTIONS, grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap
from similarity_class import AUTHORS, CELLS, MAY_ALSO, idiom_class, planted_class
from test_secret import SECRET_A

from autograder.grading.assignment import load_assignment, load_registry
from autograder.grading.similarity import AUTO, THRESHOLD_BOUNDS, report_class
from autograder.grading.submissions import read_download

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


@pytest.mark.slow
def test_independent_authors_wrote_correct_code_and_are_not_flagged(graded):
    for author in AUTHORS:
        row = graded["rows"][author]
        automatic = float(row["max_score"]) - float(row["manual_max"] or 0)  # written: by hand
        assert float(row["score"]) == automatic, (author, row["reason"])
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
    assert "Identical or near-identical code" in page
    assert "3 students: emre, emre_exact, emre_exact2" in page
    assert "bao_all_three" in page and "<mark>" in page
    assert "Close to a reference" in page and "from_nnlib" in page
    assert HOSTILE_NAME not in page
    assert html.escape(HOSTILE_NAME) in page
    # student code is shown escaped: no tag of a student's making reaches the page
    assert page.count("<pre>") == page.count("</pre>")


@pytest.mark.slow
def test_a_class_drawing_on_a_pool_of_idioms_flags_its_copies_first(tmp_path):
    """300 students who take every function from five ways of writing it, with a few lines
    of their own, and three planted copies: the idioms are discounted, the copies come first,
    and the class's own threshold flags at most 25 pairs. Every flagged pair is in the CSV."""
    students, planted = idiom_class(300, copies=3)
    root = write_class(tmp_path / "class", "05-activations", students)
    assignment = load_assignment(
        "05-activations", load_registry("autograder.checks"), SOLUTIONS / "05-activations"
    )
    download = read_download(root, tmp_path / "unused", "05-activations", ["05-activations"])
    assert len(download.submissions) == 300
    page = tmp_path / "similarity" / "05-activations.html"
    page.parent.mkdir()
    summary = report_class(download.submissions, assignment, page, AUTO)

    with open(page.with_suffix(".csv"), newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["rank"]]
    assert summary.pairs == len(rows) <= 25
    expected = {frozenset(pair) for pair in planted.items()}
    top = {frozenset((row["student_a"], row["student_b"])) for row in rows[: len(planted)]}
    assert top == expected, rows[:5]
    assert [float(row["score"]) for row in rows] == sorted(
        (float(row["score"]) for row in rows), reverse=True
    )
    assert THRESHOLD_BOUNDS[0] <= summary.threshold <= THRESHOLD_BOUNDS[1]
    for copier, original in planted.items():
        assert original in summary.columns[copier] and copier in summary.columns[original]

    text = page.read_text(encoding="utf-8")
    assert text.count("<details><summary>diff</summary>") == min(25, summary.pairs)
    section = text[text.index("Pairs of students, most unusual first") :]
    headings = re.findall(r"<h3>\d+\. (\S+) and (\S+): ", section)
    assert {frozenset(pair) for pair in headings[: len(planted)]} == expected
    print(
        f"similarity of 300: {summary.pairs} pairs flagged from {summary.threshold:.2f};",
        [(r["student_a"], r["student_b"], r["score"]) for r in rows[:5]],
    )


def test_code_run_at_run_time_is_compared_as_the_students_own(tmp_path):
    """A notebook whose cells hold nothing but which decoded a classmate's functions from a
    string at run time (refused in the sandbox, its source kept by the grader) is flagged with
    that classmate once that source counts as its code, and not on its cells alone."""
    students, _ = idiom_class(40, copies=0)
    original = "s007"
    students["decoder"] = {cell: "pass\n" for cell in CELLS}
    root = write_class(tmp_path / "class", "05-activations", students)
    assignment = load_assignment(
        "05-activations", load_registry("autograder.checks"), SOLUTIONS / "05-activations"
    )
    download = read_download(root, tmp_path / "unused", "05-activations", ["05-activations"])
    refused = {"decoder": "\n\n".join(students[original].values())}
    columns = {}
    for name, extra in (("cells", None), ("run", refused)):
        page = tmp_path / name / "05-activations.html"
        page.parent.mkdir()
        columns[name] = report_class(download.submissions, assignment, page, AUTO, extra).columns
    assert original not in columns["cells"].get("decoder", "")
    assert original in columns["run"].get("decoder", ""), columns["run"].get("decoder")
    assert "run at run time" in (tmp_path / "run" / "05-activations.html").read_text("utf-8")
