"""Judge what a student's functions returned, in the grader's own process, and score it.

Everything here runs outside the student's process on plain NumPy arrays read back from the
sandbox, so nothing the submission patched (``np.allclose``, the checks, the autograder) takes
part in the comparison.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from autograder.checks.base import Verdict, judge_case, render
from autograder.checks.feedback import assess, error_hint, is_probe
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


def _no_value(result: CaseResult, case: Any = None, names: tuple = ()) -> str:
    text = _NO_VALUE_MESSAGE.get(result.kind, "raised {error}").format(error=result.error)
    if result.kind is Outcome.RAISED and (hint := error_hint(text, case, names)):
        text = f"{text}; {hint}"
    return text


def _judge(check: Any, case: Any, result: CaseResult) -> Verdict:
    """The verdict on one case the sandbox reported on."""
    if result.kind in NO_VALUE:
        names = tuple(getattr(check, "arg_names", ()))
        return Verdict(False, _no_value(result, case, names), 0.0, kind=result.kind)
    if result.kind is not Outcome.RETURNED:  # an unusable result file
        return Verdict(False, f"returned something unusable ({result.error})", 0.0)
    return judge_case(check, case, result.output)


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
    judged = [_judge(check, case, result) for case, result in zip(cases, results, strict=True)]
    verdicts = [
        CaseVerdict(
            c.name, v.kind, str(v.message)[:2000], v.fraction, i >= n_visible, probe=is_probe(c)
        )  # fmt: skip
        for i, (c, v) in enumerate(zip(cases, judged, strict=True))
    ]
    used = [r.error for r in results if r.kind is Outcome.USED_REFERENCE]
    if used:
        # the wording only: the kind, set by the sandbox's runner, decided the score
        foreign = [p for p in FOREIGN if re.search(rf"\b{p}\b", used[0])]
        package = foreign[0] if foreign else "autograder" if "'autograder" in used[0] else "nnlib"
        message = f"{name} calls {package} instead of computing its answer, so it earns nothing"
        if package in FOREIGN:
            message += ": the exercise is NumPy only"
        return FunctionScore(name, points, 0.0, verdicts, message, kind=Outcome.USED_REFERENCE)
    metrics = _metrics(check, cases, results)
    untouched = (Outcome.NOT_ATTEMPTED, Outcome.NOT_DEFINED)  # the placeholder, or nothing
    attempted = not verdicts or any(v.kind not in untouched for v in verdicts)
    outputs = [r.output if r.kind is Outcome.RETURNED else None for r in results]
    draws = [range(n_visible)] + ([range(n_visible, len(cases))] if n_visible < len(cases) else [])
    stand_in = hidden_only and n_visible < len(cases)
    if stand_in:  # the hidden draw stands for the visible one too
        draws = draws[1:]
    shares, reports = [], []
    for draw in draws:
        # the same assessment as a notebook's own check of this draw: see feedback.assess
        picked = [cases[i] for i in draw], [judged[i] for i in draw], [outputs[i] for i in draw]
        assessment = assess(check, *picked)
        shares.append(assessment.fraction)
        scored = [(c.name, v) for c, v in zip(picked[0], picked[1], strict=True) if not is_probe(c)]
        report = render(name, points, round(points * assessment.fraction, 2), "", attempted,
                        None, scored, assessment.lines)  # fmt: skip
        if not reports or assessment.lines or assessment.fraction < 1:
            reports.append(report)
    if stand_in:
        shares = shares * 2
    # the rule of its test cell, check(f) then check(f, hidden=True): see cell_fraction
    fraction = cell_fraction(shares)
    if not attempted:
        reports = reports[:1]
    return FunctionScore(
        name,
        points,
        round(min(max(points * fraction, 0.0), points), 2),
        verdicts,
        visible=shares[0],
        hidden=shares[1] if len(shares) > 1 else None,
        kind=None if attempted else Outcome.NOT_ATTEMPTED,
        metrics=metrics,
        report=reports[0],
        hidden_report=reports[1] if len(reports) > 1 and reports[1] != reports[0] else "",
    )


def _metrics(check: Any, cases: list[Any], results: list[CaseResult]) -> dict[str, float]:
    """What the check's ``metrics(case, output)`` measures of the returned results (a
    classifier's accuracy): numbers for a leaderboard, which never change a score."""
    measure = getattr(check, "metrics", None)
    found: dict[str, float] = {}
    if not callable(measure):
        return found
    for case, result in zip(cases, results, strict=True):
        if result.kind is Outcome.RETURNED:
            try:
                with np.errstate(all="ignore"):
                    found.update(
                        {str(k): float(v) for k, v in measure(case, result.output).items()}
                    )
            except Exception:  # a measure that fails on a malformed result shows nothing
                continue
    return found


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
