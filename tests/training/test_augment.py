"""Tests of nnlib.augment: shifted copies of images."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.augment import random_shifts


def test_random_shifts_moves_whole_images():
    """Each copy is its original moved by at most max_shift pixels, with edges repeated."""
    rng = np.random.default_rng(0)
    images = rng.random((3, 8, 8))
    X_aug, y_aug = random_shifts(
        images.reshape(3, 64), np.array([0, 1, 1]), (8, 8), copies=2, max_shift=2, seed=0
    )
    assert X_aug.shape == (9, 64) and list(y_aug) == [0, 1, 1] * 3
    np.testing.assert_array_equal(X_aug[:3], images.reshape(3, 64))
    for k in range(3, 9):
        original = images[k % 3]
        shifted = X_aug[k].reshape(8, 8)
        padded = np.pad(original, 2, mode="edge")
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(shifted, padded[2 - dy : 10 - dy, 2 - dx : 10 - dx])
        ]
        assert matches, f"copy {k} is not a shift of image {k % 3} by at most 2 pixels"


def test_random_shift_direction():
    """A single bright pixel moves by the drawn shift; zero max_shift changes nothing."""
    X = np.zeros((1, 25))
    X[0, 12] = 1  # the centre of a 5x5 image
    X_aug, _ = random_shifts(X, np.zeros(1), (5, 5), copies=20, max_shift=1, seed=3)
    positions = {divmod(int(np.argmax(row)), 5) for row in X_aug[1:]}
    assert positions <= {(i, j) for i in (1, 2, 3) for j in (1, 2, 3)}
    assert len(positions) > 3, "the shifts should vary"
    same, _ = random_shifts(X, np.zeros(1), (5, 5), copies=2, max_shift=0)
    np.testing.assert_array_equal(same, np.repeat(X, 3, axis=0))


def test_random_shifts_checks_its_arguments():
    with pytest.raises(ValueError, match=r"\(N, 16\)"):
        random_shifts(np.zeros((2, 15)), np.zeros(2), (4, 4), copies=1, max_shift=1)
    with pytest.raises(ValueError, match="labels"):
        random_shifts(np.zeros((2, 16)), np.zeros(3), (4, 4), copies=1, max_shift=1)
    with pytest.raises(ValueError, match=">= 0"):
        random_shifts(np.zeros((2, 16)), np.zeros(2), (4, 4), copies=-1, max_shift=1)
