"""The pieces every check is made of: cases, verdicts, reports, and running a check.

A :class:`Check` grades one student function (``relu_backward``). It makes seeded, deterministic
:class:`Case` inputs, names how to call the student's code on a case (its step, one of
:mod:`autograder.call_steps`, which does no comparison, so that it can run in the student's own
process), and judges what came back (:meth:`Check.judge`, which runs in the grader's process on
plain NumPy values). :func:`run_check` does all three in one process and sums the verdicts into
a :class:`CheckReport`.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import traceback
import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograder.boundary as boundary
from autograder.boundary import (
    changed_input_message,
    changed_inputs,
    snapshot,
    source_line,
    to_plain,
)
from autograder.call_steps import STEPS, Target
from autograder.outcomes import Outcome
from autograder.reference_use import ReferenceWatch, reference_message, uses_reference
from autograder.secret import active_secret


@dataclass(frozen=True, eq=False)
class Case:
    """One input of a check.

    Attributes
    ----------
    name : str
        What the case tests, as a report shows it: ``"float32 N=1 large logits"``.
    args, kwargs
        Plain Python and NumPy values passed to the student's function.
    private : dict
        Values only the judge sees (held-out labels); never send them to the student's process.
    edge : bool
        An edge case (zeros, huge logits). Edge cases earn credit only when some ordinary
        case passes, so that a wrong function cannot score on the zeros case alone.
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)
    edge: bool = False


@dataclass
class Verdict:
    """The judgement of one case: passed or not, why, and an optional share of its credit.

    ``kind`` says what happened (:class:`~autograder.outcomes.Outcome`); a judge leaves it
    out and gets PASSED or WRONG from ``passed``. Grading reads the kind, never the message.
    """

    passed: bool
    message: str = "ok"
    credit: float | None = None
    kind: Outcome | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            self.kind = Outcome.PASSED if self.passed else Outcome.WRONG

    @property
    def fraction(self) -> float:
        """The share of the case's credit earned, in [0, 1]; a NaN credit earns nothing."""
        if self.credit is not None:
            credit = float(self.credit)
            return min(max(credit, 0.0), 1.0) if credit == credit else 0.0
        return 1.0 if self.passed else 0.0


#: How a function's points follow from its cases, as the report states it once.
SCORING_RULE = (
    "scoring: the points times the share of cases passed; passing only the edge cases"
    " (all zeros, a batch of one, extreme values) earns nothing"
)


@dataclass
class CheckReport:
    """The outcome of a check: points earned and the verdict of every case."""

    name: str
    points: float
    score: float
    results: list[tuple[str, Verdict]] = field(default_factory=list)
    message: str = ""
    #: Set when the function as a whole was decided without judging cases (it calls the
    #: reference, or a function it needs is not defined).
    kind: Outcome | None = None

    @property
    def attempted(self) -> bool:
        """False when every case still raises the exercise's ``NotImplementedError``."""
        if self.kind is not None:
            return self.kind is not Outcome.NOT_ATTEMPTED
        return any(v.kind is not Outcome.NOT_ATTEMPTED for _, v in self.results)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(v.passed for _, v in self.results) and not self.message

    def summary(self) -> str:
        """One line: the function, the cases passed, the points."""
        n_ok = sum(v.passed for _, v in self.results)
        cases = f"{n_ok}/{len(self.results)} cases passed, " if self.results else ""
        return f"{self.name}: {cases}{_points(self.score)} of {_points(self.points)} points"

    def __str__(self) -> str:
        if not self.attempted and self.kind is None:
            return (
                f"{self.name}: not attempted, 0 of {_points(self.points)} points (it still raises"
                " NotImplementedError: write it, then run this cell again)"
            )
        lines = [self.summary()]
        if self.message:
            lines.append(f"  {self.message}")
        shown: set[str] = set()
        for case_name, verdict in self.results:
            if verdict.passed and verdict.message == "ok":
                continue
            if verdict.message in shown:
                continue
            shown.add(verdict.message)
            status = "ok  " if verdict.passed else "FAIL"
            lines.append(f"  {status} [{case_name}] {verdict.message}")
        if self.results and 0 <= self.score < self.points:
            lines.append(f"  ({SCORING_RULE})")
        return "\n".join(lines)


def _points(value: float) -> str:
    return f"{value:g}"


def case_seed(name: str, hidden: bool) -> int:
    """The seed of a check's cases: fixed by its name, or for the hidden ones by the secret.

    The visible cases are the same for everyone. The hidden ones are seeded by the course
    secret (:mod:`autograder.secret`), so that nobody without it can draw them.
    """
    if hidden:
        return active_secret().seed(name)
    return zlib.crc32(f"{name}:visible".encode())


class Check:
    """Base class of the checks; subclasses set ``name`` and ``points`` and define cases/judge.

    Attributes
    ----------
    name : str
        The graded function's name, such as ``"relu_backward"``.
    points : float
        The points the function is worth.
    functions : tuple of str
        The student functions :meth:`call` needs, looked up by name in the student's
        namespace. Defaults to ``(name,)``; a backward check also needs its forward function.
    time_limit : float
        Seconds all the cases of one run may take together.
    distinct_hidden_cases : bool
        False when ``cases(hidden=True)`` repeats the visible cases (a classifier is trained
        and tested on the same data either way): a batch grader then runs them once.
    pure : bool
        The function must leave its inputs as they were: a case whose input arrays differ
        after the call fails with :data:`Outcome.CHANGED_INPUT`. False for functions whose
        contract is to update their arguments (an optimizer's step, training).
    arg_names : tuple of str
        Names of a case's arguments, for messages, when the step does not pass them to the
        function as they are (a backward check's ``(z, da)``).
    raise_hints : tuple of (str, str)
        Advice for an exception the function may raise, by exception name: a shape error in
        ``dense_forward`` says which product has which shape.
    step : str
        The call step (:data:`autograder.call_steps.STEPS`) that calls the student's functions
        on a case: ``"direct"`` passes the case's arguments to the graded function as they are.
        The grader runs the same step in the sandbox, where only its name is sent.
    reference : tuple of str
        nnlib's code that answers the function, each as ``module:qualified name``
        (``"nnlib.network:MLP.loss_and_grads"``): what the book may show only in a collapsed
        block labelled as the solution (``{nnlib-code}`` in ``book/_ext`` does so, and the
        book's tests check the built pages). Empty when nnlib has no such code.
    no_overflow : str
        When set, the exercise asks for a form that never overflows: the call runs with NumPy's
        overflow raising, and a case that overflows fails with this text as the advice (a naive
        sigmoid returns the right values with an overflow warning, and would pass otherwise).
    """

    name: str = ""
    points: float = 1.0
    functions: tuple[str, ...] = ()
    time_limit: float = 30.0
    distinct_hidden_cases: bool = True
    pure: bool = True
    arg_names: tuple[str, ...] = ()
    no_overflow: str = ""
    raise_hints: tuple[tuple[str, str], ...] = ()
    step: str = "direct"
    reference: tuple[str, ...] = ()

    def required(self) -> tuple[str, ...]:
        """The names of the student functions this check calls."""
        return self.functions or (self.name,)

    def target(self) -> Target:
        """What the call step knows of this check: the graded function, the functions it
        calls, the names of a case's arguments."""
        return Target(self.name, self.required(), tuple(self.arg_names))

    def cases(self, hidden: bool = False) -> list[Case]:
        """Return the seeded inputs; ``hidden=True`` gives another draw for the hidden tests."""
        raise NotImplementedError

    def call(self, fns: Mapping[str, Callable], case: Case) -> Any:
        """Call the student's function(s) on ``case`` through the check's step; return what they
        return."""
        return STEPS[self.step](fns, case, self.target())

    def judge(self, case: Case, output: Any) -> Verdict:
        """Judge ``output``, the plain-value result of :meth:`call`, on ``case``."""
        raise NotImplementedError


def exception_outcome(exc: BaseException) -> Outcome:
    """NOT_ATTEMPTED for the exercise's placeholder ``NotImplementedError``, else RAISED."""
    return Outcome.NOT_ATTEMPTED if isinstance(exc, NotImplementedError) else Outcome.RAISED


def describe_exception(
    exc: BaseException, functions: tuple[str, ...], graded: str | None = None
) -> str:
    """Say which student function raised what, in one line.

    The culprit is the innermost frame of one of ``functions``; failing that, ``graded`` (the
    checked function), or the first of ``functions``.
    """
    culprit, where = None, ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name in functions:
            culprit = frame.f_code.co_name
            where = source_line(frame.f_code.co_filename, lineno, frame.f_globals)
    who = culprit or graded or functions[0]
    if isinstance(exc, NotImplementedError):
        return f"{who} is not implemented yet (it raises NotImplementedError)"
    text = str(exc).strip().splitlines()
    detail = f": {text[0][:300]}" if text else ""
    return f"{who} raised {type(exc).__name__}{detail}{where}"


def with_hint(check: Check, problem: str) -> str:
    """``problem``, a raised exception described, with the check's advice for that exception
    (:attr:`Check.raise_hints`) when it has some."""
    for error, hint in getattr(check, "raise_hints", ()):
        if re.search(rf"\b{error}\b", problem):
            return f"{problem}; {hint}"
    return problem


def resolve(check: Check, source: Callable | Mapping[str, Any]) -> tuple[dict, str | None]:
    """Find the functions a check needs in a namespace, or next to a function in its globals."""
    if callable(source) and not isinstance(source, Mapping):
        namespace = dict(getattr(source, "__globals__", {}))
        namespace[getattr(source, "__name__", check.name)] = source
        namespace.setdefault(check.name, source)
    else:
        namespace = dict(source)
    fns, missing = {}, []
    for name in check.required():
        fn = namespace.get(name)
        if callable(fn):
            fns[name] = fn
        else:
            missing.append(name)
    if missing:
        return fns, f"define {', '.join(missing)} first: {check.name} is checked with it"
    return fns, None


@contextlib.contextmanager
def quiet() -> Any:
    """Silence warnings and NumPy floating-point complaints; capture stray output.

    nbgrader scores a test cell zero when it writes anything to stderr, and a student's
    overflow warning or progress bar is no reason to lose the points.
    """
    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
        contextlib.redirect_stderr(sink),
        contextlib.redirect_stdout(sink),
    ):
        warnings.simplefilter("ignore")
        yield sink


@dataclass
class Call:
    """What one call of the student's code gave: a plain value, or why there is none."""

    output: Any = None
    kind: Outcome = Outcome.RETURNED
    problem: str = ""


def input_names(check: Check, fn: Callable | None) -> list[str]:
    """Names of a case's arguments: the check's ``arg_names``, else (when the check calls the
    function with the case's arguments as they are) the parameters of the student's function."""
    return boundary.input_names(check.arg_names, fn if check.step == "direct" else None)


def call_case(check: Check, fns: Mapping[str, Callable], case: Case) -> Call:
    """Run :meth:`Check.call` watching for calls into nnlib or the autograder.

    Returns
    -------
    Call
        ``output`` is :func:`to_plain` of the result when ``kind`` is RETURNED; otherwise
        ``kind`` says what went wrong (RAISED, NOT_ATTEMPTED, USED_REFERENCE) and ``problem``
        explains it.
    """
    watch = ReferenceWatch()
    names = input_names(check, fns.get(check.name))
    taken = snapshot(names, tuple(case.args), dict(case.kwargs)) if check.pure else []
    overflow = np.errstate(over="raise") if check.no_overflow else contextlib.nullcontext()
    try:
        with quiet(), watch, overflow:
            output = check.call(fns, case)
        changed = changed_inputs(taken)
        if changed and not watch.offence:
            return Call(None, Outcome.CHANGED_INPUT, changed_input_message(check.name, changed))
        output = to_plain(output)
    except Exception as exc:
        if watch.offence:
            return Call(None, Outcome.USED_REFERENCE, reference_message(check.name, watch.offence))
        problem = with_hint(check, describe_exception(exc, check.required(), check.name))
        if check.no_overflow and isinstance(exc, FloatingPointError):
            problem += f": {check.no_overflow}"
        return Call(None, exception_outcome(exc), problem)
    if watch.offence:
        return Call(None, Outcome.USED_REFERENCE, reference_message(check.name, watch.offence))
    return Call(output)


def earned_fraction(credits: list[float], cases: list[Case] | None = None) -> float:
    """Mean credit of the cases; with ``cases`` (in the same order), nothing unless an
    ordinary, non-edge case earns credit (``abs(z)`` passes ReLU's all-zero edge case alone).
    """
    if not credits:
        return 0.0
    if cases is not None:
        ordinary = [f for c, f in zip(cases, credits, strict=True) if not getattr(c, "edge", False)]
        if ordinary and not any(f > 0 for f in ordinary):
            return 0.0
    return sum(credits) / len(credits)


def score_of(check: Check, verdicts: list[Verdict], cases: list[Case] | None = None) -> float:
    """Points earned: the check's points times :func:`earned_fraction` of its cases, to 0.01."""
    return round(check.points * earned_fraction([v.fraction for v in verdicts], cases), 2)


def judge_case(check: Check, case: Case, output: Any) -> Verdict:
    """The check's verdict on ``output``, as a :class:`Verdict` whose kind is PASSED or WRONG.

    A judge may return any object with ``passed``, ``message`` and optionally ``fraction`` (a
    registry of the instructor's own); a result too malformed for the judge is WRONG. Only
    NumPy's floating-point complaints are silenced (thread-local, so the batch grader's threads
    can judge at once): a judge's overflow on a wrong answer is expected.
    """
    with np.errstate(all="ignore"):
        try:
            judged = check.judge(case, output)
            passed, message = bool(judged.passed), str(judged.message)
            credit = getattr(judged, "fraction", None)
            credit = float(credit) if credit is not None else None
        except Exception as exc:
            return Verdict(False, f"unexpected result ({type(exc).__name__}: {exc})")
    return Verdict(passed, message, credit)


def run_check(
    check: Check, source: Callable | Mapping[str, Any], hidden: bool = False
) -> CheckReport:
    """Run every case of ``check`` on the student's code, in this process.

    Parameters
    ----------
    check : Check
    source : callable or mapping
        The student's function (its module globals supply the other functions the check
        needs) or a namespace such as a notebook's ``globals()``.
    hidden : bool
        Use the hidden cases instead of the visible ones.
    """
    fns, problem = resolve(check, source)
    if problem:
        return CheckReport(check.name, check.points, 0.0, message=problem, kind=Outcome.NOT_DEFINED)
    for fn in fns.values():
        offence = uses_reference(fn)
        if offence:
            message = reference_message(check.name, offence)
            return CheckReport(
                check.name, check.points, 0.0, message=message, kind=Outcome.USED_REFERENCE
            )
    with quiet():
        cases = check.cases(hidden=hidden)
    results: list[tuple[str, Verdict]] = []
    start = time.perf_counter()
    for case in cases:
        if time.perf_counter() - start > check.time_limit:
            message = f"not run: the cases took over {check.time_limit:g} s"
            results.append((case.name, Verdict(False, message, kind=Outcome.NOT_RUN)))
            continue
        call = call_case(check, fns, case)
        if call.kind is Outcome.USED_REFERENCE:
            return CheckReport(check.name, check.points, 0.0, message=call.problem, kind=call.kind)
        if call.kind is not Outcome.RETURNED:
            verdict = Verdict(False, call.problem, kind=call.kind)
        else:
            with quiet():
                verdict = judge_case(check, case, call.output)
        results.append((case.name, verdict))
    score = score_of(check, [v for _, v in results], cases)
    return CheckReport(check.name, check.points, score, results)
