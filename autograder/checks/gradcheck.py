"""Checks of numerical gradient checking: ``numerical_gradient`` and ``relative_error``.

``numerical_gradient(f, x, h=1e-5)`` is judged by the evaluations it makes. Every case hands it
the same function ``f`` with parameters of its own (:func:`~autograder.call_steps.case_function`),
which records each point it is evaluated at and the value it gives; the answer must be the
centred differences of those values at ``x + h e_i`` and ``x - h e_i``, for the ``h`` the case
gives. A function that knows ``f`` and returns its exact gradient fails: ``f``'s steep sines put
the exact gradient measurably far from any centred difference, and it made no evaluation, or
none that gives its answer. The usual mistakes (a one-sided difference, dividing by ``h``, a
step too large, whole rows perturbed at once) are recognised first, against the centred
difference the grader computes itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.call_steps import case_function
from autograder.checks.arrays import ArrayCheck, judge_results
from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.feedback import fmt
from autograder.checks.mistakes import Mistakes
from nnlib import gradcheck as ref

#: The step ``numerical_gradient`` takes when a case gives none.
DEFAULT_H = 1e-5
#: Visible cases: the shape of x, and the h given (None: the default).
VISIBLE_CASES = [((4,), None), ((1,), None), ((3, 4), None), ((5, 2), 2e-5), ((2, 3, 2), None)]
#: Shapes and steps the hidden cases are drawn from.
HIDDEN_SHAPES = [(6,), (2, 5), (3, 2, 2), (4, 3), (7,)]
HIDDEN_STEPS = [None, 2e-5, 4e-5]


def draw_function(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Parameters of a case's function of ``n`` entries: steep sines, a few tanh units and a
    quadratic bowl (see :func:`~autograder.call_steps.case_function`)."""
    m = 3
    return {
        "s": rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n),
        "w": rng.uniform(12.0, 24.0, n),
        "p": rng.uniform(0.0, 2 * np.pi, n),
        "A": rng.standard_normal((m, n)) / np.sqrt(n),
        "d": rng.standard_normal(m),
        "c": rng.standard_normal(m),
        "q": float(rng.uniform(0.5, 2.0)),
    }


def _one_sided(f: Callable, x: np.ndarray, h: float) -> np.ndarray:
    x = x.copy()
    base = f(x)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        grad[index] = (f(x) - base) / h
        x[index] = old
    return grad


def _centred(f: Callable, x: np.ndarray, h: float, whole_rows: bool = False) -> np.ndarray:
    """The centred difference entry by entry; ``whole_rows``: what perturbing ``x[i]``, a whole
    row at a time, gives instead (a loop written for vectors, run on a matrix)."""
    x = x.copy()
    grad = np.zeros_like(x)
    for index in range(len(x)) if whole_rows else np.ndindex(*x.shape):
        old = np.copy(x[index])
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        grad[index] = (plus - f(x)) / (2 * h)
        x[index] = old
    return grad


def _steps(points: np.ndarray, x: np.ndarray) -> dict[int, list[tuple[float, int]]]:
    """For each entry ``i`` of ``x`` (in order), the steps ``d`` at which ``f`` was evaluated at
    ``x + d e_i`` (every other entry as in ``x``), with the index of that evaluation."""
    v = x.reshape(-1)
    diff = points - v
    off = np.abs(diff) > 1e-12 * (1 + np.abs(v))
    found: dict[int, list[tuple[float, int]]] = {i: [] for i in range(v.size)}
    for k in np.flatnonzero(off.sum(axis=1) == 1):
        i = int(np.argmax(off[k]))
        found[i].append((float(diff[k, i]), int(k)))
    return found


def _near(step: float, h: float) -> bool:
    return abs(step - h) <= 1e-6 * abs(h)


def _step_message(steps: dict[int, list[tuple[float, int]]], h: float) -> str | None:
    """What to say when every entry was stepped by one same amount, other than ``h``."""
    sizes = {round(abs(d), 15) for taken in steps.values() for d, _ in taken}
    if len(sizes) != 1 or not all(steps.values()):
        return None
    (size,) = sizes
    if _near(size, h):
        return None
    which = "too large" if size > h else "too small"
    return f"its step is {size:g}, {which}: not the h it is given, {h:g} here"


def _one_sided_message(
    steps: dict[int, list[tuple[float, int]]], points: np.ndarray, x: np.ndarray, h: float
) -> str | None:
    """What to say when f was evaluated at x + h for every entry and never at x - h, but at x
    itself: the second evaluation of each entry is not below x."""
    if not steps or not all(steps.values()):
        return None
    ups = all(any(_near(d, h) for d, _ in taken) for taken in steps.values())
    downs = any(_near(-d, h) for taken in steps.values() for d, _ in taken)
    at_x = bool(np.any(np.all(np.abs(points - x.reshape(-1)) <= 1e-12 * (1 + np.abs(x.reshape(-1))),
                              axis=1)))  # fmt: skip
    if ups and not downs and at_x:
        return (
            "f is evaluated at x + h and at x itself, never at x - h: the centred difference"
            " takes its second value of each entry h below x, not back at x"
        )
    return None


def _nearly(grad: Any, centred: np.ndarray) -> bool:
    """Whether ``grad`` agrees with the centred difference to a few digits (as the exact
    gradient does), though perhaps not to a centred difference's own precision."""
    try:
        values = np.asarray(grad, dtype=np.float64).reshape(centred.shape)
    except (TypeError, ValueError):
        return False
    return bool(np.allclose(values, centred, rtol=1e-5, atol=1e-8))


def evaluations_message(output: dict, f: Callable, x: np.ndarray, h: float) -> str | None:
    """Why ``output["grad"]`` is not the centred differences of the evaluations of ``f`` it
    reports (``output["points"]``, ``output["values"]``), or None when it is."""
    points = np.asarray(output.get("points", np.zeros((0, x.size))), dtype=np.float64)
    values = np.asarray(output.get("values", np.zeros(0)), dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != x.size or len(values) != len(points):
        return "the evaluations of f came back unreadable"
    if not len(points):
        return "numerical_gradient never called f: each entry must come from f's own values"
    steps = _steps(points, x)
    centred = np.zeros(x.size)
    missing = []
    for i, taken in steps.items():
        plus = [k for d, k in taken if _near(d, h)]
        minus = [k for d, k in taken if _near(d, -h)]
        if not plus or not minus:
            missing.append(i)
            continue
        k_plus, k_minus = plus[-1], minus[-1]
        for k in (k_plus, k_minus):
            truth = f(points[k])
            if abs(values[k] - truth) > 1e-12 * (1 + abs(truth)):
                return "the values of f it reports are not f's: each entry must come from f"
        centred[i] = (values[k_plus] - values[k_minus]) / (2 * h)
    if missing:
        more = f" (and {len(missing) - 1} other entries)" if len(missing) > 1 else ""
        return (
            f"f was not evaluated at both x + h e_i and x - h e_i for entry {missing[0]}{more}:"
            " a centred difference calls f at both points for every entry"
        )
    grad = np.asarray(output["grad"], dtype=np.float64).reshape(-1)
    tolerance = 1e-9 * np.abs(centred) + 1e-11 * max(1.0, float(np.abs(centred).max()))
    off = np.flatnonzero(np.abs(grad - centred) > tolerance)
    if off.size:
        i = int(off[0])
        return (
            f"grad is not the centred difference of f's own values: entry {i} is"
            f" {grad[i]:.12g}, where the centred difference of the values f gave is"
            f" {centred[i]:.12g}"
        )
    return None


#: The requirement of numerical_gradient's case whose x is not C-contiguous.
COLUMN_BY_COLUMN = (
    "x stored column by column, as a transposed array is (x.reshape(-1) is then a copy, not a"
    " view of x)"
)


class NumericalGradientCheck(Check):
    """``numerical_gradient(f, x, h=1e-5) -> grad`` of the shape of ``x``, x left unchanged,
    each entry the centred difference of ``f``'s values."""

    name = "numerical_gradient"
    reference = ("nnlib.gradcheck:numerical_gradient",)
    points = 3.0
    step = "gradient_with_evaluations"

    def requirements(self) -> list[str]:
        return [
            "returns grad, an array of the shape of x, and leaves x as it was",
            "each entry of grad is the centred difference of f's own values,"
            " (f(x + h e_i) - f(x - h e_i)) / (2 h), with the h it is given: f is called at both"
            " points for every entry (the functions it is given are not known in advance)",
            f"works on any x, {COLUMN_BY_COLUMN} included",
        ]

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        if hidden:
            draws = rng.choice(len(HIDDEN_SHAPES), 5, replace=False)
            chosen = [
                (HIDDEN_SHAPES[i], HIDDEN_STEPS[rng.integers(len(HIDDEN_STEPS))]) for i in draws
            ]
        else:
            chosen = VISIBLE_CASES
        out = []
        for shape, h in chosen:
            x = rng.standard_normal(shape)
            kwargs: dict[str, Any] = {"f": draw_function(rng, x.size)}
            name = f"f of x{shape}"
            if h is not None:
                kwargs["h"] = h
                name += f", h = {h:g}"
            out.append(Case(name, (x,), kwargs))
        # x stored column by column (a transposed matrix): flattening it makes a copy
        x = rng.standard_normal((3, 4))
        kwargs = {"f": draw_function(rng, x.size), "layout": "F"}
        out.append(Case("f of x(3, 4) stored column by column", (x,), kwargs, edge=True,
                        group=COLUMN_BY_COLUMN))  # fmt: skip
        return out

    def show_input(self, case: Case) -> str:
        """``numerical_gradient(f, x=[-1.055])``, f a smooth function of the check's."""
        h = f", h={case.kwargs['h']:g}" if "h" in case.kwargs else ""
        layout = ", x stored column by column" if case.kwargs.get("layout") == "F" else ""
        return f"numerical_gradient(f, x={fmt(case.args[0])}{h}), f a smooth function{layout}"

    def judge(self, case: Case, output: Any) -> Verdict:
        x = np.asarray(case.args[0], dtype=np.float64)
        h = float(case.kwargs.get("h", DEFAULT_H))
        if not isinstance(output, dict):
            return Verdict(False, f"unexpected result {type(output).__name__}")
        f = case_function(case.kwargs["f"])
        after = np.asarray(output.get("x_after"), dtype=np.float64)
        if after.shape != x.shape or not np.allclose(after, x, rtol=0, atol=1e-12):
            return Verdict(
                False,
                "x is changed after the call: an entry it perturbs is not put back to its old"
                " value",
            )
        points = np.asarray(output.get("points", np.zeros((0, x.size))), dtype=np.float64)
        if points.ndim == 2 and points.shape[1] == x.size:
            steps = _steps(points, x)
            message = _step_message(steps, h) or _one_sided_message(steps, points, x, h)
            if message:
                return Verdict(False, message)
        evaluated = evaluations_message(output, f, x, h)
        if evaluated and not len(points):
            return Verdict(False, evaluated)  # f never called: nothing else to say
        centred = _centred(f, x, h)
        verdict = judge_results(
            case,
            {"grad": output.get("grad")},
            {"grad": centred},
            dtype=np.float64,
            mistakes=lambda: {"grad": self._wrong(f, x, h)},
            factors=lambda: {
                "-1": -1.0,
                "2": 2.0,
                "1/2": 0.5,
                "h": h,
                "1/h": 1 / h,
                "h**2": h * h,
            },  # fmt: skip
            keep_dtype=False,
        )
        if evaluated and (verdict.passed or _nearly(output.get("grad"), centred)):
            # right to a few digits, but not from f's values: the exact gradient, or a guess
            return Verdict(False, evaluated)
        return verdict

    @staticmethod
    def _wrong(f: Callable, x: np.ndarray, h: float) -> list[tuple[str, Any]]:
        """What the usual mistakes give for ``f`` at ``x``."""
        wrong = [
            (
                "it is a one-sided difference (f(x + h) - f(x)) / h; the notebook's numerical "
                "gradient is the centred difference over 2 h",
                _one_sided(f, x, h),
            ),
            ("it divides by h, half the distance between the two points", 2 * _centred(f, x, h)),
            (
                "its step h is too large (1e-2 or more), not the h it is given, 1e-5 by default",
                _centred(f, x, 1e-2),
            ),
        ]
        if x.ndim > 1:
            wrong.append(
                (
                    "it perturbs whole rows x[i] at once, not one entry at a time (x may have"
                    " any shape)",
                    _centred(f, x, h, whole_rows=True),
                )
            )
        return wrong


def _spectral(a: np.ndarray) -> float:
    """The matrix 2-norm of a 2-D array (its largest singular value); NaN otherwise."""
    return float(np.linalg.norm(a, 2)) if a.ndim == 2 else float("nan")


class RelativeErrorCheck(ArrayCheck):
    """``relative_error(a, b) -> float``: ``||a - b|| / (||a|| + ||b||)``, 0 when both are 0."""

    python_floats = ("error",)
    name = "relative_error"
    reference = ("nnlib.gradcheck:relative_error",)
    points = 1.0
    keep_dtype = False
    expected_keys = ("error",)
    arg_names = ("a", "b")
    relations = ("scale free",)
    returns = "one number, the relative error, as a Python float"
    edge_names = {
        "zeros": "a and b both zero: 0",
        "one zero": "b zero: 1",
        "equal": "a equal to b: 0",
        "opposite": "b = -a: 1",
    }

    def edge_kinds(self):
        return ("zeros", "one zero", "equal", "opposite")

    def make_case(self, rng, shape, dtype, kind):
        a = rng.standard_normal(shape).astype(dtype)
        if kind == "random":
            b = (a * (1 + 10.0 ** rng.integers(-6, 0) * rng.standard_normal(shape))).astype(dtype)
        elif kind == "zeros":
            a, b = np.zeros(shape, dtype), np.zeros(shape, dtype)
        elif kind == "one zero":  # a zero and b not: a formula that favours a shows
            a, b = np.zeros(shape, dtype), a
        elif kind == "opposite":
            b = -a
        else:
            b = a.copy()
        return Case(f"{dtype} a, b of shape {shape} {kind}", (a, b))

    def expected(self, case):
        return {"error": ref.relative_error(*case.args)}

    def mistakes(self, case):
        a, b = (np.asarray(v, np.float64) for v in case.args)
        with np.errstate(all="ignore"):
            diff, na, nb = np.linalg.norm(a - b), np.linalg.norm(a), np.linalg.norm(b)
            # where ||a|| = ||b||, a denominator of one norm cannot say which one
            one_norm = (
                ("it divides by ||a|| only", diff / na)
                if not np.isclose(na, nb, rtol=1e-3)
                else (
                    "it divides by one norm, or the larger of the two, not by both norms",
                    diff / max(na, nb),
                )
            )
            return {
                "error": [
                    (
                        "it is the norm of a - b, not divided by the norms of a and b",
                        np.linalg.norm(a - b),
                    ),
                    (
                        "it is the largest element-wise ratio, not a ratio of norms",
                        np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)),
                    ),
                    (  # the same, without a floor: NaN where both are 0, and free of scale
                        "it is the largest element-wise ratio, not a ratio of norms",
                        np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))),
                    ),
                    one_norm,
                    (
                        "on a 2-D array it takes the matrix 2-norm (the largest singular value),"
                        " not the square root of the sum of squares",
                        _spectral(a - b) / (_spectral(a) + _spectral(b)),
                    ),
                ]
            }

    def judge(self, case, output):
        a, b = case.args
        if not np.any(a) and not np.any(b) and output is not None:
            value = np.asarray(output, dtype=np.float64) if not isinstance(output, str) else None
            if value is not None and value.size == 1 and not np.isfinite(value).all():
                return Verdict(
                    False, "error is NaN when a and b are both zero, where the relative error is 0"
                )
        return super().judge(case, output)


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "08-gradcheck"

CHECKS = [NumericalGradientCheck(), RelativeErrorCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("relative_error", "if denominator == 0:", "if False:")


@MISTAKES.wrong("numerical_gradient", "one-sided difference", "centred difference")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - base) / h
        x[i] = old
    return grad


@MISTAKES.wrong("numerical_gradient", "divides by h, not 2h", "divides by h")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / h
    return grad


@MISTAKES.wrong("numerical_gradient", "x not restored", "not put back")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        grad[i] = (plus - minus) / (2 * h)
    return grad


@MISTAKES.wrong("numerical_gradient", "vectors only", "whole rows")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@MISTAKES.wrong("numerical_gradient", "a large step h = 1e-2", "too large")
def _(f, x, h=1e-5):
    return ok.numerical_gradient(f, x, h=1e-2)


@MISTAKES.helper
def _exact_gradient(f, x):
    """The exact gradient of a case's ``f`` at ``x``, from the parameters in its closure: what a
    function that recognises ``f`` instead of evaluating it returns."""
    import inspect

    k = inspect.getclosurevars(f).nonlocals
    v = np.asarray(x, dtype=np.float64).reshape(-1)
    inner = k["A"] @ v + k["d"]
    grad = k["s"] * k["w"] * np.cos(k["w"] * v + k["p"])
    grad = grad + k["A"].T @ (k["c"] * (1 - np.tanh(inner) ** 2)) + k["q"] * v
    return grad.reshape(np.shape(x))


@MISTAKES.wrong("numerical_gradient", "exact gradient, f never called", "never called f")
def _(f, x, h=1e-5):
    return _exact_gradient(f, x)


@MISTAKES.wrong("numerical_gradient", "exact gradient beside f's values", "not the centred")
def _(f, x, h=1e-5):
    ok.numerical_gradient(f, x.copy(), h)  # evaluations made, answer thrown away
    return _exact_gradient(f, x)


@MISTAKES.wrong("relative_error", "+ 1e-8 in the denominator", "scaled by the same number")
def _(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-8))


@MISTAKES.wrong("numerical_gradient", "x.reshape(-1) taken for a view", "stored column by column")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)  # copies when x is not C-contiguous
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        out[i] = (plus - minus) / (2 * h)
    return grad


@MISTAKES.wrong("numerical_gradient", "the nudge undone, f taken at x", "never at x - h")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x[index] += h
        plus = f(x)
        x[index] -= h
        minus = f(x)
        grad[index] = (plus - minus) / (2 * h)
    return grad


@MISTAKES.wrong("numerical_gradient", "multiplied by h, not divided by 2 h", "h**2 times")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / 2 * h
    return grad


@MISTAKES.wrong("relative_error", "the matrix 2-norm", "largest singular value")
def _(a, b):
    d = np.linalg.norm(a, 2) + np.linalg.norm(b, 2)
    return 0.0 if d == 0 else float(np.linalg.norm(a - b, 2) / d)


@MISTAKES.wrong("relative_error", "a NumPy float32 scalar", "error is a Python float")
def _(a, b):
    d = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if d == 0 else np.linalg.norm(a - b) / d  # float32 in, np.float32 out


@MISTAKES.wrong("relative_error", "no denominator", "not divided by")
def _(a, b):
    return float(np.linalg.norm(a - b))


@MISTAKES.wrong("relative_error", "element-wise maximum ratio", "element-wise ratio")
def _(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@MISTAKES.wrong("relative_error", "divides by ||a|| only", "||a|| only")
def _(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


@MISTAKES.wrong("relative_error", "NaN when both are zero", "both zero")
def _(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


@MISTAKES.wrong("numerical_gradient", "x + h without a copy: both sides move", "counterexample")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        x_plus = x
        x_plus[i] += h
        x_minus = x
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


@MISTAKES.wrong("relative_error", "||a + b|| below instead of ||a|| + ||b||", "b = -a")
def _(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a + b), 1e-300))


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("relative_error", "sqrt of sums of squares")
def _(a, b):
    top = np.sqrt(np.sum((a - b) ** 2))
    bottom = np.sqrt(np.sum(a * a)) + np.sqrt(np.sum(b * b))
    return float(top / bottom) if bottom > 0 else 0.0


@MISTAKES.right("numerical_gradient", "x.flat, a view of any x")
def _(f, x, h=1e-5):
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        plus = f(x)
        x.flat[i] = old - h
        minus = f(x)
        x.flat[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad.reshape(x.shape)
