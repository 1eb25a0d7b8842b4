"""Small helpers for the core tests: random inputs and error thresholds."""

from __future__ import annotations

import os

import numpy as np
import pytest

#: Float64 centred differences agree with a correct backward pass far below this.
GRADCHECK_TOL = 1e-7
#: Two correct float64 implementations agree to rounding error.
ORACLE_TOL = 1e-7

SHAPES = [(1, 1), (1, 7), (4, 3), (16, 10)]


def rand(xp, shape, seed=0, dtype="float64", scale=1.0):
    """A seeded standard-normal array on the backend ``xp``."""
    rng = np.random.default_rng(seed)
    return xp.asarray((scale * rng.standard_normal(shape)).astype(dtype))


def import_torch():
    """PyTorch, the independent oracle: required in CI, skipped elsewhere when missing."""
    if os.environ.get("CI"):
        import torch  # CI installs the dev extra, so a missing torch must fail loudly

        return torch
    return pytest.importorskip("torch")


def assert_close(name, actual, expected, tol):
    """Fail with the quantity's name and the size of its relative error."""
    from nnlib.backend import to_numpy
    from nnlib.gradcheck import relative_error

    actual, expected = to_numpy(actual), to_numpy(expected)
    assert actual.shape == expected.shape, (
        f"{name}: shape {actual.shape}, expected {expected.shape}"
    )
    err = relative_error(actual, expected)
    assert err < tol, f"{name}: relative error {err:.1e}, expected below {tol:.0e}"
    return err
