"""A graded function's report and score, from the verdicts on all its cases at once.

A check judges each case on its own (:meth:`~autograder.checks.base.Check.judge`); what a student
reads is decided here, from every case of one draw (the visible cases, or the hidden ones) taken
together, in the same way in a notebook's ``check()`` and in the batch grader:

1. **A minimal counterexample first.** Among the failing cases, the one with the fewest input
   numbers (a check adds smaller copies of its cases up front, *probes*: the first row, two
   columns, small round values; see :class:`~autograder.checks.base.Case`), shown as the input,
   what the function returned and what was expected: at most three lines of numbers.
2. **Verified diagnoses.** A judge lists, for each failing case and each wrong result, the
   explanations that reproduce the student's value on that case (``Verdict.evidence``): a
   typical mistake of the check, a transposed matrix, a factor someone could have written (the
   batch size N, 2, a hyperparameter). An explanation is reported only when it reproduces that
   result on *every* case where the result is wrong; one that holds on some cases only is a
   coincidence, and is dropped. Explaining never raises: an explanation that fails is dropped
   and the counterexample stands.
3. **Named requirements.** Each case belongs to a requirement (``Case.group``: ordinary inputs,
   an edge kind such as ``|z| up to 1e4``), and a check may add properties relating its cases
   (the same seed twice, a doubled upstream gradient: :meth:`Check.properties
   <autograder.checks.base.Check.properties>`). The report names the requirements that fail.
4. **The score.** The points are shared equally among the requirements and properties; each
   share is earned in proportion to its cases passed, but never beyond the share of ordinary
   cases passed (:data:`SCORING_RULE`): an edge case or a property passed by a function wrong on
   ordinary inputs (zeros in, zeros out; the same wrong answer twice) is worth no more than
   those inputs. Probes earn nothing and cost nothing: they only find the
   counterexample.

Nothing here reads a message to decide a score: scores come from outcome kinds and credits.
This module imports nothing of the checks, which call it (cases, verdicts and checks are read
by their attributes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.outcomes import Outcome

#: How a function's points follow from its cases, as a report and the notebook state it.
SCORING_RULE = (
    "scoring: the points are shared equally among the requirements checked (ordinary inputs,"
    " each kind of edge case, each property); each earns its share in proportion to its cases"
    " passed, but never more than the ordinary inputs earn"
)

#: The requirement of the ordinary (non-edge) cases, as a report names it.
ORDINARY = "ordinary inputs"
#: Most input numbers a counterexample shows; a larger case is shown by its worst element.
SHOWN_NUMBERS = 12


@dataclass
class PropertyVerdict:
    """Whether a property relating several cases holds (``credit`` 1) or not (0).

    Attributes
    ----------
    name : str
        The property in plain words: "the same seed gives the same mini-batches".
    credit : float
        Its share earned, in [0, 1].
    shown : str
        The case, or the facts, that show it failing (empty when it holds).
    """

    name: str
    credit: float
    shown: str = ""

    @property
    def passed(self) -> bool:
        return self.credit >= 1.0


@dataclass
class Assessment:
    """What one draw of a function's cases earns, and what its report says.

    Attributes
    ----------
    fraction : float
        The share of the function's points earned.
    lines : list of str
        The report's body: counterexample, diagnoses, failing requirements.
    passed, total : int
        Scored cases passed, and scored cases.
    properties : list of PropertyVerdict
    """

    fraction: float
    lines: list[str] = field(default_factory=list)
    passed: int = 0
    total: int = 0
    properties: list[PropertyVerdict] = field(default_factory=list)


def requirement_of(case: Any) -> str:
    """The requirement a scored case belongs to: its ``group``, else :data:`ORDINARY` or, for an
    edge case without one, "edge cases"."""
    group = getattr(case, "group", "")
    if group:
        return group
    return "edge cases" if getattr(case, "edge", False) else ORDINARY


def is_probe(case: Any) -> bool:
    """Whether a case only helps the report (a smaller copy, a property's partner): unscored."""
    return bool(getattr(case, "probe", ""))


def earned(cases: Sequence[Any], credits: Sequence[float], properties=()) -> float:
    """The share of the points earned: see :data:`SCORING_RULE`.

    ``credits`` are the cases' credits in [0, 1] (probes are left out here); ``properties``
    are :class:`PropertyVerdict`, each a requirement of its own.
    """
    shares: dict[str, list[float]] = {}
    ordinary = []
    for case, credit in zip(cases, credits, strict=True):
        if is_probe(case):
            continue
        credit = credit if credit == credit else 0.0  # NaN earns nothing
        shares.setdefault(requirement_of(case), []).append(credit)
        if not getattr(case, "edge", False):
            ordinary.append(credit)
    if not shares:
        return 0.0
    cap = sum(ordinary) / len(ordinary) if ordinary else 1.0
    means = [min(sum(v) / len(v), cap) for v in shares.values()]
    means += [min(max(p.credit, 0.0), 1.0, cap) for p in properties]
    return sum(means) / len(means)


def assess(
    check: Any, cases: Sequence[Any], verdicts: Sequence[Any], outputs: Sequence[Any]
) -> Assessment:
    """Score one draw of a check's cases and write its report.

    Parameters
    ----------
    check : Check
    cases : list of Case
        The draw's cases, probes included, in the check's order.
    verdicts : list of Verdict
        The verdict on each case (its kind says what happened, ``evidence`` what the judge
        found).
    outputs : list
        What each call returned, as plain values (None where it gave nothing).
    """
    properties = _safely(lambda: check.properties(cases, verdicts, outputs), [])
    scored = [(c, v) for c, v in zip(cases, verdicts, strict=True) if not is_probe(c)]
    fraction = earned([c for c, _ in scored], [v.fraction for _, v in scored], properties)
    passed = sum(bool(v.passed) for _, v in scored)
    assessment = Assessment(fraction, [], passed, len(scored), properties)
    if passed == len(scored) and all(p.passed for p in properties):
        assessment.lines = [v.message for _, v in scored if v.passed and v.message != "ok"][:1]
        return assessment
    if all(v.kind is Outcome.NOT_ATTEMPTED for _, v in scored):
        return assessment  # the one line of CheckReport says it
    assessment.lines = report_lines(check, cases, verdicts, properties)
    return assessment


def report_lines(check: Any, cases, verdicts, properties) -> list[str]:
    """The counterexample, the verified diagnoses and the failing requirements."""
    lines = _safely(lambda: counterexample(check, cases, verdicts), [])
    diagnoses = _safely(lambda: check.diagnose(cases, verdicts), [])
    lines += [f"diagnosis: {text}" for text in diagnoses[:3]]
    lines += failing_requirements(cases, verdicts, properties)
    return lines


def _safely(make: Callable[[], Any], fallback: Any) -> Any:
    """``make()``, or ``fallback`` when it raises: a report never fails on a strange answer."""
    try:
        with np.errstate(all="ignore"):
            return make()
    except Exception:
        return fallback


def failing_requirements(cases, verdicts, properties) -> list[str]:
    """One line per requirement or property that fails, with how many of its cases fail."""
    counts: dict[str, list[int]] = {}
    for case, verdict in zip(cases, verdicts, strict=True):
        if is_probe(case):
            continue
        tally = counts.setdefault(requirement_of(case), [0, 0])
        tally[0] += not verdict.passed
        tally[1] += 1
    lines = [
        f"fails: {name} ({bad} of {total} cases)" for name, (bad, total) in counts.items() if bad
    ]
    for prop in properties:
        if not prop.passed:
            shown = f" ({prop.shown})" if prop.shown else ""
            lines.append(f"fails: {prop.name}{shown}")
    return lines


# --- the counterexample ----------------------------------------------------------------------


def input_size(case: Any) -> int:
    """How many numbers a case's inputs hold: what a counterexample minimises."""
    return _count(case.args) + _count(case.kwargs)


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    if isinstance(value, tuple | list):
        return sum(_count(v) for v in value)
    if isinstance(value, np.ndarray):
        return int(value.size)
    return 1 if isinstance(value, int | float) else 0


def counterexample(check: Any, cases, verdicts) -> list[str]:
    """The smallest failing case: its input, and what came back against what was expected."""
    failing = [
        (input_size(c), not is_probe(c), i)
        for i, (c, v) in enumerate(zip(cases, verdicts, strict=True))
        if not v.passed and v.kind is not Outcome.NOT_ATTEMPTED
    ]
    if not failing:
        return []
    _, _, index = min(failing, key=lambda f: (f[0], f[1], -f[2]))  # later probes are rounder
    case, verdict = cases[index], verdicts[index]
    show = getattr(check, "show_input", None)  # an instructor's own check may not have it
    shown = _safely(lambda: show(case), None) if callable(show) else None
    shown = shown or f"{getattr(check, 'name', 'the function')} on the case {case.name!r}"
    evidence = verdict.evidence if isinstance(verdict.evidence, dict) else {}
    result = evidence.get("shown")
    if result:
        return [f"counterexample: {shown}", *(f"  {line}" for line in result)]
    return [f"counterexample: {shown}", f"  {verdict.message}"]


def fmt(value: Any, limit: int = SHOWN_NUMBERS, digits: int = 4) -> str:
    """A value as a student would type it, for a report: ``[[-1., 2.]]``, ``0.6931``, or the
    shape of an array too large to show; ``digits`` significant digits."""
    if isinstance(value, dict):
        if _count(value) > limit:
            return "{" + ", ".join(f"{k!r}: {_shape(v)}" for k, v in value.items()) + "}"
        return "{" + ", ".join(f"{k!r}: {fmt(v, limit, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple | list) and not _numeric_sequence(value):
        inner = ", ".join(fmt(v, limit, digits) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.ndarray | list | tuple) or isinstance(value, np.generic):
        array = np.asarray(value)
        if array.size > limit:
            return _shape(array)
        text = _nested(array, digits)
        if isinstance(value, list):
            return f"{text} (a Python list)"
        if isinstance(value, tuple):
            return f"{text} (a tuple)"
        return text
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return _number(value, digits)
    return str(value)[:80]


def _numeric_sequence(value: Sequence) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


def _shape(value: Any) -> str:
    array = np.asarray(value)
    return f"<{array.dtype} array of shape {tuple(array.shape)}>"


def _nested(array: np.ndarray, digits: int = 4) -> str:
    if array.ndim == 0:
        return _number(array.item(), digits)
    return "[" + ", ".join(_nested(a, digits) for a in array) + "]"


def _number(x: Any, digits: int = 4) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    x = float(x)
    if not math.isfinite(x):
        return "nan" if x != x else ("inf" if x > 0 else "-inf")
    if x == int(x) and abs(x) < 1e5:
        return f"{int(x)}."
    return f"{x:.{digits}g}"


# --- verified diagnoses ----------------------------------------------------------------------


def verified(cases: Sequence[Any], verdicts: Sequence[Any]) -> list[str]:
    """The explanations that reproduce a wrong result on every case where it is wrong.

    Each verdict's ``evidence`` may hold ``"failed"``, the results that are wrong on that case
    (``{"dW": ...}``), and ``"explained"``, for each of them the explanations that reproduce the
    student's value there (``{"dW": {"transposed": "dW is transposed ..."}}``). An explanation
    of ``dW`` is verified when every case with a wrong ``dW`` lists it; the texts of the
    verified ones are returned, those shared by several results once.
    """
    wrong: dict[str, list[tuple[str, bool, dict]]] = {}
    for case, verdict in zip(cases, verdicts, strict=True):
        evidence = verdict.evidence if isinstance(verdict.evidence, dict) else {}
        explained = evidence.get("explained", {})
        for key in evidence.get("failed", ()):
            entry = (requirement_of(case), not is_probe(case), explained.get(key, {}))
            wrong.setdefault(key, []).append(entry)
    texts: dict[tuple[str, str], list[str]] = {}
    for key, entries in wrong.items():
        text = _common([found for _, _, found in entries])
        if text is not None:
            texts.setdefault(("", text), []).append(key)
            continue
        # two mistakes, each in a requirement of its own (training and evaluation): each
        # is named with its requirement, where it fits at least two scored cases of it; one
        # text that fits several requirements is named once, with all of them
        scopes: dict[str, list[str]] = {}
        for group in dict.fromkeys(g for g, _, _ in entries):
            mine = [(scored, found) for g, scored, found in entries if g == group]
            text = _common([found for _, found in mine])
            if text is not None and sum(scored for scored, _ in mine) >= 2:
                scopes.setdefault(text, []).append(group)
        for text, groups in scopes.items():
            texts.setdefault((_names(groups), text), []).append(key)
    return [_with_keys(scope, text, keys) for (scope, text), keys in texts.items()]


def _common(per_case: list[dict]) -> str | None:
    """The text of the first explanation every case lists, or None."""
    common = set(per_case[0])
    for found in per_case[1:]:
        common &= set(found)
    for ident in per_case[0]:  # in the judge's order: the most specific first
        if ident in common:
            return per_case[0][ident]
    return None


def _names(items: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _with_keys(scope: str, text: str, keys: list[str]) -> str:
    """``"dW and db: it is not divided by N"`` from a text and the results it explains;
    ``params['W1']`` and ``params['b1']`` together are ``params``; ``scope``, the requirements
    where it holds (empty: all that fail), leads: ``"on three layers, logits: ..."``."""
    prefixes = {key.split("[", 1)[0] for key in keys}
    if len(keys) > 1 and all("[" in key for key in keys) and len(prefixes) == 1:
        keys = [prefixes.pop()]
    names = _names(keys)
    line = text.replace("{key}", names) if "{key}" in text else f"{names}: {text}"
    return f"on {scope}, {line}" if scope else line


# --- what a NumPy error means, in the terms of the case that raised it -----------------------------

_BROADCAST = re.compile(
    r"operands could not be broadcast together with shapes ((?:\([\d, ]*\) ?)+)"
)
_SHAPE = re.compile(r"\(([\d, ]*)\)")
_CORE = re.compile(r"mismatch in its core dimension \d.*\(size (\d+) is different from (\d+)\)")
_ALIGNED = re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned")
_KEY = re.compile(r"\bKeyError: '([^']{1,40})'")


def error_hint(text: str, case: Any = None, names: Sequence[str] = ()) -> str:
    """What an exception the student's code raised means, in plain words, or ``""``.

    Read from the exception's text alone (and, for a missing key, the dicts among the case's
    arguments), so that the notebook and the sandbox say the same: ``"(3,) lines up with the
    last axis of (3, 4) ..."``. It names what NumPy's message means; it never guesses a line.
    """
    try:
        return _error_hint(text, case, names)
    except Exception:  # a hint that cannot be worked out is no hint
        return ""


def _error_hint(text: str, case: Any, names: Sequence[str]) -> str:
    if match := _BROADCAST.search(text):
        shapes = [
            tuple(int(n) for n in s.split(",") if n.strip()) for s in _SHAPE.findall(match[1])
        ]
        for big in shapes:
            for small in shapes:
                if len(big) == 2 and small == big[:1] and big[0] != big[1]:
                    n, m = big
                    return (
                        f"({n},) holds one value per row, but NumPy lines it up with the {m}"
                        f" columns of ({n}, {m}), matching shapes from the last axis: a value"
                        f" per row needs the shape ({n}, 1)"
                    )
        for a in shapes:
            for b in shapes:
                pairs = list(zip(reversed(a), reversed(b), strict=False))
                for back, (x, y) in enumerate(pairs, start=1):
                    if x != y and 1 not in (x, y):
                        return (
                            f"NumPy matches shapes from the last axis, and there {x} meets {y}"
                            f" (axis -{back}): lengths must be equal, or 1"
                        )
        return ""
    if match := _CORE.search(text) or _ALIGNED.search(text):
        return (
            "in a matrix product the left operand's last axis must be as long as the right"
            " operand's first axis: an operand is transposed, or not the one the formula"
            " multiplies"
        )
    if "NoneType" in text:
        given = [name for name, value in _inputs(case, names) if name and value is None]
        if given:  # the case itself passes a None, which the notebook allows
            return f"{given[0]} is None in this case, and the code uses it as if it were not"
        return (
            "a value is None where a number or an array is needed: a function with no return"
            " statement gives None, and so may a cache or an argument that holds None"
        )
    if "read-only" in text:
        return (
            "an array that cannot be written was written to: a view NumPy made read-only (as"
            " np.broadcast_to makes) or an input shared with the caller; write into an array"
            " of your own"
        )
    if "arrays used as indices must be of integer" in text:
        one_hot = [
            f"{name} is one-hot here, of shape {np.shape(value)}, in floats"
            for name, value in _inputs(case, names)
            if name
            and isinstance(value, np.ndarray)
            and value.dtype.kind == "f"
            and value.ndim == 2
            and np.isin(value, (0.0, 1.0)).all()
        ]
        where = f" ({one_hot[0]})" if one_hot else ""
        return f"an array of floats was used as an index: indices are integers{where}"
    if (match := _KEY.search(text)) and case is not None:
        for name, value in _inputs(case, names, keywords=False):
            if isinstance(value, dict) and value and match[1] not in value:
                keys = ", ".join(str(k) for k in list(value)[:16])
                more = ", ..." if len(value) > 16 else ""
                which = f"{name} " if name else "the dict given "
                return f"{which}has no key '{match[1]}': its keys are {keys}{more}"
    if "object has no attribute" in text and "'list' object" in text:
        return "a Python list where a NumPy array is needed"
    return ""


def _inputs(case: Any, names: Sequence[str], keywords: bool = True) -> list[tuple[str, Any]]:
    """A case's arguments by name (``""`` past the names known), then its keyword arguments."""
    args = list(getattr(case, "args", ()))
    found = list(zip([*names, *[""] * len(args)], args, strict=False))
    kwargs = getattr(case, "kwargs", None)
    if keywords and isinstance(kwargs, dict):
        found += list(kwargs.items())
    return found
