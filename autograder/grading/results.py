"""The records a batch grading produces, shared by the grader, the scorer and the writers.

From the inside out: a :class:`CaseResult` is what the sandbox reported for one call, a
:class:`CaseVerdict` the grader's judgement of it, a :class:`FunctionScore` a graded function's
score, a :class:`StudentResult` one student's row and a :class:`ClassResult` the batch. Each
carries an :class:`~autograder.outcomes.Outcome` or a status set where it was decided; the
messages beside them are for people only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.outcomes import Outcome


@dataclass
class CaseResult:
    """What one call of a student's function gave in the sandbox.

    ``kind`` is RETURNED when there is an ``output`` to judge; otherwise it says why not
    (RAISED, NOT_ATTEMPTED, TIMED_OUT, PROCESS_DIED, USED_REFERENCE, ...) and ``error``
    explains it.
    """

    kind: Outcome
    output: Any = None
    error: str = ""
    seconds: float = 0.0


@dataclass
class CaseVerdict:
    """The verdict on one case: its name, its outcome, the credit earned and why."""

    name: str
    kind: Outcome
    message: str
    credit: float = 0.0
    hidden: bool = False
    #: An unscored case, made only to find the report's counterexample or judge a property.
    probe: bool = False

    @property
    def passed(self) -> bool:
        return self.kind is Outcome.PASSED


@dataclass
class FunctionScore:
    """A graded function's score and the verdict on each of its cases.

    ``kind`` is set when the function was decided as a whole: USED_REFERENCE (it earns
    nothing), NOT_GRADED (no notebook to run), NOT_ATTEMPTED (every case still raises the
    exercise's placeholder, or the function is not defined). None means its cases were judged
    one by one.
    """

    name: str
    points: float
    score: float
    verdicts: list[CaseVerdict] = field(default_factory=list)
    message: str = ""
    visible: float = 0.0
    hidden: float | None = None
    kind: Outcome | None = None
    #: Numbers a leaderboard may show (a classifier's ``accuracy`` and ``train_seconds``), from
    #: the check's ``metrics`` where it has one.
    metrics: dict[str, float] = field(default_factory=dict)
    #: The report a student reads, the text a notebook's ``check(f)`` prints of the visible
    #: cases.
    report: str = ""
    #: What ``check(f, hidden=True)`` prints of the hidden cases, where it says more than the
    #: visible report; shown only as ``--reveal`` allows (:func:`autograder.reveal.function_text`).
    hidden_report: str = ""

    def fraction(self, hidden: bool) -> float:
        """Share earned on the visible cases, or on the hidden ones (visible when there are none)."""
        if hidden and self.hidden is not None:
            return self.hidden
        return self.visible

    def has(self, kind: Outcome) -> bool:
        """Whether any case had outcome ``kind``."""
        return any(v.kind is kind for v in self.verdicts)


#: Statuses of a student's row in ``grades.csv``, the gradebook and the feedback.
STATUSES = {
    "graded": "every notebook was run and its functions judged",
    "partial": "some notebooks were graded, others missing or unreadable",
    "not attempted": "the notebook was handed in with no graded function attempted",
    "invalid": "no submitted file is a readable notebook",
    "missing": "a submission without the assignment's notebook",
    "no submission": "on the roster, with nothing submitted",
    "error": "the grader failed on this submission (a bug to report)",
}


@dataclass
class StudentResult:
    """One student's grade for the assignment, as written to ``grades.csv`` and the gradebook.

    ``student_id`` is the key (the LMS's user id where there is one); ``name`` is the name to
    display, in Unicode; ``folder`` the file-system-safe name of the student's feedback folder.
    """

    student_id: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"
    reason: str = ""
    functions: list[FunctionScore] = field(default_factory=list)
    cells: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    log: str = ""
    seconds: float = 0.0
    name: str = ""
    folder: str = ""
    similarity: str = ""
    #: When the work was handed in (epoch seconds; None when unknown), and the late penalty
    #: in points (``score`` is before it: what the cells earned).
    submitted_at: float | None = None
    late_seconds: float = 0.0
    penalty: float = 0.0
    #: The course secret's fingerprint the hidden cases were drawn under.
    secret_fingerprint: str = ""
    #: Code the notebook tried to run at run time, not in its cells (``exec`` of a string), which
    #: the sandbox refused: compared with the class's code like the cells.
    refused_code: str = ""
    #: Where the files came from (``canvas``, ``moodle`` or ``""``) and, for Canvas, the
    #: attachment id of the graded file: what the LMS files need to name the student's row.
    lms: str = ""
    attachment: str = ""
    #: Seconds spent in each phase of grading it (sandbox, cells, calls, judging, writing).
    timings: dict[str, float] = field(default_factory=dict)
    #: What isolated its code: ``"bubblewrap"``, ``"none"`` (graded with ``--no-sandbox``),
    #: or ``""`` where none of its code ran.
    sandbox: str = ""
    #: The written answers (manually graded cells) of each notebook, by grade id: ``answered``
    #: (a person scores it), ``blank`` (left as released) or ``missing`` (deleted); the last two
    #: score 0, as nbgrader scores them. ``written_points`` is what they are worth in all.
    written: dict[str, dict[str, str]] = field(default_factory=dict)
    written_points: float = 0.0
    #: The scores a person gave (notebook -> grade id -> points), as the gradebook holds them
    #: when the outputs are written: formgrader's, or any nbgrader client's.
    manual: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def manual_score(self) -> float:
        """Points given by hand to the written answers so far (one left blank or deleted
        counts 0)."""
        return round(
            sum(
                score
                for nb, scores in self.manual.items()
                for grade_id, score in scores.items()
                if grade_id not in self.cells.get(nb, {})
            ),
            4,
        )

    @property
    def awaiting(self) -> list[str]:
        """The written answers (``notebook/grade id``) still waiting for a person's score."""
        return [
            f"{nb}/{grade_id}"
            for nb, states in self.written.items()
            for grade_id, state in states.items()
            if state == "answered" and grade_id not in self.manual.get(nb, {})
        ]

    @property
    def manual_status(self) -> str:
        """Where the written answers stand: ``awaiting manual grading (N answers)``, ``graded
        by hand``, ``not answered``, or ``""`` for an assignment without any."""
        if not self.written_points:
            return ""
        waiting = len(self.awaiting)
        if waiting:
            return f"awaiting manual grading ({waiting} answer{'s' if waiting > 1 else ''})"
        answered = any(s == "answered" for states in self.written.values() for s in states.values())
        return "graded by hand" if answered or self.manual else "not answered"

    @property
    def raw_score(self) -> float:
        """The score before the late penalty, as nbgrader counts it: each cell's automatic
        score, or the score a person gave it instead, plus the written answers' points so far."""
        overrides = sum(
            score - self.cells[nb][grade_id]
            for nb, scores in self.manual.items()
            for grade_id, score in scores.items()
            if grade_id in self.cells.get(nb, {})
        )
        return round(self.score + overrides + self.manual_score, 4)

    @property
    def final_score(self) -> float:
        """The score after the late penalty, as nbgrader counts it (never below zero): the
        automatic score plus the points given by hand so far, less the penalty."""
        return max(0.0, round(self.raw_score - self.penalty, 4))


@dataclass
class ClassResult:
    """The outcome of a batch: each student's result, the isolation used, and timing."""

    results: list[StudentResult]
    isolation: Any
    seconds: float
    out: Path
    secret_fingerprint: str = ""
    #: Submissions graded in this run, and reused unchanged from the last one.
    graded: int = 0
    reused: int = 0
    #: Seconds from the first sandbox started to the last result (setup excluded).
    grading_seconds: float = 0.0

    @property
    def per_minute(self) -> float:
        return 60.0 * len(self.results) / self.seconds if self.seconds else 0.0
