"""Checks of backend-agnostic code (chapter 12): ``get_array_module`` and ``accuracy``.

The checks run on NumPy arrays, which every machine has; the functions are meant to work
unchanged on CuPy arrays too, which the notebook tries where a GPU is present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.arrays import ArrayCheck
from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.mistakes import Mistakes


class ArrayModuleCheck(Check):
    """``get_array_module(*arrays)`` returns the module of the arrays' library, as nnlib's and
    CuPy's function of that name do: ``numpy`` for NumPy arrays, ``cupy`` as soon as one is a
    CuPy array.

    Where no GPU is, a CuPy array is a stand-in (:class:`autograder.call_steps.CupyStandIn`):
    an object whose type lives in the module ``cupy``, which is what the contract reads, with
    a module ``cupy`` in ``sys.modules`` for the call.
    """

    name = "get_array_module"
    reference = ("nnlib.backend:get_array_module",)
    points = 1.0
    step = "module_name"
    arg_names = ("arrays",)
    returns = (
        "the module numpy for NumPy arrays, and the module cupy (from sys.modules) as soon as"
        " one argument is a CuPy array, an object whose type's module name starts with 'cupy'"
    )

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        cupy = "a CuPy array (a stand-in where there is no GPU)"
        return [
            Case("float32 matrix", (rng.standard_normal((3, 4)).astype(np.float32),)),
            Case("int64 labels", (rng.integers(0, 9, size=5),)),
            Case("0-d array", (np.array(1.5),)),
            Case("two arrays", (rng.standard_normal(3), rng.integers(0, 2, size=3))),
            Case("one CuPy matrix", (rng.standard_normal((2, 3)),), {"cupy": [0]}, group=cupy),
            Case(
                "a NumPy array, then a CuPy array",
                (rng.standard_normal(2), rng.standard_normal(2)),
                {"cupy": [1]},
                group=cupy,
            ),
        ]

    def show_input(self, case: Case) -> str:
        kinds = ["a CuPy array" if i in case.kwargs.get("cupy", ()) else "a NumPy array"
                 for i in range(len(case.args))]  # fmt: skip
        return f"get_array_module({', '.join(kinds)})"

    def judge(self, case: Case, output: Any) -> Verdict:
        expected = "cupy" if case.kwargs.get("cupy") else "numpy"
        if output == expected:
            return Verdict(True)
        return Verdict(False, f"get_array_module returned {output!r}; expected {expected}")


class AccuracyCheck(ArrayCheck):
    """``accuracy(logits, y) -> float``: the share of rows predicted right, as a Python float."""

    python_floats = ("accuracy",)
    name = "accuracy"
    points = 2.0
    keep_dtype = False
    expected_keys = ("accuracy",)
    arg_names = ("logits", "y")
    edge_names = {"binary": "one output unit, logits (N, 1), one of them exactly 0"}
    returns = "one number, the share of rows predicted right, as a Python float"

    def edge_kinds(self):
        return ("binary",)

    def make_case(self, rng, shape, dtype, kind):
        n, c = shape
        if kind == "binary":
            n, c = (8 if np.dtype(dtype) == np.float32 else 11), 1
        logits = rng.standard_normal((n, c)).astype(dtype)
        if c == 1:
            # all right but two, one logit exactly 0 (class 0: class 1 only where the logit is
            # positive), and drawn until the usual mistakes each give an accuracy of their own:
            # argmax (always 0), >= 0, and (N, 1) against (N,) broadcast to (N, N)
            while True:
                logits[2, 0] = 0
                y = (logits[:, 0] > 0).astype(np.int64)
                y[:2] = 1 - y[:2]
                shares = {
                    float(np.mean(y == (logits[:, 0] > 0))),
                    float(np.mean(y == 0)),
                    float(np.mean(y == (logits[:, 0] >= 0))),
                    float(np.mean(y == (logits > 0))),
                }
                if len(shares) == 4:
                    break
                logits = rng.standard_normal((n, c)).astype(dtype)
            label = f"{dtype} binary logits{(n, 1)}"
        else:
            y = rng.integers(0, c, size=n)
            label = f"{dtype} logits{(n, c)}"
        return Case(label, (logits, y))

    def batch(self, case):
        return len(case.args[0])

    def expected(self, case):
        logits, y = case.args
        predictions = (logits[:, 0] > 0).astype(int) if logits.shape[1] == 1 else logits.argmax(1)
        return {"accuracy": float(np.mean(predictions == y))}

    def mistakes(self, case):
        logits, y = case.args
        right = self.expected(case)["accuracy"]
        argmax = float(np.mean(logits.argmax(axis=1) == y))
        return {
            "accuracy": [
                ("it counts the right predictions; accuracy is their mean", right * len(y)),
                (
                    "with one output unit (N, 1), argmax is always 0, whatever the logit",
                    argmax,
                ),
                ("it is the error rate, 1 - accuracy", 1 - right),
                *(
                    [
                        (
                            "a logit of exactly 0 counts as class 1, where class 1 is a"
                            " positive logit",
                            float(np.mean((logits[:, 0] >= 0).astype(int) == y)),
                        ),
                        (
                            "the predictions (N, 1) met the labels (N,) and broadcast to an"
                            " (N, N) table: the predictions do not have y's shape",
                            float(np.mean((logits > 0).astype(int) == y)),
                        ),
                    ]
                    if logits.shape[1] == 1
                    else []
                ),
            ]
        }

    def judge(self, case, output):
        if isinstance(output, np.ndarray):
            if output.ndim == 0:
                return Verdict(
                    False,
                    "accuracy returned a 0-d array, not a Python number (on CuPy, a reduction"
                    " stays on the GPU until it is converted to a Python float)",
                )
            return Verdict(
                False,
                f"accuracy returned an array of shape {output.shape}: return one float, "
                "the mean of the right predictions",
            )
        return super().judge(case, output)


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "12-gpu"

CHECKS = [ArrayModuleCheck(), AccuracyCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant(
    "accuracy", "return float((predictions == y).mean())", "return float((predictions == y).sum())"
)


@MISTAKES.wrong("get_array_module", "returns the array's type", "expected numpy")
def _(*arrays):
    return type(arrays[0])


@MISTAKES.wrong("get_array_module", "uses nnlib's backend module", "nnlib.backend")
def _(*arrays):
    from nnlib.backend import get_array_module as nnlib_get_array_module

    return nnlib_get_array_module(*arrays)


@MISTAKES.wrong("get_array_module", "returns the name", "expected numpy")
def _(*arrays):
    return type(arrays[0]).__module__


@MISTAKES.wrong("accuracy", "counts instead of averaging", "counts the right predictions")
def _(logits, y):
    predictions = (logits[:, 0] > 0) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float((predictions == y).sum())


@MISTAKES.wrong("accuracy", "argmax for one output unit", "argmax is always 0")
def _(logits, y):
    return float((logits.argmax(axis=1) == y).mean())


@MISTAKES.wrong("accuracy", "returns a 0-d array", "0-d array")
def _(logits, y):
    return np.asarray(ok.accuracy(logits, y))


@MISTAKES.wrong("accuracy", "error rate", "error rate")
def _(logits, y):
    return 1 - ok.accuracy(logits, y)


@MISTAKES.wrong("accuracy", "a logit of exactly 0 taken as class 1", "exactly 0 counts")
def _(logits, y):
    predictions = (logits[:, 0] >= 0) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float((predictions == y).mean())


@MISTAKES.wrong("accuracy", "(N, 1) predictions against (N,) labels", "broadcast to an (N, N)")
def _(logits, y):
    predictions = (logits > 0) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float((predictions == y).mean())


@MISTAKES.wrong("accuracy", "per-sample correctness", "return one float")
def _(logits, y):
    return logits.argmax(axis=1) == y


@MISTAKES.wrong("get_array_module", "numpy whatever it is given", "expected cupy")
def _(*arrays):
    return np


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("get_array_module", "import cupy inside, where one is a CuPy array")
def _(*arrays):
    for a in arrays:
        if type(a).__module__.split(".")[0] == "cupy":
            import cupy

            return cupy
    return np


@MISTAKES.right("accuracy", "np.count_nonzero")
def _(logits, y):
    predictions = (logits[:, 0] > 0).astype(int) if logits.shape[1] == 1 else logits.argmax(1)
    return np.count_nonzero(predictions == y) / len(y)
