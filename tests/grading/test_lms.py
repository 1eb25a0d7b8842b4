"""The LMS files and the late policy, each read back by its format's own rules.

Canvas: the gradebook import CSV (``Student, ID, SIS User ID, SIS Login ID, Section``, then the
assignment's column, a ``Points Possible`` row) and the re-upload zip, whose file names Canvas
reads as ``..._<user id>_<attachment id>_...`` (the first two numeric parts between ``_``).
Moodle: the grading worksheet (``Identifier`` = ``Participant <id>``, ``Grade``, ``Last modified
(grade)``) and the feedback zip, whose path parts Moodle splits at ``_`` into full name,
participant id, plugin type and plugin name. Both classes have two students of the same name.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from grading_support import grade_toy, require_bubblewrap
from nbgrader.api import Gradebook

from autograder.grading.late import LatePolicy
from autograder.grading.lms import CANVAS_COLUMNS, LmsOptions

DUE = "2026-11-20T12:00:00+00:00"
WRONG_RELU = {"relu_forward": "def relu_forward(z):\n    return np.ones_like(z), z\n"}


def _stamp(text: str) -> tuple:
    """A Canvas zip entry's date_time for an ISO time: its wall-clock time in UTC."""
    when = time.gmtime(LatePolicy.parse(text).due.timestamp())
    return tuple(when[:6])


def _canvas_rule(file_name: str) -> tuple[str, str]:
    """Canvas's reading of a re-uploaded file: its first two purely numeric parts."""
    numbers = [part for part in file_name.split("_") if part.isdigit()]
    return numbers[0], numbers[1]


def _moodle_rule(path: str) -> tuple[str, str, str]:
    """Moodle's reading of a feedback zip's path: the first part with a numeric id."""
    for part in path.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit():
            return info[1], info[2], info[3]
    raise AssertionError(f"Moodle would ignore {path}")


@pytest.mark.slow
def test_canvas_files_and_the_late_penalty(student_notebook, tmp_path):
    require_bubblewrap()
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as z:
        on_time = zipfile.ZipInfo("smithjohn_11_111_toy.ipynb", _stamp("2026-11-19T10:00:00Z"))
        z.writestr(on_time, json.dumps(student_notebook()))
        late = zipfile.ZipInfo("smithjohn_late_12_121_toy.ipynb", _stamp("2026-11-21T13:00:00Z"))
        z.writestr(late, json.dumps(student_notebook()))
    out = tmp_path / "out"
    policy = LatePolicy.parse(DUE, "10%/day", "15%")
    grade_toy(
        archive,
        out,
        similarity_threshold=None,
        late=policy,
        lms=LmsOptions(canvas_assignment_id="4567"),
    )
    # grades.csv: 25 hours late, two days started, 20 % capped at 15 % of 7 points
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert rows["11"]["name"] == rows["12"]["name"] == "smithjohn"
    assert (rows["11"]["score"], rows["11"]["penalty"], rows["11"]["late_hours"]) == (
        "7",
        "0",
        "0.00",
    )
    assert (rows["12"]["raw_score"], rows["12"]["penalty"], rows["12"]["score"]) == (
        "7",
        "1.05",
        "5.95",
    )
    assert rows["12"]["late_hours"] == "25.00"
    assert rows["12"]["submitted_at"] == "2026-11-21T13:00:00+00:00"

    # nbgrader's gradebook: the due date, the time and the penalty, as nbgrader's export uses them
    gb = Gradebook(f"sqlite:///{out / 'gradebook.db'}")
    try:
        assert gb.find_assignment("toy").duedate.isoformat() == "2026-11-20T12:00:00"
        sub = gb.find_submission("toy", "12")
        assert sub.late_submission_penalty == pytest.approx(1.05)
        assert round(sub.score - sub.late_submission_penalty, 4) == 5.95
        assert sub.timestamp.isoformat() == "2026-11-21T13:00:00"
    finally:
        gb.close()

    # the gradebook import CSV, read by Canvas's rules
    text = (out / "lms" / "toy-canvas-grades.csv").read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == CANVAS_COLUMNS + ["toy (4567)"]
    assert table[1][0] == "Points Possible" and float(table[1][5]) == 7
    by_id = {row[1]: float(row[5]) for row in table[2:]}
    assert by_id == {"11": 7.0, "12": 5.95}
    print("canvas grades:", table[0], table[2], sep="\n  ")

    # the re-upload zip: each page reaches the submission it was made for
    with zipfile.ZipFile(out / "lms" / "toy-canvas-feedback.zip") as z:
        names = z.namelist()
        pages = {_canvas_rule(n): z.read(n).decode() for n in names}
    assert set(pages) == {("11", "111"), ("12", "121")}
    assert "7 / 7" in pages[("11", "111")] and "5.95 / 7" in pages[("12", "121")]
    assert "Late by 25.0 hours" in pages[("12", "121")]
    print("canvas feedback:", names[0])


@pytest.mark.slow
def test_moodle_files_for_two_students_of_the_same_name(student_notebook, tmp_path):
    require_bubblewrap()
    root = tmp_path / "moodle"
    for uid, nb in [("101", student_notebook()), ("102", student_notebook(WRONG_RELU))]:
        path = root / f"John Smith_{uid}_assignsubmission_file_" / "toy.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    hostile = root / "=HYPERLINK(1)_103_assignsubmission_file_" / "toy.ipynb"
    hostile.parent.mkdir(parents=True)
    hostile.write_text(json.dumps(student_notebook(blank=True)), encoding="utf-8")
    out = tmp_path / "out"
    grade_toy(root, out, similarity_threshold=None)

    # the grading worksheet, read as Moodle's importer reads it
    with open(out / "lms" / "toy-moodle-grades.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert {"Identifier", "Grade", "Last modified (grade)"} <= set(reader.fieldnames)
        rows = list(reader)
    grades = {}
    for row in rows:
        match = re.fullmatch(r"Participant (\d+)", row["Identifier"])
        assert match, row["Identifier"]
        grades[match[1]] = float(row["Grade"])
        assert time.strptime(row["Last modified (grade)"], "%Y-%m-%d %H:%M:%S UTC")
        assert "<" not in row["Feedback comments"]
    assert grades == {"101": 7.0, "102": 5.0, "103": 0.0}
    names = {row["Identifier"]: row["Full name"] for row in rows}
    assert names["Participant 101"] == names["Participant 102"] == "John Smith"
    assert names["Participant 103"] == "'=HYPERLINK(1)"
    print("moodle grades:", list(rows[0]), list(rows[0].values()), sep="\n  ")

    with zipfile.ZipFile(out / "lms" / "toy-moodle-feedback.zip") as z:
        members = z.namelist()
        found = {_moodle_rule(n): z.read(n).decode() for n in members}
    assert set(found) == {(i, "assignfeedback", "file") for i in ("101", "102", "103")}
    assert "7 / 7" in found[("101", "assignfeedback", "file")]
    assert "5 / 7" in found[("102", "assignfeedback", "file")]
    assert not any(Path(n).is_absolute() or ".." in n for n in members)
    print("moodle feedback:", members[0])


def test_late_options_are_checked():
    with pytest.raises(ValueError, match="10%/day"):
        LatePolicy.parse(DUE, "10 per day")
    with pytest.raises(ValueError, match="ISO 8601"):
        LatePolicy.parse("next friday")
    with pytest.raises(ValueError, match="--late-cap"):
        LatePolicy.parse(DUE, "10%/hour", "150%")
    hourly = LatePolicy.parse(DUE, "2%/hour", "50%")
    due = hourly.due.timestamp()
    assert hourly.share(due) == 0.0 and hourly.share(due - 5) == 0.0
    assert hourly.share(due + 1) == pytest.approx(0.02)
    assert hourly.share(due + 3 * 3600 + 1) == pytest.approx(0.08)
    assert hourly.share(due + 100 * 3600) == 0.5
