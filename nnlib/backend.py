"""Choice of array library: NumPy on the CPU or CuPy on an NVIDIA GPU.

This is the only module that decides between the two. Every numeric function elsewhere asks
``xp = get_array_module(x)`` and then writes ``xp.exp``, ``xp.maximum``, ... so the same code
runs on both libraries.

The default backend comes from the environment variable ``NNLIB_BACKEND`` (``numpy``, ``cupy``
or ``auto``; ``numpy`` when unset); a ``backend=`` argument, where models are made, overrides it.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

BACKENDS = ("numpy", "cupy", "auto")


def _import_cupy() -> ModuleType | None:
    """Return the ``cupy`` module when it is installed and sees a GPU, else None."""
    try:
        import cupy
    except Exception:  # ImportError, or a CUDA library missing underneath it
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:  # no driver, no device
        return None
    return cupy


def available_backends() -> list[str]:
    """Names of the backends that work on this machine: ``["numpy"]``, plus ``"cupy"`` with a GPU."""
    return ["numpy", "cupy"] if _import_cupy() is not None else ["numpy"]


def get_backend(name: str | None = None) -> ModuleType:
    """Return the array module for ``name`` (``"numpy"``, ``"cupy"`` or ``"auto"``).

    Parameters
    ----------
    name : str or None
        The backend to use. None reads the environment variable ``NNLIB_BACKEND`` and falls back
        to ``"numpy"``. ``"auto"`` takes CuPy when it works here and NumPy otherwise.

    Returns
    -------
    module
        ``numpy`` or ``cupy``.

    Raises
    ------
    ValueError
        If ``name`` is not one of the backends.
    RuntimeError
        If ``"cupy"`` is asked for and CuPy or a GPU is missing.
    """
    if name is None:
        name = os.environ.get("NNLIB_BACKEND", "numpy") or "numpy"
    if isinstance(name, ModuleType):
        name = name.__name__
    key = str(name).strip().lower()
    if key not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    if key == "numpy":
        return np
    cupy = _import_cupy()
    if cupy is not None:
        return cupy
    if key == "auto":
        return np
    raise RuntimeError(
        "backend 'cupy' was asked for, but CuPy is not installed or sees no NVIDIA GPU. "
        "Install the GPU extra (pip install 'nn-scratch-course[gpu]') on a machine with CUDA 12, "
        "or use backend='numpy' (NNLIB_BACKEND=numpy)."
    )


def get_array_module(*arrays: Any) -> ModuleType:
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy``.

    Like ``cupy.get_array_module``, but works when CuPy is not installed.
    """
    for a in arrays:
        if type(a) is np.ndarray:  # the common case, decided without reading a module name
            continue
        if type(a).__module__.startswith("cupy"):
            import cupy

            return cupy
    return np


def synchronize(xp: ModuleType) -> None:
    """Wait until the device has finished all queued work (a no-op for NumPy).

    CuPy launches kernels asynchronously; a timer must wait for them before it stops.
    """
    if xp.__name__ == "cupy":
        xp.cuda.get_current_stream().synchronize()


def to_numpy(a: Any) -> np.ndarray:
    """Return a NumPy copy of ``a`` on the host (``a`` itself when it is already NumPy)."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)


def asarray(a: Any, xp: ModuleType | str | None = None, dtype: Any = None) -> Any:
    """Return ``a`` as an array of the backend ``xp`` (a module or a backend name).

    Moves a NumPy array to the GPU when ``xp`` is CuPy, and a CuPy array to the host when it is
    NumPy; leaves an array already on the right backend and of the right dtype uncopied.
    """
    if xp is None or isinstance(xp, str):
        xp = get_backend(xp)
    if xp is np:
        return np.asarray(to_numpy(a), dtype=dtype)
    return xp.asarray(a, dtype=dtype)
