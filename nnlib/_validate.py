"""Argument checks shared by nnlib's functions, so that a mistake names what was expected.

Every message starts with the function's name and the argument's name, then says what was
expected and what was given, for example
``dense_forward: W has shape (5, 3) but x has 4 features; W must be (4, M)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FLOAT_DTYPES = ("float32", "float64")


def require_float_array(fn: str, name: str, a: Any, ndim: int | None = None) -> None:
    """Raise unless ``a`` is a float32/float64 array (of ``ndim`` dimensions, when given)."""
    # This runs several times per training step: the common case, a NumPy float array, is
    # decided in one test ("f" is float32's type character, "d" float64's).
    if type(a) is np.ndarray and a.dtype.char in "fd" and (ndim is None or a.ndim == ndim):
        return
    dtype = getattr(a, "dtype", None)
    if dtype is None or not hasattr(a, "shape"):
        raise TypeError(f"{fn}: {name} must be a NumPy or CuPy array; got {type(a).__name__}")
    if getattr(dtype, "kind", None) != "f" or dtype.itemsize not in (4, 8):
        raise TypeError(
            f"{fn}: {name} must have dtype float32 or float64; got {dtype}"
            " (convert it with .astype('float32'))"
        )
    if ndim is not None and a.ndim != ndim:
        letters = {1: "(N,)", 2: "(N, D)"}.get(ndim, f"{ndim} dimensions")
        raise ValueError(f"{fn}: {name} must be {letters}; got shape {tuple(a.shape)}")


def require_same_shape(fn: str, name: str, a: Any, like_name: str, like: Any) -> None:
    """Raise unless ``a`` has the shape of ``like``."""
    if a.shape != like.shape:
        raise ValueError(
            f"{fn}: {name} must have the shape of {like_name}, {tuple(like.shape)}; "
            f"got {tuple(a.shape)}"
        )


def canonical_dtype(fn: str, dtype: Any) -> str:
    """Return ``"float32"`` or ``"float64"`` for ``dtype``, or raise a clear error."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in FLOAT_DTYPES:
        raise ValueError(f"{fn}: dtype must be 'float32' or 'float64'; got {dtype!r}")
    return name


def require_dense_inputs(fn: str, x: Any, W: Any, b: Any) -> None:
    """Raise unless ``x`` (N, D), ``W`` (D, M) and ``b`` (M,) are float arrays of one dtype."""
    if (  # the common case of a training step, in as few operations as it can be decided
        type(x) is type(W) is type(b) is np.ndarray
        and x.dtype is W.dtype is b.dtype  # NumPy's built-in dtypes are single objects
        and x.dtype.char in "fd"
        and x.ndim == W.ndim == 2
        and W.shape == (x.shape[1], b.shape[0])
        and b.ndim == 1
    ):
        return
    require_float_array(fn, "x", x, ndim=2)
    require_float_array(fn, "W", W, ndim=2)
    require_float_array(fn, "b", b, ndim=1)
    if W.shape[0] != x.shape[1]:
        raise ValueError(
            f"{fn}: W has shape {tuple(W.shape)} but x has {x.shape[1]} features; "
            f"W must be ({x.shape[1]}, M)"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"{fn}: b has shape {tuple(b.shape)} but W has {W.shape[1]} units; "
            f"b must be ({W.shape[1]},)"
        )
    if not (x.dtype == W.dtype == b.dtype):
        raise TypeError(
            f"{fn}: x, W and b must share one dtype; got x {x.dtype}, W {W.dtype}, b {b.dtype}"
        )


def require_shape(fn: str, name: str, a: Any, shape: tuple, letters: str) -> None:
    """Raise unless ``a`` has ``shape``, named by its ``letters`` (``"(N, M)"``)."""
    if a.shape != shape:
        raise ValueError(f"{fn}: {name} must be {letters} = {tuple(shape)}; got {tuple(a.shape)}")
