"""Judge what a student's functions returned, in the grader's own process, and score it.

Everything here runs outside the student's process on plain NumPy arrays read back from the
sandbox, so nothing the submission patched (``np.allclose``, the checks, the autograder) takes
part in the comparison.
"""

from __future__ import annotations

import re
from typing import Any

from autograder.checks.base import Verdict, earned_fraction, judge_case, with_hint
from autograder.grading.assignment import SourceNotebook, check_points
from autograder.grading.results import CaseResult, CaseVerdict, FunctionScore
from autograder.outcomes import NO_VALUE, Outcome
from autograder.reference_use import FOREIGN

#: How a case with no value to judge is described, by its outcome.
_NO_VALUE_MESSAGE = {
    Outcome.TIMED_OUT: "did not finish within the time limit ({error})",
    Outcome.PROCESS_DIED: "the student's process died while running this ({error})",
    Outcome.NOT_ATTEMPTED: "not attempted: it still raises NotImplementedError",
    Outcome.NOT_DEFINED: "{error}",
    Outcome.NOT_RUN: "{error}",
    Outcome.CHANGED_INPUT: "{error}",
}


def _no_value(result: CaseResult) -> str:
    return _NO_VALUE_MESSAGE.get(result.kind, "raised {error}").format(error=result.error)


def _judge(check: Any, case: Any, result: CaseResult) -> tuple[Outcome, str, float]:
    """Outcome, message and credit of one case the sandbox reported on."""
    if result.kind in NO_VALUE:
        message = _no_value(result)
        if result.kind is Outcome.RAISED:
            message = with_hint(check, message)
        return result.kind, message, 0.0
    if result.kind is not Outcome.RETURNED:  # an unusable result file
        return Outcome.WRONG, f"returned something unusable ({result.error})", 0.0
    verdict: Verdict = judge_case(check, case, result.output)
    return verdict.kind, str(verdict.message), verdict.fraction


def judge_function(
    check: Any,
    cases: list[Any],
    results: list[CaseResult],
    n_visible: int | None = None,
    hidden_only: bool = False,
) -> FunctionScore:
    """Judge every case of ``check`` with the check's own ``judge`` and score the function.

    Each case earns its verdict's ``fraction`` (1 or 0 when the verdict has none); the function
    earns its points times the mean over its cases, and nothing when it called nnlib or the
    autograder. Cases from ``n_visible`` on are the hidden ones, scored separately for the
    test cells that ask for them; ``hidden_only``: the function is graded on its hidden cases
    alone, whose share then stands for the visible one too (a classifier's held-out photos).
    """
    n_visible = len(cases) if n_visible is None else n_visible
    name = check.name
    points = check_points(check)
    verdicts: list[CaseVerdict] = []
    for index, (case, result) in enumerate(zip(cases, results, strict=True)):
        kind, message, credit = _judge(check, case, result)
        verdicts.append(CaseVerdict(case.name, kind, message[:2000], credit, index >= n_visible))
    used = [r.error for r in results if r.kind is Outcome.USED_REFERENCE]
    if used:
        # the wording only: the kind, set by the sandbox's runner, decided the score
        foreign = [p for p in FOREIGN if re.search(rf"\b{p}\b", used[0])]
        package = foreign[0] if foreign else "autograder" if "'autograder" in used[0] else "nnlib"
        message = f"{name} calls {package} instead of computing its answer, so it earns nothing"
        if package in FOREIGN:
            message += ": the exercise is NumPy only"
        return FunctionScore(name, points, 0.0, verdicts, message, kind=Outcome.USED_REFERENCE)
    untouched = (Outcome.NOT_ATTEMPTED, Outcome.NOT_DEFINED)  # the placeholder, or nothing
    attempted = not verdicts or any(v.kind not in untouched for v in verdicts)

    def share(indices: range) -> float:
        """The same rule as a notebook's own check: see ``earned_fraction``."""
        return earned_fraction([verdicts[i].credit for i in indices], [cases[i] for i in indices])

    visible, hidden = share(range(n_visible)), None
    if n_visible < len(cases):
        hidden = share(range(n_visible, len(cases)))
        if hidden_only:
            visible = hidden
    # the rule of its test cell, check(f) then check(f, hidden=True): see cell_fraction
    fraction = cell_fraction([visible] if hidden is None else [visible, hidden])
    return FunctionScore(
        name,
        points,
        round(min(max(points * fraction, 0.0), points), 2),
        verdicts,
        visible=visible,
        hidden=hidden,
        kind=None if attempted else Outcome.NOT_ATTEMPTED,
    )


def cell_fraction(fractions: list[float]) -> float:
    """The share of a test cell's points earned, from the shares of its ``check`` calls in order.

    nbgrader's rule for a cell that calls ``check`` several times: a call that earns nothing
    raises, so the cell earns nothing; otherwise the cell's value is that of its last call
    (``check(f, hidden=True)`` in the instructor's version). So a function that passes the
    visible cases and fails the hidden ones earns nothing in either grader.
    """
    if not fractions or any(f <= 0 for f in fractions):
        return 0.0
    return fractions[-1]


def cell_scores(notebook: SourceNotebook, functions: dict[str, FunctionScore]) -> dict[str, float]:
    """Score each graded test cell: its points times :func:`cell_fraction` of its checks."""
    scores = {}
    for cell in notebook.grade_cells:
        fractions = [
            functions[name].fraction(hidden) for name, hidden in cell.calls if name in functions
        ]
        scores[cell.grade_id] = round(cell.points * cell_fraction(fractions), 2)
    return scores
