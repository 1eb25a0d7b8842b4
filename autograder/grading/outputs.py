"""What the grader writes: the nbgrader gradebook, ``grades.csv`` and per-student HTML feedback."""

from __future__ import annotations

import csv
import html
import queue
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from nbgrader.api import Gradebook

from autograder.grading.late import LatePolicy, iso
from autograder.grading.results import StudentResult
from autograder.grading.text import cap, cell, clean
from autograder.nbgrader_cells import ensure_scripts_on_path
from autograder.reveal import DEFAULT as DEFAULT_REVEAL
from autograder.reveal import function_text

if TYPE_CHECKING:
    from autograder.grading.assignment import Assignment

#: Longest excerpt of a student's printed output shown in the feedback, in characters.
LOG_CHARS = 4000


def open_gradebook(path: Path, assignment: Assignment, late: LatePolicy | None = None) -> Gradebook:
    """Open (or create) the nbgrader gradebook at ``path`` with the assignment's grade cells."""
    ensure_scripts_on_path()
    # nbgrader's own session handling warns each time it creates a submission's rows
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w*> not in session")
    gb = Gradebook(f"sqlite:///{path.resolve()}")
    due = {"duedate": _naive_utc(late.due.timestamp())} if late else {}
    gb.update_or_create_assignment(assignment.name, **due)
    for nb in assignment.notebooks:
        gb.update_or_create_notebook(nb.name, assignment.name)
        for grade_cell in nb.grade_cells:
            gb.update_or_create_grade_cell(
                grade_cell.grade_id,
                nb.name,
                assignment.name,
                max_score=grade_cell.points,
                cell_type="code",
            )
        # a written answer is a grade cell and a solution cell of one name, as nbgrader's
        # generate_assignment records a "Manually graded answer": formgrader grades it, and
        # keeps a comment on it
        for written in nb.written:
            gb.update_or_create_grade_cell(
                written.grade_id,
                nb.name,
                assignment.name,
                max_score=written.points,
                cell_type=written.cell_type,
            )
            gb.update_or_create_solution_cell(written.grade_id, nb.name, assignment.name)
    return gb


def _naive_utc(epoch: float | None) -> datetime | None:
    """A time as nbgrader stores it: UTC, without a time zone."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def gradebook_names(result: StudentResult) -> tuple[str | None, str | None]:
    """The (first, last) name to store for a student: ``Last, First`` split in two, and no
    comma or line break left in either.

    ``nbgrader export`` writes each field of its CSV file as it is, without quotes, so a comma
    in a name would shift every later field of that row. None where the name is the id.
    """
    name = result.name if result.name and result.name != result.student_id else ""
    name = " ".join(name.split())  # line breaks and runs of white space: one space
    last, comma, first = name.partition(",")
    if not comma or not last.strip() or not first.strip() or "," in first:
        last, first = name.replace(",", " "), ""
    last, first = " ".join(last.split()), " ".join(first.split())
    return first or None, last or None


def _set_grade(grade, auto_score: float | None) -> None:
    """Give a grade its automatic score, and decide as nbgrader's autograde does whether a
    person has to look at it: when it has no automatic score, or a person already scored it."""
    grade.auto_score = auto_score
    grade.needs_manual_grade = grade.manual_score is not None or auto_score is None


def record_in_gradebook(
    gb: Gradebook, assignment: Assignment, result: StudentResult, commit: bool = True
) -> None:
    """Store one student's automatic scores as nbgrader grades, with the time of submission
    and the late penalty (on the first notebook, as nbgrader's ``export`` sums them).

    A written answer gets no automatic score where it was answered (formgrader lists it as
    needing a manual grade) and 0 where it was left as released or deleted, as nbgrader's
    autograde scores it. A score a person gave is never touched.
    """
    first, last = gradebook_names(result)
    gb.update_or_create_student(result.student_id, first_name=first, last_name=last)
    when = _naive_utc(result.submitted_at)
    submission = gb.update_or_create_submission(
        assignment.name, result.student_id, **({"timestamp": when} if when else {})
    )
    # the submission's own notebooks and grades, rather than a query per grade cell
    notebooks = {notebook.name: notebook for notebook in submission.notebooks}
    for index, nb in enumerate(assignment.notebooks):
        scores = result.cells.get(nb.name, {})
        states = result.written.get(nb.name, {})
        notebook = notebooks[nb.name]
        grades = {grade.name: grade for grade in notebook.grades}
        for grade_cell in nb.grade_cells:
            _set_grade(grades[grade_cell.grade_id], float(scores.get(grade_cell.grade_id, 0.0)))
        for written in nb.written:
            answered = states.get(written.grade_id) == "answered"
            _set_grade(grades[written.grade_id], None if answered else 0.0)
        notebook.late_submission_penalty = float(result.penalty) if index == 0 else 0.0
    if commit:
        gb.db.commit()


def manual_scores(gb: Gradebook) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """Every score a person gave in the gradebook (formgrader's manual scores and extra
    credit), by (student, assignment), then notebook and grade cell: nbgrader's own score of
    that cell (``Grade.score``), in one query."""
    from nbgrader.api import Assignment as NbAssignment
    from nbgrader.api import (
        Grade,
        GradeCell,
        Notebook,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )
    from sqlalchemy import or_

    rows = (
        gb.db.query(Student.id, NbAssignment.name, Notebook.name, GradeCell.name, Grade.score)
        .select_from(Grade)
        .join(GradeCell, Grade.cell_id == GradeCell.id)
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(NbAssignment, SubmittedAssignment.assignment_id == NbAssignment.id)
        .join(Student, SubmittedAssignment.student_id == Student.id)
        .filter(or_(Grade.manual_score.isnot(None), Grade.extra_credit.isnot(None)))
        .all()
    )
    found: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for student, assignment, notebook, grade_id, score in rows:
        by_notebook = found.setdefault((student, assignment), {})
        by_notebook.setdefault(notebook, {})[grade_id] = round(float(score or 0.0), 4)
    return found


def gradebook_state(gb: Gradebook, assignment: str) -> dict[str, tuple]:
    """What the gradebook holds for each student of ``assignment``: ((first, last) name, time,
    total automatic score, late penalty, grades without an automatic score), in three
    queries."""
    from nbgrader.api import Assignment as NbAssignment
    from nbgrader.api import Grade, Student, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import func

    totals = dict(
        gb.db.query(Student.id, func.sum(Grade.auto_score))
        .select_from(SubmittedAssignment)
        .join(NbAssignment)
        .join(Student)
        .join(SubmittedNotebook)
        .join(Grade)
        .filter(NbAssignment.name == assignment)
        .group_by(Student.id)
        .all()
    )
    rows = (
        gb.db.query(SubmittedAssignment)
        .join(NbAssignment)
        .filter(NbAssignment.name == assignment)
        .all()
    )
    pending = dict(
        gb.db.query(Student.id, func.count(Grade.id))
        .select_from(SubmittedAssignment)
        .join(NbAssignment)
        .join(Student)
        .join(SubmittedNotebook)
        .join(Grade)
        .filter(NbAssignment.name == assignment, Grade.auto_score.is_(None))
        .group_by(Student.id)
        .all()
    )
    return {
        sub.student.id: (
            (sub.student.first_name, sub.student.last_name),
            sub.timestamp,
            round(float(totals.get(sub.student.id) or 0.0), 4),
            round(float(sub.late_submission_penalty or 0.0), 4),
            int(pending.get(sub.student.id) or 0),
        )
        for sub in rows
    }


def _state_of(result: StudentResult) -> tuple:
    answered = sum(s == "answered" for states in result.written.values() for s in states.values())
    return (
        gradebook_names(result),
        _naive_utc(result.submitted_at),
        round(result.score, 4),
        round(result.penalty, 4),
        answered,
    )


class GradebookWriter(threading.Thread):
    """Records results in the gradebook from one thread, while the submissions are graded.

    Creating a new nbgrader gradebook takes seconds (nbgrader runs ``alembic``); doing it here
    lets the workers start at once. A result added with ``if_changed`` (one reused from the
    last run) is written only where the gradebook holds something else for that student, so
    that an unchanged class costs a few queries. :meth:`finish` waits for every result to be
    stored and raises what went wrong, if anything; :attr:`manual` then holds every score a
    person gave in the gradebook (:func:`manual_scores`).
    """

    def __init__(self, path: Path, assignment: Assignment, late: LatePolicy | None = None):
        super().__init__(daemon=True)
        self.path, self.assignment, self.late = path, assignment, late
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.written = 0
        self.manual: dict[tuple[str, str], dict[str, dict[str, float]]] = {}

    def run(self) -> None:
        try:
            gb = open_gradebook(self.path, self.assignment, self.late)
        except BaseException as exc:
            self.error = exc
            return
        # nbgrader's helpers commit after every call, and by default a commit makes every
        # object read so far be read again from the file at its next use. This thread is the
        # gradebook's one writer, so what it wrote is what the file holds, and nothing it has
        # read needs reading again.
        gb.db().expire_on_commit = False
        state: dict[str, tuple] | None = None
        try:
            done = False
            while not done:
                # every result waiting, then one commit (nbgrader's helpers commit too)
                batch = [self.queue.get()]
                while not self.queue.empty():
                    batch.append(self.queue.get())
                for item in batch:
                    if item is None:
                        done = True
                        break
                    result, if_changed = item
                    if if_changed:
                        if state is None:
                            state = gradebook_state(gb, self.assignment.name)
                        held = state.get(result.student_id)
                        if held is not None and held == _state_of(result):
                            continue
                    record_in_gradebook(gb, self.assignment, result, commit=False)
                    self.written += 1
                gb.db.commit()
            self.manual = manual_scores(gb)
        except BaseException as exc:
            self.error = exc
        finally:
            gb.close()

    def add(self, result: StudentResult, if_changed: bool = False) -> None:
        self.queue.put((result, if_changed))

    def close(self) -> None:
        """Stop after the results already added, without raising."""
        if self.is_alive():
            self.queue.put(None)
            self.join()

    def finish(self) -> None:
        self.close()
        if self.error is not None:
            raise RuntimeError(f"could not write the gradebook {self.path}: {self.error}")


#: Columns of ``grades.csv`` before the graded functions'.
COLUMNS = [
    "student_id",
    "name",
    "assignment",
    "score",
    "max_score",
    "status",
    "reason",
    "seconds",
    "similarity",
    "secret_fingerprint",
    "raw_score",
    "penalty",
    "late_hours",
    "submitted_at",
    "sandbox",
    "manual_score",
    "manual_max",
    "manual_status",
]


def write_csv(
    path: Path, assignments: dict[str, dict], rows: dict[str, list[StudentResult]]
) -> None:
    """``grades.csv``: one row per student and assignment, with a column per graded function.

    ``assignments`` maps each assignment's name to what the store knows of it (its functions);
    ``rows`` its students' rows. ``score`` is after the late penalty, ``raw_score`` before it
    (both count the points given by hand so far); ``manual_score`` is the written answers'
    points (blank while some await a person: ``manual_status`` says how many), ``manual_max``
    what they are worth;
    ``secret_fingerprint`` names the course secret the hidden cases were drawn from; ``sandbox``
    says what isolated the student's code (``none``: graded with ``--no-sandbox``). The file is
    written to a temporary name, then renamed: a reader never sees half of it.
    """
    functions: list[str] = []
    for name in sorted(rows):
        meta = assignments.get(name, {})
        functions += [fn for fn in meta.get("functions", []) if fn not in functions]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS + functions)
        for assignment in sorted(rows):
            own = set(assignments.get(assignment, {}).get("functions", []))
            for r in sorted(rows[assignment], key=lambda r: r.student_id):
                scores = {fs.name: fs.score for fs in r.functions}
                writer.writerow(
                    [
                        cell(r.student_id),
                        cell(r.name),
                        assignment,
                        f"{r.final_score:g}",
                        f"{r.max_score:g}",
                        r.status,
                        cell(r.reason),
                        f"{r.seconds:.2f}",
                        cell(r.similarity),
                        r.secret_fingerprint,
                        f"{r.raw_score:g}",
                        f"{r.penalty:g}",
                        f"{r.late_seconds / 3600:.2f}",
                        iso(r.submitted_at),
                        r.sandbox,
                        "" if r.awaiting or not r.written_points else f"{r.manual_score:g}",
                        f"{r.written_points:g}" if r.written_points else "",
                        r.manual_status,
                    ]
                    + [f"{scores.get(fn, 0.0):g}" if fn in own else "" for fn in functions]
                )
    tmp.replace(path)


def _esc(text: str, limit: int = 2000) -> str:
    return html.escape(cap(clean(text), limit))


#: How a feedback page words each state of a written answer.
WRITTEN_STATES = {
    "answered": "graded by hand: not graded yet",
    "blank": "not answered: 0",
    "missing": "the cell was deleted: 0",
}


def _written_section(assignment: Assignment, result: StudentResult) -> str:
    """The written answers on a feedback page: each one's points, or why it has none yet."""
    items = []
    for nb in assignment.notebooks:
        states = result.written.get(nb.name, {})
        given = result.manual.get(nb.name, {})
        for answer in nb.written:
            if answer.grade_id in given:
                where = f"{given[answer.grade_id]:g} / {answer.points:g}"
            else:
                where = WRITTEN_STATES.get(states.get(answer.grade_id, "blank"), "")
                where += "" if where.endswith("yet") else f" / {answer.points:g}"
            items.append(f"<li><code>{_esc(answer.grade_id, 200)}</code>: {_esc(where, 200)}</li>")
    if not items:
        return ""
    return (
        f"<h2>Written answers ({assignment.written_points:g} points, graded by hand)</h2>"
        f"<p>{_esc(result.manual_status, 200)}</p><ul>{''.join(items)}</ul>"
    )


def write_feedback(
    path: Path, assignment: Assignment, result: StudentResult, reveal: str = DEFAULT_REVEAL
) -> None:
    """A self-contained HTML page for one student: score, each function, each failed case (a
    hidden one as ``reveal`` allows, :mod:`autograder.reveal`), and the written answers."""
    rows = []
    for fs in result.functions:
        scored = [v for v in fs.verdicts if not v.probe]
        failed = [v for v in scored if not v.passed]
        # the report a notebook's check prints for this function, word for word, the hidden
        # cases' part as ``reveal`` allows
        text = function_text(fs, reveal)
        report = f"<pre>{_esc(text, 6000)}</pre>" if text else ""
        message = f"<p><b>{_esc(fs.message)}</b></p>" if fs.message else ""
        cases = f"{len(scored) - len(failed)} / {len(scored)} cases passed" if scored else ""
        rows.append(
            f"<tr><td><code>{_esc(fs.name, 200)}</code></td><td>{fs.score:g} / {fs.points:g}</td>"
            f"<td>{cases}{message}{report}</td></tr>"
        )
    notes = "".join(f"<li>{_esc(n)}</li>" for n in result.notes[:50])
    if len(result.notes) > 50:
        notes += f"<li>... and {len(result.notes) - 50} more remarks</li>"
    shown_id = result.name and result.name != result.student_id
    who = f" ({_esc(result.student_id, 200)})" if shown_id else ""
    log = _esc(result.log[:LOG_CHARS], LOG_CHARS + 10)
    late = (
        f"<br>Late by {result.late_seconds / 3600:.1f} hours: {result.score:g} earned,"
        f" {result.penalty:g} deducted"
        if result.late_seconds > 0
        else ""
    )
    written = _written_section(assignment, result)
    unsandboxed = (
        "<p><b>Graded without a sandbox</b> (<code>--no-sandbox</code>): this machine could not"
        " isolate the notebook's code, so it ran as an unprivileged user with only resource"
        " limits.</p>"
        if result.sandbox == "none"
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_esc(assignment.name, 200)}: feedback for {_esc(result.name or result.student_id, 200)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td,th{{border:1px solid #ccc;padding:.4em;vertical-align:top}}table{{border-collapse:collapse}}
pre{{background:#f6f6f6;padding:.5em;white-space:pre-wrap;max-height:30em;overflow:auto}}</style>
</head><body>
<h1>{_esc(assignment.name, 200)}</h1>
<p>Student: <b>{_esc(result.name or result.student_id, 200)}</b>{who}<br>
Score: <b>{result.final_score:g} / {result.max_score:g}</b> ({_esc(result.status, 50)}){late}</p>
{unsandboxed}{f"<p>{_esc(result.reason)}</p>" if result.reason else ""}
<table><tr><th>function</th><th>points</th><th>details</th></tr>{"".join(rows)}</table>
{written}
{f"<h2>Remarks</h2><ul>{notes}</ul>" if notes else ""}
{f"<h2>Output of your notebook (excerpt)</h2><pre>{log}</pre>" if log.strip() else ""}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
