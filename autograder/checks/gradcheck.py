"""Checks of numerical gradient checking: ``numerical_gradient`` and ``relative_error``.

``numerical_gradient(f, x, h=1e-5)`` is compared with the exact gradient of test functions whose
derivative is known in closed form; a centred difference in float64 agrees with it to about
1e-9, a one-sided difference only to about 1e-5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.call_steps import known_function
from autograder.checks.arrays import ArrayCheck, judge_results
from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.mistakes import Mistakes
from nnlib import gradcheck as ref


def _exact(case: Case, x: np.ndarray) -> np.ndarray:
    kind = case.kwargs["f"]
    if kind == "sum of squares":
        return 2 * x
    if kind == "sin(3x) x^2":
        return 3 * np.cos(3 * x) * x**2 + 2 * x * np.sin(3 * x)
    A = case.args[1]
    return A.T @ (1 - np.tanh(A @ x) ** 2)


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


class NumericalGradientCheck(Check):
    """``numerical_gradient(f, x, h=1e-5) -> grad`` of the shape of ``x``, x left unchanged."""

    name = "numerical_gradient"
    reference = ("nnlib.gradcheck:numerical_gradient",)
    points = 3.0
    step = "gradient_of_known_function"

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for kind, shape in [
            ("sum of squares", (4,)),
            ("sin(3x) x^2", (1,)),
            ("sin(3x) x^2", (3, 4)),
            ("tanh(A x) summed", (5, 2)),
            ("sin(3x) x^2", (2, 3, 2)),
        ]:
            x = rng.standard_normal(shape)
            args: tuple = (x,)
            if kind == "tanh(A x) summed":
                args = (x, rng.standard_normal((3, shape[0])))
            out.append(Case(f"f = {kind}, x{shape}", args, {"f": kind}))
        return out

    def judge(self, case: Case, output: Any) -> Verdict:
        x = np.asarray(case.args[0], dtype=np.float64)
        if not isinstance(output, dict):
            return Verdict(False, f"unexpected result {type(output).__name__}")
        verdict = judge_results(
            case,
            {"grad": output["grad"]},
            {"grad": _exact(case, x)},
            dtype=np.float64,
            mistakes=lambda: {"grad": self._wrong(case, x)},
            factors=lambda: {"-1": -1.0, "2": 2.0, "1/2": 0.5},
            keep_dtype=False,
        )
        if not verdict.passed:
            return verdict
        after = np.asarray(output["x_after"], dtype=np.float64)
        if after.shape != x.shape or not np.allclose(after, x, rtol=0, atol=1e-12):
            return Verdict(
                False,
                "x is changed after the call: restore each entry after perturbing it "
                "(x[i] = old value)",
            )
        return verdict

    @staticmethod
    def _wrong(case: Case, x: np.ndarray) -> list[tuple[str, Any]]:
        """What the usual mistakes give on ``case``."""
        wrong = [
            (
                "it is a one-sided difference (f(x + h) - f(x)) / h; use the centred "
                "difference (f(x + h) - f(x - h)) / (2 h)",
                _one_sided(known_function(case), x, 1e-5),
            ),
            ("it divides by h instead of 2 h", 2 * _exact(case, x)),
            (
                "its step h is too large (1e-2 or more): use the h it is given, 1e-5 by default",
                _centred(known_function(case), x, 1e-2),
            ),
        ]
        if x.ndim > 1:
            wrong.append(
                (
                    "it perturbs whole rows x[i] at once: perturb one entry at a time, for x of "
                    "any shape (np.ndindex(x.shape))",
                    _centred(known_function(case), x, 1e-5, whole_rows=True),
                )
            )
        return wrong


class RelativeErrorCheck(ArrayCheck):
    """``relative_error(a, b) -> float``: ``||a - b|| / (||a|| + ||b||)``, 0 when both are 0."""

    name = "relative_error"
    reference = ("nnlib.gradcheck:relative_error",)
    points = 1.0
    keep_dtype = False
    expected_keys = ("error",)
    arg_names = ("a", "b")
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
        elif kind == "one zero":
            b = np.zeros(shape, dtype)
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
            return {
                "error": [
                    (
                        "it is the norm of a - b, not divided by ||a|| + ||b||",
                        np.linalg.norm(a - b),
                    ),
                    (
                        "it is the largest element-wise ratio; use the norms: "
                        "||a - b|| / (||a|| + ||b||)",
                        np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)),
                    ),
                    ("it divides by ||a|| only", np.linalg.norm(a - b) / np.linalg.norm(a)),
                ]
            }

    def judge(self, case, output):
        a, b = case.args
        if not np.any(a) and not np.any(b) and output is not None:
            value = np.asarray(output, dtype=np.float64) if not isinstance(output, str) else None
            if value is not None and value.size == 1 and not np.isfinite(value).all():
                return Verdict(False, "error is NaN when a and b are both zero: return 0 then")
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


@MISTAKES.wrong("numerical_gradient", "divides by h, not 2h", "instead of 2 h")
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


@MISTAKES.wrong("numerical_gradient", "x not restored", "restore each entry")
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


@MISTAKES.right("numerical_gradient", "a flat view of x")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        out[i] = (plus - minus) / (2 * h)
    return grad
