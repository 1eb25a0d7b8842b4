"""Compare a student's array with the expected one and name the likely mistake.

:func:`compare` returns None when the two agree, and otherwise one sentence saying what is wrong,
in the terms a student can act on: the shape is transposed, the values are off by the batch
size, the result overflowed, or it matches one of the typical wrong answers a check supplies
(``mistakes``: pairs of an explanation and the wrong array that mistake produces).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

#: Tolerances by dtype: (relative, absolute as a fraction of the largest expected value).
TOLERANCES = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-7, 1e-9)}


def tolerance(dtype: Any) -> tuple[float, float]:
    """Return the (relative, absolute) tolerance for results computed in ``dtype``."""
    return TOLERANCES.get(np.dtype(dtype), TOLERANCES[np.dtype(np.float32)])


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


def close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """True when the arrays have one shape and agree within the tolerances.

    ``atol`` is relative to the largest magnitude in ``expected``, so that the test is
    scale-free; infinities and NaNs never agree with finite values.
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
    tolerance = atol * max(largest, 1.0) + rtol * magnitude
    return bool((np.abs(got - expected) <= tolerance).all())


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


def _shape_message(quantity: str, got: np.ndarray, expected: np.ndarray) -> str:
    gs, es = tuple(got.shape), tuple(expected.shape)
    base = f"{quantity} has shape {gs}, expected {es}"
    if got.ndim == 2 and gs == es[::-1]:
        if close(got.T, expected, 1e-6, 1e-8):
            return f"{base}: it is transposed (right values, rows and columns swapped)"
        return f"{base}: rows and columns are swapped (a transposed matrix in the product?)"
    if got.size == expected.size:
        if close(got.reshape(es), expected, 1e-6, 1e-8):
            return f"{base}: right values, wrong shape (reshape it, or keep the batch axis)"
        return f"{base}: same number of values in another layout (check the reshape order)"
    if got.ndim == expected.ndim + 1 >= 2 and got.shape[-1] == got.shape[-2]:
        return (
            f"{base}: an (N, 1) array met an (N,) array and broadcast to (N, N); "
            "give both the same shape"
        )
    if got.ndim + 1 == expected.ndim:
        return f"{base}: an axis is missing (reduced over the wrong axis, or no keepdims=True?)"
    if got.ndim == expected.ndim and any(
        g != e and (g == 1 or e == 1) for g, e in zip(gs, es, strict=True)
    ):
        return f"{base}: reduced over the wrong axis, or summed where you should keep the axis"
    return base


def _factor_message(quantity: str, factor: float, batch: int | None) -> str:
    named = {-1.0: "it has the wrong sign", 2.0: "it is twice too large", 0.5: "it is half"}
    for value, text in named.items():
        if np.isclose(factor, value, rtol=1e-6):
            return f"{quantity} is off by a factor {factor:.6g}: {text}"
    if batch and batch > 1:
        if np.isclose(factor, batch, rtol=1e-6):
            return (
                f"{quantity} is {batch} times too large, the batch size N: "
                "divide by N (the loss is a mean over the batch)"
            )
        if np.isclose(factor, 1 / batch, rtol=1e-6):
            return (
                f"{quantity} is {batch} times too small, the batch size N: "
                "it is divided by N where it should not be (or twice)"
            )
    return f"{quantity} is off by a constant factor {factor:.6g}"


def compare(
    quantity: str,
    got: Any,
    expected: Any,
    *,
    dtype: Any = np.float64,
    mistakes: Iterable[tuple[str, Any]] = (),
    batch: int | None = None,
    overflow_hint: str | None = None,
) -> str | None:
    """Return None when ``got`` matches ``expected``, else a sentence naming the likely mistake.

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
    mistakes : iterable of (str, array-like)
        Typical wrong answers for this case: an explanation and the value that mistake gives.
    batch : int, optional
        The batch size N, to recognise a result off by a factor N.
    overflow_hint : str, optional
        What to say when ``got`` holds inf or NaN where ``expected`` is finite.
    """
    rtol, atol = tolerance(dtype)
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        return f"{quantity} is None: does the function end with a return statement?"
    array = as_float_array(got)
    if array is None:
        return (
            f"{quantity} should be an array of shape {tuple(expected.shape)}; "
            f"got {type(got).__name__}"
        )
    if array.shape != expected.shape:
        for explanation, wrong in mistakes:
            wrong = as_float_array(wrong)
            if wrong is not None and close(array, wrong, rtol, atol):
                return f"{quantity} has shape {tuple(array.shape)}: {explanation}"
        if array.size == 1 and expected.size == 1:
            array = array.reshape(expected.shape)
        else:
            return _shape_message(quantity, array, expected)
    if close(array, expected, rtol, atol):
        return None
    finite = np.isfinite(array)
    if not finite.all() and np.isfinite(expected).all():
        bad = int((~finite).sum())
        hint = f": {overflow_hint}" if overflow_hint else " (an overflow?)"
        return f"{quantity} has {bad} inf or NaN values where the answer is finite{hint}"
    for explanation, wrong in mistakes:
        wrong = as_float_array(wrong)
        if wrong is not None and close(array, wrong, rtol, atol):
            return f"{quantity} is wrong: {explanation}"
    norm = float(np.sum(expected * expected))
    if norm > 0:
        factor = float(np.sum(array * expected)) / norm
        if not np.isclose(factor, 1.0) and close(array, factor * expected, rtol, atol):
            return _factor_message(quantity, factor, batch)
    tol = f"expected below {rtol:.0e}"
    return f"{quantity} is wrong: {error_size(array, expected)}, {tol}"
