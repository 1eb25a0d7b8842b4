"""one_hot, standardisation fitted on the training set or per image, and the stratified
validation split."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.preprocessing import (
    fit_standardizer,
    one_hot,
    standardize,
    standardize_images,
    stratified_split_indices,
    train_val_split,
)


def test_one_hot_values(xp):
    """Each row has a single 1, in the column of its label."""
    y = xp.asarray([2, 0, 1, 2])
    Y = one_hot(y, 3)
    assert type(Y) is type(y) and Y.shape == (4, 3) and Y.dtype == np.float32
    expected = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert Y.tolist() == expected
    assert one_hot(y, 4, dtype="float64").dtype == np.float64


@pytest.mark.parametrize(
    ("y", "num_classes", "error", "text"),
    [
        (np.array([0, 3]), 3, ValueError, "labels must lie in 0..2 for num_classes=3; got labels"),
        (np.array([-1, 0]), 3, ValueError, "from -1 to 0"),
        (np.array([0.0, 1.0]), 2, TypeError, "integer array of shape \\(N,\\); got float64"),
        (np.array([[0, 1]]), 2, TypeError, "got int64 array of shape \\(1, 2\\)"),
        ([0, 1], 2, TypeError, "got list"),
        (np.array([0, 1]), 0, ValueError, "at least 1; got 0"),
        (np.array([0, 1]), 2.0, TypeError, "num_classes must be an int"),
    ],
)
def test_one_hot_errors(y, num_classes, error, text):
    """Wrong labels or class counts say what was expected and what was given."""
    with pytest.raises(error, match=text):
        one_hot(y, num_classes)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standardize_uses_training_statistics(xp, dtype):
    """Training features get mean 0 and std 1; other sets are shifted by the same statistics."""
    rng = np.random.default_rng(0)
    X_train = xp.asarray(rng.normal(3.0, 2.0, size=(500, 4)).astype(dtype))
    X_test = xp.asarray(rng.normal(3.0, 2.0, size=(50, 4)).astype(dtype))
    mean, std = fit_standardizer(X_train)
    assert mean.shape == (4,) and std.shape == (4,)
    Z_train, Z_test = standardize(X_train, mean, std), standardize(X_test, mean, std)
    assert Z_train.dtype == np.dtype(dtype) and Z_test.shape == (50, 4)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert float(abs(Z_train.mean(axis=0)).max()) < tol
    assert float(abs(Z_train.std(axis=0) - 1).max()) < tol
    expected = (np.asarray(X_test.tolist()) - np.asarray(mean.tolist())) / np.asarray(std.tolist())
    np.testing.assert_allclose(np.asarray(Z_test.tolist()), expected, rtol=1e-5, atol=1e-6)


def test_standardize_constant_feature_stays_finite():
    """A constant training feature (MNIST's border pixels) is left unscaled, not divided by 0."""
    X_train = np.zeros((10, 2), dtype=np.float32)
    X_train[:, 1] = np.arange(10)
    mean, std = fit_standardizer(X_train)
    assert std[0] == 1.0
    Z = standardize(np.array([[0.5, 4.5]], dtype=np.float32), mean, std)
    assert Z[0, 0] == 0.5 and abs(Z[0, 1]) < 1e-6


def test_standardize_errors():
    """Integer features and statistics of the wrong length are clear errors."""
    with pytest.raises(TypeError, match="float32 or float64; got int64"):
        fit_standardizer(np.ones((3, 2), dtype=np.int64))
    mean, std = fit_standardizer(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"mean must have shape \(3,\) to match X of shape"):
        standardize(np.ones((4, 3)), mean, std)


def test_train_val_split_is_stratified_and_deterministic(xp):
    """Each class keeps its share; every sample lands in exactly one part; the seed decides."""
    y = xp.asarray(np.repeat([0, 1, 2], [50, 30, 20]))
    X = xp.asarray(np.arange(100, dtype=np.float32).reshape(100, 1))
    (X_train, y_train), (X_val, y_val) = train_val_split(X, y, val_fraction=0.2, seed=3)
    assert X_train.shape == (80, 1) and X_val.shape == (20, 1)
    assert np.bincount(np.asarray(y_val.tolist())).tolist() == [10, 6, 4]
    rows = sorted(int(v) for v in np.concatenate([X_train.tolist(), X_val.tolist()]).ravel())
    assert rows == list(range(100))
    # Features stay paired with their labels.
    assert (np.asarray(y.tolist())[np.asarray(X_val.tolist()).ravel().astype(int)]).tolist() == (
        y_val.tolist()
    )
    (_, again), _ = train_val_split(X, y, val_fraction=0.2, seed=3)
    (_, other), _ = train_val_split(X, y, val_fraction=0.2, seed=4)
    assert again.tolist() == y_train.tolist()
    first_a, _ = stratified_split_indices(y, 0.2, seed=3)
    first_b, _ = stratified_split_indices(y, 0.2, seed=4)
    assert first_a.tolist() != first_b.tolist()
    assert sorted(other.tolist()) == sorted(y_train.tolist())


def test_train_val_split_errors():
    """Mismatched rows, a bad fraction, or a split that leaves a part empty are errors."""
    X, y = np.zeros((4, 2)), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"same number of rows; got X of shape \(4, 2\)"):
        train_val_split(X, y[:3])
    with pytest.raises(ValueError, match="strictly between 0 and 1; got 1.0"):
        train_val_split(X, y, val_fraction=1.0)
    with pytest.raises(ValueError, match="both must be non-empty"):
        train_val_split(X, y, val_fraction=0.1)


def test_standardized_images_have_zero_mean_and_unit_spread():
    X = np.random.default_rng(0).random((5, 64)).astype(np.float32) * 3 + 2
    Z = standardize_images(X)
    assert Z.dtype == np.float32 and Z.shape == X.shape
    np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=1), 1, atol=1e-2)


def test_standardization_ignores_brightness_and_contrast():
    """A photo taken brighter or with more contrast standardizes to the same values."""
    X = np.random.default_rng(1).random((1, 16))
    np.testing.assert_allclose(standardize_images(3 * X + 0.5), standardize_images(X), atol=1e-2)


def test_uniform_image_stays_finite():
    assert np.isfinite(standardize_images(np.ones((2, 9)))).all()
