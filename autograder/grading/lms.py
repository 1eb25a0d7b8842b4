"""Files to upload to the LMS the submissions came from: grades, and feedback in bulk.

For a **Canvas** download (``OUT/lms/<assignment>-canvas-*``):

* ``grades.csv``, in the format of Canvas's gradebook import (Grades > Import): the columns
  ``Student, ID, SIS User ID, SIS Login ID, Section`` and one column for the assignment, a
  ``Points Possible`` row, then one row per student keyed by the Canvas user id (``ID``).
  The assignment's column is named ``<assignment> (<Canvas assignment id>)`` with
  ``--canvas-assignment-id``, which updates that Canvas assignment; without it Canvas creates
  a new assignment of the course assignment's name.
* ``feedback.zip``, for the assignment's "Re-upload submissions": one feedback page per
  student named ``<name>_<user id>_<attachment id>_<assignment>-feedback.html``, the ids of the
  file that student handed in; Canvas attaches each page to that student's submission as a
  comment.

For a **Moodle** download (``OUT/lms/<assignment>-moodle-*``):

* ``grades.csv``, a grading worksheet for the assignment's "Upload grading worksheet":
  ``Identifier`` (``Participant <id>``), ``Full name``, ``Grade``, ``Maximum grade``,
  ``Last modified (grade)`` (the time of this run) and ``Feedback comments``.
* ``feedback.zip``, for "Upload multiple feedback files in a zip": a folder per student named
  ``<name>_<participant id>_assignfeedback_file_`` holding the feedback page.

Grades are after the late penalty. Every text cell that comes from a submission is written so
that a spreadsheet reads it as text, and the Moodle comment, which Moodle shows as HTML, is
escaped.
"""

from __future__ import annotations

import csv
import html
import io
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.grading.outputs import cell
from autograder.grading.results import StudentResult
from autograder.grading.submissions import safe_id

if TYPE_CHECKING:
    from autograder.grading.assignment import Assignment

FORMATS = ("canvas", "moodle")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = [
    "Identifier",
    "Full name",
    "Status",
    "Grade",
    "Maximum grade",
    "Grade can be changed",
    "Last modified (grade)",
    "Feedback comments",
]


@dataclass(frozen=True)
class LmsOptions:
    """Which LMS files to write (default: those of the LMS the submissions came from)."""

    formats: tuple[str, ...] | None = None
    canvas_assignment_id: str = ""


def _name_part(name: str) -> str:
    """A student's name as the first part of an LMS file name: ASCII, no ``_``, not a number."""
    part = safe_id(name).replace("_", "-")
    return "s" + part if part.isdigit() else part


def _feedback_page(out: Path, assignment: Assignment, row: StudentResult) -> bytes | None:
    page = out / "feedback" / row.folder / f"{assignment.name}.html"
    return page.read_bytes() if page.is_file() else None


def _write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        stamp = time.localtime()[:6]
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    tmp.replace(path)


def write_canvas(
    out: Path, assignment: Assignment, rows: list[StudentResult], assignment_id: str = ""
) -> list[Path]:
    """The Canvas gradebook import CSV and the feedback zip for re-upload."""
    folder = out / "lms"
    folder.mkdir(parents=True, exist_ok=True)
    column = f"{assignment.name} ({assignment_id})" if assignment_id else assignment.name
    students = sorted((r for r in rows if r.student_id.isdigit()), key=lambda r: int(r.student_id))
    grades = folder / f"{assignment.name}-canvas-grades.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CANVAS_COLUMNS + [column])
    writer.writerow(["Points Possible", "", "", "", "", f"{assignment.max_score:g}"])
    for r in students:
        writer.writerow([cell(r.name), r.student_id, "", "", "", f"{r.final_score:g}"])
    grades.write_text(buffer.getvalue(), encoding="utf-8")
    members = []
    for r in students:
        page = _feedback_page(out, assignment, r)
        if page is not None and r.attachment.isdigit():
            name = f"{_name_part(r.name)}_{r.student_id}_{r.attachment}_{assignment.name}-feedback.html"
            members.append((name, page))
    feedback = folder / f"{assignment.name}-canvas-feedback.zip"
    _write_zip(feedback, members)
    return [grades, feedback]


def write_moodle(out: Path, assignment: Assignment, rows: list[StudentResult]) -> list[Path]:
    """The Moodle grading worksheet and the feedback files zip."""
    folder = out / "lms"
    folder.mkdir(parents=True, exist_ok=True)
    students = sorted((r for r in rows if r.student_id.isdigit()), key=lambda r: int(r.student_id))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    grades = folder / f"{assignment.name}-moodle-grades.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(MOODLE_COLUMNS)
    for r in students:
        comment = f"Autograded: {r.final_score:g} / {r.max_score:g} ({r.status})."
        if r.penalty:
            comment += f" Late penalty: {r.penalty:g} points."
        comment += " The feedback page is attached."
        writer.writerow(
            [
                f"Participant {r.student_id}",
                cell(r.name),
                cell(r.status),
                f"{r.final_score:g}",
                f"{r.max_score:g}",
                "Yes",
                now,
                cell(html.escape(comment)),
            ]
        )
    grades.write_text(buffer.getvalue(), encoding="utf-8")
    members = []
    for r in students:
        page = _feedback_page(out, assignment, r)
        if page is not None:
            folder_name = f"{_name_part(r.name)}_{r.student_id}_assignfeedback_file_"
            members.append((f"{folder_name}/{assignment.name}-feedback.html", page))
    feedback = folder / f"{assignment.name}-moodle-feedback.zip"
    _write_zip(feedback, members)
    return [grades, feedback]


def write_all(
    out: Path, assignment: Assignment, rows: list[StudentResult], options: LmsOptions | None
) -> list[Path]:
    """Write the LMS files asked for, or those of the LMS the rows came from."""
    options = options or LmsOptions()
    formats = options.formats
    if formats is None:
        formats = tuple(sorted({r.lms for r in rows if r.lms in FORMATS}))
    written: list[Path] = []
    if "canvas" in formats:
        written += write_canvas(out, assignment, rows, options.canvas_assignment_id)
    if "moodle" in formats:
        written += write_moodle(out, assignment, rows)
    return written
