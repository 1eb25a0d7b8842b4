"""The class roster: every enrolled student gets a row, whether they handed anything in or not.

``autograder grade --roster roster.csv`` reads a CSV file with a header row. The student's key
is the first of the columns ``student_id``, ``id``, ``user_id``, ``Canvas user id``... that
exists (the LMS's id, matched against the ids of the download); the display name is ``name``, or
``first_name`` and ``last_name`` together. Extra columns are ignored. A Canvas gradebook export
(columns ``Student``, ``ID``) reads as it is.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

#: Header names of the id column, tried in order (compared case-insensitively).
ID_COLUMNS = ("student_id", "id", "user_id", "userid", "canvas user id", "participant", "username")
#: Header names of the display name, tried in order.
NAME_COLUMNS = ("name", "student", "full name", "fullname")


@dataclass(frozen=True)
class Enrolled:
    """One student on the roster."""

    student_id: str
    name: str


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
    reader = csv.DictReader(text.splitlines())
    headers = {h.strip().lower(): h for h in reader.fieldnames or [] if h}
    id_column = next((headers[c] for c in ID_COLUMNS if c in headers), None)
    if id_column is None:
        raise ValueError(
            f"the roster {path} has no id column: expected one of {', '.join(ID_COLUMNS)}; "
            f"its header is {', '.join(reader.fieldnames or []) or 'empty'}"
        )
    name_column = next((headers[c] for c in NAME_COLUMNS if c in headers), None)
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
        students[student_id] = Enrolled(student_id, name or student_id)
    return students
