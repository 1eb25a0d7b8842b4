r"""Numerical gradients by centred differences, to check a backward pass.

For a scalar function :math:`f` of an array :math:`x`,

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

whose error shrinks like :math:`h^2`. In float64 with :math:`h = 10^{-5}`, a correct backward
pass agrees with it to a relative error near :math:`10^{-9}`; a wrong one is off by far more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlib.backend import get_array_module, to_numpy


def numerical_gradient(f: Callable[[Any], float], x: Any, h: float = 1e-5) -> Any:
    r"""Centred-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is changed in place, one element at a time, and restored; ``f`` must read it (for
    example a closure over a network's parameter array).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : array of any shape
        The point; use float64, since float32 cannot resolve a step of ``1e-5``.
    h : float
        Step size.

    Returns
    -------
    grad : array of the shape and backend of x
    """
    xp = get_array_module(x)
    grad = xp.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index].item()
        x[index] = old + h
        f_plus = float(f(x))
        x[index] = old - h
        f_minus = float(f(x))
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: Any, b: Any) -> float:
    r"""Relative error :math:`\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)` of two arrays.

    Scale-free (0 when equal, 1 when one is zero and the other not), and defined as 0 when both
    arrays are zero.

    Parameters
    ----------
    a, b : arrays of the same shape
        Such as an analytic and a numerical gradient (NumPy or CuPy).

    Returns
    -------
    error : float
        In [0, 1].
    """
    a = to_numpy(a).astype(np.float64)
    b = to_numpy(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ: {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)
