"""Who a submission belongs to, which file is graded, and what a row says.

Students are keyed by the LMS's id (two John Smiths stay two rows), names stay in Unicode for
display and never become folder names as they are, the notebook of the assignment's name is
graded (the newest resubmission), every other file is named, every enrolled student gets a row,
and no cell of ``grades.csv`` that comes from a submission reads as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import time
import zipfile

import pytest
from grading_support import grade_toy, write_submission

from autograder.grading.roster import read_roster
from autograder.grading.text import FORMULA_STARTS, cell

WRONG_RELU = {"relu_forward": "def relu_forward(z):\n    return -z"}


def _grade(tmp_path, submissions, roster=None):
    return grade_toy(submissions, tmp_path / "out", roster=roster)


def _rows(tmp_path) -> dict:
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _zip(path, members) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data if isinstance(data, str | bytes) else json.dumps(data))


@pytest.mark.slow
def test_two_students_of_one_name_stay_two_and_names_keep_their_accents(tmp_path, student_notebook):
    archive = tmp_path / "moodle.zip"
    _zip(
        archive,
        {
            "John Smith_101_assignsubmission_file_/toy.ipynb": student_notebook(),
            "John Smith_102_assignsubmission_file_/toy.ipynb": student_notebook(WRONG_RELU),
            "Maria José Pérez_103_assignsubmission_file_/toy.ipynb": student_notebook(),
        },
    )
    result = _grade(tmp_path, archive)
    rows = _rows(tmp_path)
    assert {k: (v["name"], float(v["score"])) for k, v in rows.items()} == {
        "101": ("John Smith", 7.0),
        "102": ("John Smith", 3.0),  # relu_backward is checked with relu_forward
        "103": ("Maria José Pérez", 7.0),
    }
    folders = {r.student_id: r.folder for r in result.results}
    assert folders == {
        "101": "John-Smith-101",
        "102": "John-Smith-102",
        "103": "Maria-Jose-Perez-103",
    }
    page = (tmp_path / "out" / "feedback" / "Maria-Jose-Perez-103" / "toy.html").read_text()
    assert "Maria José Pérez" in page
    with sqlite3.connect(tmp_path / "out" / "gradebook.db") as db:
        students = dict(db.execute("select id, last_name from student"))
    assert students == {"101": "John Smith", "102": "John Smith", "103": "Maria José Pérez"}


@pytest.mark.slow
def test_the_assignments_notebook_is_graded_and_every_other_file_named(tmp_path, student_notebook):
    archive = tmp_path / "canvas.zip"
    _zip(
        archive,
        {
            # the notebook of the assignment's name beside a broken copy of another name
            "doejohn_1_10_copy-of-toy.ipynb": student_notebook(WRONG_RELU),
            "doejohn_1_10_toy.ipynb": student_notebook(),
            "doejohn_1_10_report.pdf": b"%PDF-1.4",
            # a resubmission: the later Canvas submission id wins, whatever the file names
            "roesue_2_20_toy-1.ipynb": student_notebook(WRONG_RELU),
            "roesue_2_35_toy.ipynb": student_notebook(),
        },
    )
    rows = _rows(tmp_path) if _grade(tmp_path, archive) else {}
    assert float(rows["1"]["score"]) == 7.0
    assert "also handed in, not graded: copy-of-toy.ipynb, report.pdf" in rows["1"]["reason"]
    assert float(rows["2"]["score"]) == 7.0
    assert "toy-1.ipynb" in rows["2"]["reason"]
    page = (tmp_path / "out" / "feedback" / "doejohn-1" / "toy.html").read_text()
    assert "copy-of-toy.ipynb" in page and "report.pdf" in page


@pytest.mark.slow
def test_among_files_of_other_names_the_newest_is_graded(tmp_path, student_notebook):
    folder = tmp_path / "class" / "alice" / "toy"
    folder.mkdir(parents=True)
    old, new = folder / "attempt-1.ipynb", folder / "attempt-2.ipynb"
    new.write_text(json.dumps(student_notebook()))
    old.write_text(json.dumps(student_notebook(WRONG_RELU)))
    stamp = time.time() - 3600
    os.utime(old, (stamp - 60, stamp - 60))
    os.utime(new, (stamp, stamp))
    _grade(tmp_path, tmp_path / "class")
    row = _rows(tmp_path)["alice"]
    assert float(row["score"]) == 7.0 and "attempt-1.ipynb" in row["reason"]


@pytest.mark.slow
def test_every_enrolled_student_gets_a_row(tmp_path, student_notebook):
    archive = tmp_path / "canvas.zip"
    _zip(
        archive,
        {
            "doejohn_1_10_toy.ipynb": student_notebook(),
            "pdfonly_2_20_report.pdf": b"%PDF-1.4",
            "blank_4_40_toy.ipynb": student_notebook(blank=True),
        },
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_id,name\n1,John Doe\n2,Priya Natarajan\n3,Zoë Absent\n4,Bo Blank\n",
        encoding="utf-8",
    )
    _grade(tmp_path, archive, roster)
    rows = _rows(tmp_path)
    assert {k: (v["name"], v["status"]) for k, v in rows.items()} == {
        "1": ("John Doe", "graded"),
        "2": ("Priya Natarajan", "no notebook"),
        "3": ("Zoë Absent", "no submission"),
        "4": ("Bo Blank", "not attempted"),
    }
    assert "found: report.pdf" in rows["2"]["reason"]
    assert all(float(rows[k]["score"]) == 0.0 for k in "234")


@pytest.mark.slow
def test_no_cell_from_a_submission_reads_as_a_formula(tmp_path, student_notebook):
    hostile = [
        '=HYPERLINK("x","y")',
        "+1+cmd",
        "-2+3",
        "@SUM(A1)",
    ]
    for student in hostile:
        write_submission(tmp_path / "class", student, student_notebook())
    _grade(tmp_path, tmp_path / "class")
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    text_cells = [c for row in rows[1:] for c in row]
    assert not [c for c in text_cells if c.startswith(FORMULA_STARTS)], rows
    assert sorted(row[0] for row in rows[1:]) == sorted("'" + s for s in hostile)
    assert cell("plain") == "plain" and cell("=1+1") == "'=1+1"
    # the folders are derived, never the name as given
    feedback = sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir())
    assert all(name[0].isalnum() for name in feedback), feedback


def test_a_roster_without_an_id_column_says_what_it_expected(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("who,what\nx,y\n", encoding="utf-8")
    try:
        read_roster(roster)
    except ValueError as exc:
        assert "no id column: expected one of student_id, id" in str(exc)
        assert "its header is who, what" in str(exc)
    else:
        raise AssertionError("a roster without an id column was accepted")
    roster.write_text("id,name\n7,A\n7,B\n", encoding="utf-8")
    try:
        read_roster(roster)
    except ValueError as exc:
        assert "lists the id '7' twice (line 3)" in str(exc)
    else:
        raise AssertionError("a roster with a repeated id was accepted")
