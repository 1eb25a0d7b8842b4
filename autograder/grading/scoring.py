"""Judge what a student's functions returned, in the grader's own process, and score it.

Everything here runs outside the student's process on plain NumPy arrays read back from the
sandbox, so nothing the submission patched (``np.allclose``, the checks, the autograder) takes
part in the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.checks.base import earned_fraction
from autograder.grading.assignment import SourceNotebook, check_points
from autograder.grading.evaluate import CaseResult

#: Modules whose absence in the sandbox means the student called the reference.
PROTECTED = ("nnlib", "autograder")


@dataclass
class CaseVerdict:
    """The verdict on one case: its name, whether it passed, and why."""

    name: str
    passed: bool
    message: str
    credit: float = 0.0
    hidden: bool = False


@dataclass
class FunctionScore:
    """A graded function's score and the verdict on each of its cases."""

    name: str
    points: float
    score: float
    verdicts: list[CaseVerdict] = field(default_factory=list)
    message: str = ""
    visible: float = 0.0
    hidden: float | None = None

    def fraction(self, hidden: bool) -> float:
        """Share earned on the visible cases, or on the hidden ones (visible when there are none)."""
        if hidden and self.hidden is not None:
            return self.hidden
        return self.visible


def _called_reference(error: str) -> str | None:
    for package in PROTECTED:
        if f"No module named '{package}" in error or f"module '{package}" in error:
            return package
    return None


def _failed(result: CaseResult, name: str) -> str:
    if result.status == "timeout":
        return f"did not finish within the time limit ({result.error})"
    if result.status == "crash":
        return f"the student's process died while running this ({result.error})"
    return f"raised {result.error}"


def judge_function(
    check: Any, cases: list[Any], results: list[CaseResult], n_visible: int | None = None
) -> FunctionScore:
    """Judge every case of ``check`` with the check's own ``judge`` and score the function.

    Each case earns its verdict's ``fraction`` (1 or 0 when the verdict has none); the function
    earns its points times the mean over its cases, and nothing when it called nnlib or the
    autograder. Cases from ``n_visible`` on are the hidden ones, scored separately for the
    test cells that ask for them.
    """
    n_visible = len(cases) if n_visible is None else n_visible
    name = check.name
    points = check_points(check)
    verdicts: list[CaseVerdict] = []
    reference = None
    for index, (case, result) in enumerate(zip(cases, results, strict=True)):
        hidden = index >= n_visible
        if result.status != "ok":
            reference = reference or _called_reference(result.error)
            verdicts.append(CaseVerdict(case.name, False, _failed(result, name), 0.0, hidden))
            continue
        try:
            with np.errstate(all="ignore"):  # a judge's overflow on a wrong answer is expected
                verdict = check.judge(case, result.output)
            passed, message = bool(verdict.passed), str(verdict.message)
            credit = getattr(verdict, "fraction", None)
            credit = float(credit) if credit is not None else float(passed)
            credit = min(max(credit, 0.0), 1.0) if credit == credit else 0.0
        except Exception as exc:  # an output of the wrong kind: a failed case, not a crash
            passed, credit = False, 0.0
            message = f"returned something unusable ({type(exc).__name__}: {exc})"
        verdicts.append(CaseVerdict(case.name, passed, message[:2000], credit, hidden))
    if reference is not None:
        message = f"{name} calls {reference} instead of computing its answer, so it earns nothing"
        return FunctionScore(name, points, 0.0, verdicts, message)

    def share(indices: range) -> float:
        """The same rule as a notebook's own check: see ``earned_fraction``."""
        return earned_fraction([verdicts[i].credit for i in indices], [cases[i] for i in indices])

    everything, visible, hidden = range(len(cases)), range(n_visible), range(n_visible, len(cases))
    score = min(max(points * share(everything), 0.0), points)
    return FunctionScore(
        name,
        points,
        round(score, 2),
        verdicts,
        visible=share(visible),
        hidden=share(hidden) if hidden else None,
    )


def cell_scores(notebook: SourceNotebook, functions: dict[str, FunctionScore]) -> dict[str, float]:
    """Score each graded test cell: its points times the mean share its checks earned.

    A cell calling ``check(relu_forward)`` gets the share of the visible cases,
    ``check(relu_forward, hidden=True)`` that of the hidden cases; a cell with both, the mean.
    """
    scores = {}
    for cell in notebook.grade_cells:
        fractions = [
            functions[name].fraction(hidden) for name, hidden in cell.calls if name in functions
        ]
        fraction = sum(fractions) / len(fractions) if fractions else 0.0
        scores[cell.grade_id] = round(cell.points * fraction, 2)
    return scores
