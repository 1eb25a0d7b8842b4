"""Files to upload to the LMS the submissions came from: grades, and feedback in bulk.

For a **Canvas** download (``OUT/lms/<assignment>-canvas-*``):

* ``grades.csv``, in the format of Canvas's gradebook import (Grades > Import): the columns
  ``Student, ID, SIS User ID, SIS Login ID, Section`` and one column for the assignment, a
  ``Points Possible`` row, then one row per student keyed by the Canvas user id (``ID``), with
  the SIS ids and section from the roster (``--roster``, a Canvas gradebook export) where it
  has them. The assignment's column is named ``<assignment> (<Canvas assignment id>)`` with
  ``--canvas-assignment-id``, which updates that Canvas assignment; without it Canvas creates
  a new assignment of the course assignment's name.
* ``feedback.zip``, for the assignment's "Re-upload submissions": one feedback page per
  student named ``<name>_<user id>_<attachment id>_<assignment>-feedback.html``, the ids of the
  file that student handed in; Canvas attaches each page to that student's submission as a
  comment.

For a **Moodle** download (``OUT/lms/<assignment>-moodle-*``):

* ``grades.csv``, a grading worksheet for the assignment's "Upload grading worksheet":
  ``Identifier`` (``Participant <id>``), ``Full name``, ``Status``, ``Grade``, ``Maximum grade``,
  ``Grade can be changed``, ``Last modified (grade)`` (the time of this run) and ``Feedback
  comments``. Moodle finds the columns by their names in the language of the user who uploads
  (``assignfeedback_offline_grade_importer::init`` compares each header with
  ``get_string('gradenoun')``, ``get_string('recordid', 'assign')`` and
  ``get_string('lastmodifiedgrade', 'assign')``, and the comments' column with the feedback
  plugin's name), and reads the id after ``get_string('hiddenuser', 'assign')``: so the
  worksheet is written in the site's language (``--moodle-language``), with the strings of
  Moodle's own language packs (:data:`MOODLE_LANGUAGES`).
* ``feedback.zip``, for "Upload multiple feedback files in a zip": a folder per student named
  ``<name>_<participant id>_assignfeedback_file_`` holding the feedback page.

Grades are after the late penalty. A student on the roster who handed in nothing gets a blank
grade, which both LMSs skip (Canvas leaves the cell as it is; Moodle's importer skips "grade has
no value"), so that the LMS's own policy for missing work holds; ``--missing-as-zero`` writes 0
instead. Every text cell that comes from a submission is written so that a spreadsheet reads it
as text, and the Moodle comment, which Moodle shows as HTML, is escaped.
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

from autograder.grading.results import StudentResult
from autograder.grading.roster import read_roster
from autograder.grading.submissions import safe_id
from autograder.grading.text import cell

if TYPE_CHECKING:
    from autograder.grading.assignment import Assignment

FORMATS = ("canvas", "moodle")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: The grading worksheet's columns, by the Moodle string each header is: (component, string id).
MOODLE_STRINGS = {
    "identifier": ("assign", "recordid"),
    "full_name": ("moodle", "fullname"),
    "status": ("assign", "status"),
    "grade": ("moodle", "gradenoun"),
    "maximum": ("assign", "maxgrade"),
    "can_change": ("assign", "gradecanbechanged"),
    "modified": ("assign", "lastmodifiedgrade"),
    "comments": ("assignfeedback_comments", "pluginname"),
}
#: The strings of the worksheet in each language, from Moodle's language packs (version 4.5:
#: ``lang/<code>/assign.php``, ``moodle.php`` and ``assignfeedback_comments.php`` of
#: download.moodle.org/langpack/4.5/; English from Moodle's own ``lang/en``). ``participant``
#: is ``hiddenuser``, the prefix of the identifier (English keeps its trailing space, the
#: packs have none: Moodle writes and strips exactly that prefix), ``yes`` the value of "Grade
#: can be changed".
MOODLE_LANGUAGES: dict[str, dict[str, str]] = {
    "en": {
        "identifier": "Identifier",
        "full_name": "Full name",
        "status": "Status",
        "grade": "Grade",
        "maximum": "Maximum grade",
        "can_change": "Grade can be changed",
        "modified": "Last modified (grade)",
        "comments": "Feedback comments",
        "participant": "Participant ",
        "yes": "Yes",
    },
    "de": {
        "identifier": "ID",
        "full_name": "Vollständiger Name",
        "status": "Status",
        "grade": "Bewertung",
        "maximum": "Bestwertung",
        "can_change": "Bewertung kann geändert werden",
        "modified": "Zuletzt geändert (Bewertung)",
        "comments": "Feedback als Kommentar",
        "participant": "Teilnehmer/in",
        "yes": "Ja",
    },
    "es": {
        "identifier": "Identificador",
        "full_name": "Nombre completo",
        "status": "Estado",
        "grade": "Calificación",
        "maximum": "Calificación máxima",
        "can_change": "La calificación puede ser cambiada",
        "modified": "Última modificación (calificación)",
        "comments": "Comentarios de retroalimentación",
        "participant": "Participante",
        "yes": "Sí",
    },
    "fr": {
        "identifier": "Identifiant",
        "full_name": "Nom complet",
        "status": "Statut",
        "grade": "Note",
        "maximum": "Note maximale",
        "can_change": "La note peut être modifiée",
        "modified": "Dernière modification (note)",
        "comments": "Feedback par commentaires",
        "participant": "Participant",
        "yes": "Oui",
    },
}
#: The worksheet's columns in English, as a Moodle site in English names them.
MOODLE_COLUMNS = [MOODLE_LANGUAGES["en"][key] for key in MOODLE_STRINGS]


@dataclass(frozen=True)
class LmsOptions:
    """Which LMS files to write (default: those of the LMS the submissions came from), and how.

    ``roster`` gives the Canvas file its SIS ids and sections; ``missing_as_zero`` writes 0 for
    a student who handed in nothing instead of a blank cell; ``moodle_language`` is the Moodle
    site's language (a key of :data:`MOODLE_LANGUAGES`).
    """

    formats: tuple[str, ...] | None = None
    canvas_assignment_id: str = ""
    roster: Path | None = None
    missing_as_zero: bool = False
    moodle_language: str = "en"


def _grade(row: StudentResult, missing_as_zero: bool) -> str:
    """A row's grade in an LMS file: blank for a student who handed in nothing, unless told to
    give them 0."""
    if row.status == "no submission" and not missing_as_zero:
        return ""
    return f"{row.final_score:g}"


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
    out: Path,
    assignment: Assignment,
    rows: list[StudentResult],
    assignment_id: str = "",
    options: LmsOptions | None = None,
) -> list[Path]:
    """The Canvas gradebook import CSV and the feedback zip for re-upload."""
    options = options or LmsOptions(canvas_assignment_id=assignment_id)
    assignment_id = assignment_id or options.canvas_assignment_id
    enrolled = read_roster(options.roster) if options.roster else {}
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
        on_roster = enrolled.get(r.student_id)
        sis = (
            [cell(on_roster.sis_user_id), cell(on_roster.sis_login_id), cell(on_roster.section)]
            if on_roster
            else ["", "", ""]
        )
        writer.writerow([cell(r.name), r.student_id, *sis, _grade(r, options.missing_as_zero)])
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


def _moodle_comment(r: StudentResult, missing_as_zero: bool) -> str:
    """The feedback comment of a worksheet row (none for a blank grade: an empty comment leaves
    Moodle's as it is, where it has none)."""
    if not _grade(r, missing_as_zero):
        return ""
    comment = f"Autograded: {r.final_score:g} / {r.max_score:g} ({r.status})."
    if r.penalty:
        comment += f" Late penalty: {r.penalty:g} points."
    if r.awaiting:
        comment += f" Written answers {r.manual_status}."
    return comment + " The feedback page is attached."


def write_moodle(
    out: Path, assignment: Assignment, rows: list[StudentResult], options: LmsOptions | None = None
) -> list[Path]:
    """The Moodle grading worksheet (in the site's language) and the feedback files zip."""
    options = options or LmsOptions()
    if options.moodle_language not in MOODLE_LANGUAGES:
        raise ValueError(
            f"--moodle-language must be one of {', '.join(sorted(MOODLE_LANGUAGES))};"
            f" got {options.moodle_language!r}"
        )
    words = MOODLE_LANGUAGES[options.moodle_language]
    folder = out / "lms"
    folder.mkdir(parents=True, exist_ok=True)
    students = sorted((r for r in rows if r.student_id.isdigit()), key=lambda r: int(r.student_id))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    grades = folder / f"{assignment.name}-moodle-grades.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([words[key] for key in MOODLE_STRINGS])
    for r in students:
        comment = _moodle_comment(r, options.missing_as_zero)
        writer.writerow(
            [
                f"{words['participant']}{r.student_id}",
                cell(r.name),
                cell(r.status),
                _grade(r, options.missing_as_zero),
                f"{r.max_score:g}",
                words["yes"],
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
        written += write_canvas(out, assignment, rows, options=options)
    if "moodle" in formats:
        written += write_moodle(out, assignment, rows, options)
    return written
