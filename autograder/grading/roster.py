"""The class roster: every enrolled student gets a row, whether they handed anything in or not.

``autograder grade --roster roster.csv`` reads a CSV file with a header row. The student's key
is the first of the columns ``student_id``, ``id``, ``user_id``, ``Canvas user id``... that
exists (the LMS's id, matched against the ids of the download); the display name is ``name``, or
``first_name`` and ``last_name`` together. A Canvas gradebook export (columns ``Student``,
``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``) reads as it is: the SIS ids and the section
go into the Canvas import file (:mod:`autograder.grading.lms`). Other columns are ignored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

#: Header names of the id column, tried in order (compared case-insensitively).
ID_COLUMNS = ("student_id", "id", "user_id", "userid", "canvas user id", "participant", "username")
#: Header names of the display name, tried in order.
NAME_COLUMNS = ("name", "student", "full name", "fullname")
#: Header names of the student's ids in the institution's SIS, and of the section, as a Canvas
#: gradebook export writes them (or in snake case).
SIS_COLUMNS = {
    "sis_user_id": ("sis user id", "sis_user_id"),
    "sis_login_id": ("sis login id", "sis_login_id", "login_id"),
    "section": ("section", "sections"),
}


@dataclass(frozen=True)
class Enrolled:
    """One student on the roster, with the SIS ids and section where the roster has them."""

    student_id: str
    name: str
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def read_roster(path: Path) -> dict[str, Enrolled]:
    """The students of a roster CSV, by id.

    Raises
    ------
    ValueError
        If the file is not UTF-8 CSV with a header naming an id column, or repeats an id.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the roster {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))  # a quoted field may hold a line break
    headers = {h.strip().lower(): h for h in reader.fieldnames or [] if h}
    id_column = next((headers[c] for c in ID_COLUMNS if c in headers), None)
    if id_column is None:
        raise ValueError(
            f"the roster {path} has no id column: expected one of {', '.join(ID_COLUMNS)}; "
            f"its header is {', '.join(reader.fieldnames or []) or 'empty'}"
        )
    name_column = next((headers[c] for c in NAME_COLUMNS if c in headers), None)
    sis_columns = {
        field: next((headers[c] for c in names if c in headers), None)
        for field, names in SIS_COLUMNS.items()
    }
    students: dict[str, Enrolled] = {}
    for line, row in enumerate(reader, start=2):
        student_id = (row.get(id_column) or "").strip()
        if not student_id or student_id.lower().startswith("points possible"):
            continue
        if name_column:
            name = (row.get(name_column) or "").strip()
        else:
            parts = [row.get(headers.get(k, ""), "") or "" for k in ("first_name", "last_name")]
            name = " ".join(p.strip() for p in parts if p.strip())
        if student_id in students:
            raise ValueError(f"the roster {path} lists the id {student_id!r} twice (line {line})")
        sis = {field: (row.get(c) or "").strip() if c else "" for field, c in sis_columns.items()}
        students[student_id] = Enrolled(student_id, name or student_id, **sis)
    return students
