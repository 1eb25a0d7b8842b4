"""Compare a student's array with the expected one: the facts, and the explanations that fit.

:func:`fact` returns None when the two agree, and otherwise one sentence of facts: the value is
None or a Python list, its shape, values that are not finite, the largest error. It guesses no
cause. :func:`explanations` lists what reproduces the student's value *on this case*: a typical
mistake a check supplies (``mistakes``: pairs of an explanation and the wrong value that mistake
gives), a transposed matrix, the right values in another shape, or a factor someone could have
written (``factors``: the batch size N, 2, a hyperparameter). The report keeps an explanation
only when it fits every failing case (:func:`autograder.checks.feedback.verified`): one case
alone is a coincidence.

The tolerance is the dtype's: a relative one, an absolute one scaled by the largest expected
magnitude, and ``slack``, what a correct answer may differ by at this case's magnitude (how much
the exact answer moves when the inputs move by their dtype's rounding: see
:meth:`autograder.checks.arrays.ArrayCheck.slack`), so that no one order of operations is the
only one that passes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

#: Tolerances by dtype: (relative, absolute as a fraction of the largest expected value).
TOLERANCES = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-7, 1e-9)}


def tolerance(dtype: Any) -> tuple[float, float]:
    """Return the (relative, absolute) tolerance for results computed in ``dtype``."""
    try:
        return TOLERANCES.get(np.dtype(dtype), TOLERANCES[np.dtype(np.float32)])
    except TypeError:
        return TOLERANCES[np.dtype(np.float32)]


def as_float_array(value: Any) -> np.ndarray | None:
    """Return ``value`` as a float64 NumPy array, or None if it is not numeric."""
    if value is None or isinstance(value, str | bytes | dict):
        return None
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


def close(
    got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, slack: Any = 0.0
) -> bool:
    """True when the arrays have one shape and agree within the tolerances.

    ``atol`` is relative to the largest magnitude in ``expected``, so that the test is
    scale-free; ``slack`` (a number, or an array of ``expected``'s shape) is added to it;
    infinities and NaNs never agree with finite values.
    """
    if got.shape != expected.shape:
        return False
    if not np.isfinite(got).all():
        return bool(np.array_equal(got, expected, equal_nan=True))
    magnitude = np.abs(expected)
    largest = float(magnitude.max(initial=0.0))  # inf or NaN when expected holds one
    if not math.isfinite(largest):
        return False  # a finite value never agrees with an infinity or a NaN
    # np.allclose's rule on finite arrays, |got - expected| <= atol + rtol |expected|, written
    # out: the arrays here are finite and of one shape, so allclose's general handling of
    # infinities and broadcasting is work without use, and judging one submission makes
    # hundreds of calls
    allowed = atol * max(largest, 1.0) + rtol * magnitude + slack
    return bool((np.abs(got - expected) <= allowed).all())


def reproduces(got: np.ndarray, wrong: Any, rtol: float, atol: float, slack: Any = 0.0) -> bool:
    """Whether a mistake's value ``wrong`` reproduces the student's ``got``: the same shape,
    NaN and the same infinities at the same places, and close elsewhere."""
    wrong = as_float_array(wrong)
    if wrong is None or wrong.shape != got.shape:
        return False
    finite = np.isfinite(got)
    if not np.array_equal(finite, np.isfinite(wrong)):
        return False
    # NaN (inf / inf, an overflow) and an infinity (log 0, an underflow) have other causes
    if not np.array_equal(np.isnan(got), np.isnan(wrong)):
        return False
    if not np.array_equal(got[np.isinf(got)], wrong[np.isinf(wrong)]):
        return False
    if finite.all():
        return close(got, wrong, rtol, atol, slack)
    slack = np.broadcast_to(slack, got.shape)[finite] if np.ndim(slack) else slack
    return close(got[finite], wrong[finite], rtol, atol, slack)


def error_size(got: np.ndarray, expected: np.ndarray) -> str:
    """Describe how far ``got`` is from ``expected``: the largest error and where it is."""
    diff = np.abs(got - expected)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    where = f" at index {tuple(int(i) for i in index)}" if index else ""
    return (
        f"largest error {float(diff[index]):.3g}{where} (got {float(got[index]):.6g}, expected "
        f"{float(expected[index]):.6g}; relative error {float(diff[index]) / scale:.3g})"
    )


#: What a broadcast (N, N) result most likely is, said where the case has an (N,) input.
MET_A_VECTOR = (
    ": an (N, 1) array met an (N,) array and broadcast to (N, N); give both the same shape"
)


def _shape_fact(quantity: str, got: np.ndarray, expected: np.ndarray) -> str:
    """What is plain about a shape that differs: the shapes, and a broadcast (N, N)."""
    gs, es = tuple(got.shape), tuple(expected.shape)
    base = f"{quantity} has shape {gs}, expected {es}"
    if len(es) == 2 and es[1] == 1 and es[0] > 1 and gs == (es[0], es[0]):
        return f"{base}{MET_A_VECTOR}"
    if got.ndim == 0:
        return (
            f"{quantity} is a single number; expected an array of shape {es} (a sum over"
            " every axis, or a number where an array of that shape belongs?)"
        )
    if got.ndim + 1 == expected.ndim:
        return (
            f"{base}: one axis fewer (dropped by a sum or mean without keepdims, or by"
            " squeeze, ravel or flatten?)"
        )
    if got.ndim == expected.ndim + 1:
        return f"{base}: one axis more (a sum or mean missing, or an axis kept with keepdims?)"
    return base


def fact(
    quantity: str,
    got: Any,
    expected: Any,
    *,
    dtype: Any = np.float64,
    slack: Any = 0.0,
) -> str | None:
    """None when ``got`` matches ``expected``; else one sentence of facts about the difference.

    Parameters
    ----------
    quantity : str
        Name of the compared value, as the message should show it (``"dW"``).
    got : array-like
        The student's value.
    expected : array-like
        The reference value.
    dtype : dtype
        The precision the value was computed in, which sets the tolerance.
    slack : float or array
        What a correct answer may differ by beyond the dtype's tolerance at this magnitude.
    """
    rtol, atol = tolerance(dtype)
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        return f"{quantity} is None: does the function end with a return statement?"
    if isinstance(got, list | tuple) and expected.ndim:
        return f"{quantity} is a Python {type(got).__name__}: return a NumPy array"
    array = as_float_array(got)
    if array is None:
        return (
            f"{quantity} should be an array of shape {tuple(expected.shape)}; "
            f"got {type(got).__name__}"
        )
    if array.shape != expected.shape:
        if array.size == 1 and expected.ndim == 0:  # a scalar given as a 1-element array
            array = array.reshape(expected.shape)
        else:
            return _shape_fact(quantity, array, expected)
    if close(array, expected, rtol, atol, slack):
        return None
    finite = np.isfinite(array)
    if not finite.all() and np.isfinite(expected).all():
        bad = int((~finite).sum())
        return f"{quantity} has {bad} inf or NaN values where the answer is finite"
    return f"{quantity} is wrong: {error_size(array, expected)}"


#: What a verified factor means, by its name in :func:`explanations`'s ``factors``.
FACTOR_TEXTS = {
    "-1": "{key} has the wrong sign: it is minus the answer",
    "2": "{key} is twice the answer",
    "1/2": "{key} is half the answer",
    "N": (
        "{key} is N times too large, the batch size N: the loss is a mean over the batch, not a sum"
    ),
    "1/N": (
        "{key} is N times too small, the batch size N: it is divided by N where it should"
        " not be (or twice)"
    ),
    "C": "{key} is C times the answer, C the number of classes (columns)",
    "1/C": "{key} is the answer divided by C, the number of classes (columns)",
}


def factor_text(name: str) -> str:
    """The explanation of a verified factor; a hyperparameter's by its name."""
    if name in FACTOR_TEXTS:
        return FACTOR_TEXTS[name]
    if name.startswith("1/"):
        return f"{{key}} is the answer divided by {name[2:]}: a division by {name[2:]} too many"
    return f"{{key}} is {name} times the answer: a factor {name} too many"


def explanations(
    got: Any,
    expected: Any,
    *,
    dtype: Any = np.float64,
    slack: Any = 0.0,
    mistakes: Iterable[tuple[str, Any]] = (),
    factors: Mapping[str, float] = {},  # noqa: B006 (read only)
) -> dict[str, str]:
    """What reproduces the student's wrong value on this case, by a stable name: each
    mistake (by its text), ``"transposed"``, ``"reshaped"``, and each named factor that fits.

    A text may hold ``{key}``, which the report replaces by the results it explains.
    """
    rtol, atol = tolerance(dtype)
    array = as_float_array(got)
    if array is None:
        return {}
    expected = np.asarray(expected, dtype=np.float64)
    found: dict[str, str] = {}
    # the slack is the expected value's, element by element; another shape takes its largest
    loose = slack if np.shape(slack) in ((), array.shape) else float(np.max(slack, initial=0.0))
    if array.shape == expected.shape and close(array, expected, rtol, atol, loose):
        return found  # the right values (a dtype kept wrong, say): no mistake made them
    for text, wrong in mistakes:
        if text not in found and reproduces(array, wrong, rtol, atol, loose):
            found[text] = text
    if array.ndim == 2 and array.shape == expected.shape[::-1]:
        if close(array.T, expected, rtol, atol, slack):
            found["transposed"] = "{key} is transposed: the right values, rows and columns swapped"
    elif array.shape != expected.shape and array.size == expected.size and array.size > 1:
        if close(array.reshape(expected.shape), expected, rtol, atol, slack):
            found["reshaped"] = "{key} has the right values in the wrong shape"
    if array.shape == expected.shape and np.any(np.abs(expected) > 0):
        for name, value in factors.items():
            if value in (0.0, 1.0) or not math.isfinite(value):
                continue
            if close(array, value * expected, rtol, atol, abs(value) * slack):
                found[f"factor {name}"] = factor_text(name)
    return found
