"""The pieces every check is made of: cases, verdicts, reports, and running a check.

A :class:`Check` grades one student function (``relu_backward``). It makes seeded, deterministic
:class:`Case` inputs, names how to call the student's code on a case (its step, one of
:mod:`autograder.call_steps`, which does no comparison, so that it can run in the student's own
process), and judges what came back (:meth:`Check.judge`, which runs in the grader's process on
plain NumPy values). :func:`run_check` does all three in one process; the verdicts on all the
cases of a draw, taken together, make the score and the report (:func:`autograder.checks.
feedback.assess`), in a notebook and in the batch grader alike.

Writing a check
---------------
Every case is drawn up front, so that the sandbox can run them all in one go and the grader can
judge them afterwards (nothing is adaptive):

* **Scored cases** belong to a requirement, ``Case.group`` (empty: ordinary inputs); edge cases
  (``edge=True``) name theirs, ``"|z| up to 1e4"``. The points are shared among requirements.
* **Probes** (``Case.probe`` says what they are, ``Case.of`` names the case they come from)
  are unscored: smaller copies of a case (its first row, two columns, small round values) from
  which the report picks the smallest failing one as the counterexample, and the partners of
  a property (the same call with the upstream gradient doubled).
* **Properties** relating cases (the same seed twice gives the same result; a doubled upstream
  gradient doubles every gradient) are judged by :meth:`Check.properties`; each is a
  requirement of its own, named in plain words.
* **Diagnoses** come from the judge: for each wrong result of a case, the explanations that
  reproduce the student's value (``Verdict.evidence``). Only one that reproduces it on every
  failing case is reported (:func:`autograder.checks.feedback.verified`).
* A judge states facts (a shape, the largest error, a value that is not finite) and never prints
  a line of a reference answer; a warning is no failure, a wrong or non-finite value is.
* :meth:`Check.requirements` says, in the words the notebook prints before the function, every
  requirement the judge enforces (``autograder release`` writes them there).

:class:`autograder.checks.arrays.ArrayCheck` does all of this for functions compared with nnlib.
"""

from __future__ import annotations

import contextlib
import io
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
from autograder.checks.feedback import (
    ORDINARY,
    SCORING_RULE,
    Assessment,
    PropertyVerdict,
    assess,
    earned,
    error_hint,
    fmt,
    is_probe,
    verified,
)
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
    group : str
        The requirement the case tests, as a report names it (``"|z| up to 1e4"``); empty for
        ordinary inputs. The points are shared equally among requirements.
    probe : str
        Empty for a scored case. Otherwise what this unscored case is (``"first row"``,
        ``"da doubled"``): a smaller copy of a case, among which the report finds its
        counterexample, or the partner of a property.
    of : str
        For a probe, the name of the case it was made from.
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)
    edge: bool = False
    group: str = ""
    probe: str = ""
    of: str = ""


@dataclass
class Verdict:
    """The judgement of one case: passed or not, why, and an optional share of its credit.

    ``kind`` says what happened (:class:`~autograder.outcomes.Outcome`); a judge leaves it
    out and gets PASSED or WRONG from ``passed``. Grading reads the kind, never the message.
    ``evidence`` is what the judge found, for the report: the results that are wrong
    (``"failed"``), the explanations reproducing each (``"explained"``), the lines a
    counterexample shows (``"shown"``), the student's results by name (``"parts"``).
    """

    passed: bool
    message: str = "ok"
    credit: float | None = None
    kind: Outcome | None = None
    evidence: Any = field(default=None, repr=False, compare=False)

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
    #: The report's body and the properties judged (:func:`feedback.assess`).
    lines: list[str] = field(default_factory=list)
    properties: list[PropertyVerdict] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        """False when every case still raises the exercise's ``NotImplementedError``."""
        if self.kind is not None:
            return self.kind is not Outcome.NOT_ATTEMPTED
        return any(v.kind is not Outcome.NOT_ATTEMPTED for _, v in self.results)

    #: Names of the probes among ``results`` (unscored: see :class:`Case`).
    probes: frozenset[str] = frozenset()

    @property
    def scored(self) -> list[tuple[str, Verdict]]:
        """The results of the scored cases, probes left out."""
        return [(n, v) for n, v in self.results if n not in self.probes]

    @property
    def passed(self) -> bool:
        return (
            bool(self.results)
            and all(v.passed for _, v in self.scored)
            and all(p.passed for p in self.properties)
            and not self.message
        )

    def summary(self) -> str:
        """One line: the function, the cases passed, the points."""
        return summary_line(self.name, self.points, self.score, self.scored)

    def __str__(self) -> str:
        return render(self.name, self.points, self.score, self.message, self.attempted,
                      self.kind, self.scored, self.lines)  # fmt: skip


def summary_line(name: str, points: float, score: float, scored: list) -> str:
    """``relu_forward: 8/10 cases passed, 0.8 of 1 points``."""
    n_ok = sum(bool(v.passed) for _, v in scored)
    cases = f"{n_ok}/{len(scored)} cases passed, " if scored else ""
    return f"{name}: {cases}{_points(score)} of {_points(points)} points"


def render(
    name: str,
    points: float,
    score: float,
    message: str,
    attempted: bool,
    kind: Outcome | None,
    scored: list,
    lines: list[str],
) -> str:
    """A function's report as a student reads it: one text for the notebook, ``autograder
    check`` and the batch grader's feedback page."""
    if not attempted and kind is None:
        return (
            f"{name}: not attempted, 0 of {_points(points)} points (it still raises"
            " NotImplementedError: write it, then run this cell again)"
        )
    out = [summary_line(name, points, score, scored)]
    if message:
        out.append(f"  {message}")
    out += [f"  {line}" for line in lines]
    if scored and 0 <= score < points and kind is None:
        out.append(f"  ({SCORING_RULE})")
    return "\n".join(out)


def _points(value: float) -> str:
    return f"{value:g}"


#: What a check says of a function that drew from NumPy's global generator (see
#: ``call_steps._global_generator``): the exercises draw from ``default_rng(seed)`` alone.
GLOBAL_GENERATOR = (
    "it draws from NumPy's global generator (np.random.seed, np.random.permutation,"
    " np.random.shuffle), which changes the caller's generator; the notebook draws only from a"
    " generator made from the given seed (default_rng)"
)


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
    step : str
        The call step (:data:`autograder.call_steps.STEPS`) that calls the student's functions
        on a case: ``"direct"`` passes the case's arguments to the graded function as they are.
        The grader runs the same step in the sandbox, where only its name is sent.
    reference : tuple of str
        nnlib's code that answers the function, each as ``module:qualified name``
        (``"nnlib.network:MLP.loss_and_grads"``): what the book may show only in a collapsed
        block labelled as the solution (``{nnlib-code}`` in ``book/_ext`` does so, and the
        book's tests check the built pages). Empty when nnlib has no such code.
    returns : str
        What the function returns, as the notebook states it before the function
        (``"the pair (a, cache): a NumPy array a of z's shape and dtype, and a cache"``).
    """

    name: str = ""
    points: float = 1.0
    functions: tuple[str, ...] = ()
    time_limit: float = 30.0
    distinct_hidden_cases: bool = True
    pure: bool = True
    arg_names: tuple[str, ...] = ()
    step: str = "direct"
    reference: tuple[str, ...] = ()
    returns: str = ""

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

    def properties(
        self, cases: list[Case], verdicts: list[Verdict], outputs: list[Any]
    ) -> list[PropertyVerdict]:
        """The properties relating the cases of one draw, each judged (none by default).

        ``outputs`` are what each case's call returned (None where it gave nothing). A property
        is a requirement of its own in the score; it names itself in plain words.
        """
        return []

    def diagnose(self, cases: list[Case], verdicts: list[Verdict]) -> list[str]:
        """Diagnoses verified on every failing case: by default, the explanations the judge
        found in each failing case's evidence (:func:`autograder.checks.feedback.verified`)."""
        return verified(cases, verdicts)

    def show_input(self, case: Case) -> str:
        """A case's input as a counterexample shows it: ``relu_forward(z=[[-1., 2.]])``."""
        names = list(self.arg_names)
        parts = [
            f"{names[i] if i < len(names) else f'argument {i + 1}'}={fmt(a)}"
            for i, a in enumerate(case.args)
        ]
        parts += [f"{k}={fmt(v)}" for k, v in case.kwargs.items()]
        if self.step == "direct":
            return f"{self.name}({', '.join(parts)})"
        return f"{self.name} on {', '.join(parts)}"

    def group_names(self) -> dict[str, str]:
        """Each requirement of the visible cases, by name, with what it tests: what the notebook
        lists before the function."""
        found: dict[str, str] = {}
        for case in self.cases():
            if not case.probe:
                group = case.group or (ORDINARY if not case.edge else "edge cases")
                found.setdefault(group, case.name)
        return found

    def requirements(self) -> list[str]:
        """What this check requires, as the notebook states it before the function."""
        out = []
        if self.returns:
            out.append(f"returns {self.returns}")
        if self.pure:
            out.append("leaves the arrays it is given unchanged")
        groups = list(self.group_names())
        if groups:
            out.append(
                "gives the right values, within its dtype's precision, on: " + "; ".join(groups)
            )
        return out


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
    try:
        with quiet(), watch:
            output = check.call(fns, case)
        changed = changed_inputs(taken)
        if changed and not watch.offence:
            return Call(None, Outcome.CHANGED_INPUT, changed_input_message(check.name, changed))
        output = to_plain(output)
    except Exception as exc:
        if watch.offence:
            return Call(None, Outcome.USED_REFERENCE, reference_message(check.name, watch.offence))
        problem = describe_exception(exc, check.required(), check.name)
        if hint := error_hint(problem, case, names):
            problem = f"{problem}; {hint}"
        return Call(None, exception_outcome(exc), problem)
    if watch.offence:
        return Call(None, Outcome.USED_REFERENCE, reference_message(check.name, watch.offence))
    return Call(output)


def earned_fraction(credits: list[float], cases: list[Case] | None = None) -> float:
    """The share of the points earned by cases of these credits (the same order): see
    :data:`~autograder.checks.feedback.SCORING_RULE`. Without ``cases``, their mean."""
    if cases is None:
        return sum(credits) / len(credits) if credits else 0.0
    return earned(cases, credits)


def score_of(check: Check, verdicts: list[Verdict], cases: list[Case] | None = None) -> float:
    """Points earned: the check's points times :func:`earned_fraction` of its cases, to 0.01."""
    return round(check.points * earned_fraction([v.fraction for v in verdicts], cases), 2)


def judge_case(check: Check, case: Case, output: Any) -> Verdict:
    """The check's verdict on ``output``, as a :class:`Verdict` whose kind is PASSED or WRONG.

    A judge may return any object with ``passed``, ``message`` and optionally ``fraction`` (a
    registry of the instructor's own); a result too malformed for the judge is WRONG, with a
    message that shows what came back. Only NumPy's floating-point complaints are silenced
    (thread-local, so the batch grader's threads can judge at once): a judge's overflow on a
    wrong answer is expected.
    """
    with np.errstate(all="ignore"):
        try:
            judged = check.judge(case, output)
            passed, message = bool(judged.passed), str(judged.message)
            credit = getattr(judged, "fraction", None)
            credit = float(credit) if credit is not None else None
            evidence = getattr(judged, "evidence", None)
        except Exception:
            return Verdict(False, f"returned {fmt(output)}, which is not of the kind expected")
    return Verdict(passed, message, credit, evidence=evidence)


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
    verdicts: list[Verdict] = []
    outputs: list[Any] = []
    start = time.perf_counter()
    for case in cases:
        output = None
        if time.perf_counter() - start > check.time_limit:
            message = f"not run: the cases took over {check.time_limit:g} s"
            verdict = Verdict(False, message, kind=Outcome.NOT_RUN)
        else:
            call = call_case(check, fns, case)
            if call.kind is Outcome.USED_REFERENCE:
                return CheckReport(
                    check.name, check.points, 0.0, message=call.problem, kind=call.kind
                )
            if call.kind is not Outcome.RETURNED:
                verdict = Verdict(False, call.problem, kind=call.kind)
            else:
                output = call.output
                with quiet():
                    verdict = judge_case(check, case, output)
        verdicts.append(verdict)
        outputs.append(output)
    return report_of(check, cases, verdicts, outputs)


def report_of(
    check: Check, cases: list[Case], verdicts: list[Verdict], outputs: list[Any]
) -> CheckReport:
    """The :class:`CheckReport` of one draw of cases, judged: its score and its report."""
    with quiet():
        assessment: Assessment = assess(check, cases, verdicts, outputs)
    return CheckReport(
        check.name,
        check.points,
        round(check.points * assessment.fraction, 2),
        [(c.name, v) for c, v in zip(cases, verdicts, strict=True)],
        lines=assessment.lines,
        properties=assessment.properties,
        probes=frozenset(c.name for c in cases if is_probe(c)),
    )
