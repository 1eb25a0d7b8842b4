"""The genuine datasets, read through ``NNLIB_DATA_MIRROR``: shapes, dtypes, values, labels."""

from __future__ import annotations

import numpy as np
import pytest
from datatools import snapshot

from nnlib.datasets import load_mnist, load_sign_digits
from nnlib.datasets.fetch import DatasetError
from nnlib.datasets.mnist import parse_idx

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
SIGN_COUNTS = [205, 206, 206, 206, 207, 207, 207, 206, 208, 204]


@pytest.fixture(scope="module")
def mnist(data_mirror):
    """MNIST as the course loads it (cached in the session's data folder after the first load)."""
    return load_mnist()


def test_mnist_shapes_dtypes_and_values(mnist):
    """60,000 + 10,000 float32 rows of 784 pixels in [0, 1], int64 labels."""
    (X_train, y_train), (X_test, y_test) = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    # The mean pixel of MNIST's training set is the well-known 0.1307.
    assert abs(float(X_train.mean()) - 0.1307) < 1e-4


def test_mnist_labels(mnist):
    """The label counts and first labels of the genuine files."""
    (_, y_train), (_, y_test) = mnist
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_mnist_raw_and_unflattened(mnist):
    """normalize=False, flatten=False, dtype=uint8 gives the raw 28x28 pixels."""
    (X_raw, _), _ = load_mnist(normalize=False, flatten=False, dtype="uint8")
    assert X_raw.shape == (60000, 28, 28) and X_raw.dtype == np.uint8
    (X_train, _), _ = mnist
    assert np.array_equal(X_raw.reshape(60000, -1).astype(np.float32) / np.float32(255), X_train)
    (X64, _), _ = load_mnist(dtype="float64")
    assert X64.dtype == np.float64 and X64.max() == 1.0


def test_mnist_normalize_needs_a_float_dtype():
    """Asking for uint8 pixels scaled to [0, 1] is a clear error."""
    with pytest.raises(ValueError, match="normalize=True needs a float dtype"):
        load_mnist(dtype="uint8")


def test_parse_idx_rejects_bad_magic_and_length():
    """The IDX parser checks the magic number and that the data fills the stated shape."""
    header = (2051).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in (2, 2, 2))
    images = parse_idx(header + bytes(range(8)), 3)
    assert images.shape == (2, 2, 2) and images[1, 1, 1] == 7
    with pytest.raises(DatasetError, match="magic number 2051, expected 2049"):
        parse_idx(header + bytes(8), 1)
    with pytest.raises(DatasetError, match="expected 24 for shape"):
        parse_idx(header + bytes(7), 3)


@pytest.fixture(scope="module")
def signs_all(data_mirror):
    """All ten digits with the default size, split and seed."""
    return load_sign_digits(None)


def test_sign_digits_all_ten(signs_all):
    """2,062 photos as float32 rows of 64 * 64 pixels in [0, 1], with the known class counts."""
    (X_train, y_train), (X_test, y_test) = signs_all
    assert X_train.shape[1] == X_test.shape[1] == 64 * 64
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == SIGN_COUNTS
    for X in (X_train, X_test):
        assert 0.0 <= X.min() and X.max() <= 1.0 and X.std() > 0.1


def test_sign_digits_split_is_stratified(signs_all):
    """Each digit puts round(0.2 * its count) photos in the test set."""
    (_, y_train), (_, y_test) = signs_all
    assert np.bincount(y_test).tolist() == [round(0.2 * n) for n in SIGN_COUNTS]
    assert np.bincount(y_train).tolist() == [n - round(0.2 * n) for n in SIGN_COUNTS]


def test_sign_digits_binary_labels(signs_all):
    """digits=(0, 8): y = 1 for the eights (208 photos), 0 for the zeros (205)."""
    (X_train, y_train), (X_test, y_test) = load_sign_digits((0, 8))
    y = np.concatenate([y_train, y_test])
    assert np.bincount(y).tolist() == [205, 208]
    # The same photos as the all-digits load, relabelled: compare the sets of rows.
    (X_all, y_all), (X_all_test, y_all_test) = signs_all
    pool = {row.tobytes(): digit for row, digit in zip(X_all, y_all, strict=True)}
    pool.update({row.tobytes(): d for row, d in zip(X_all_test, y_all_test, strict=True)})
    for row, label in zip(X_train, y_train, strict=True):
        assert pool[row.tobytes()] == (8 if label == 1 else 0)


def test_sign_digits_split_depends_only_on_seed():
    """The same seed gives the same split, another seed a different one."""
    (X_a, y_a), _ = load_sign_digits((2, 3), seed=1)
    (X_b, y_b), _ = load_sign_digits((2, 3), seed=1)
    (X_c, _), _ = load_sign_digits((2, 3), seed=2)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    assert not np.array_equal(X_a, X_c)


def test_sign_digits_image_size_and_shape(data_mirror):
    """image_size=32 and flatten=False give (N, 32, 32) images; float64 on request."""
    (X_train, _), (X_test, _) = load_sign_digits(
        (4, 5), image_size=32, flatten=False, dtype="float64", test_fraction=0.25
    )
    assert X_train.shape == (2 * 155, 32, 32) and X_test.shape == (2 * 52, 32, 32)
    assert X_train.dtype == np.float64


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"digits": (1, 1)}, ValueError, "two different digits"),
        ({"digits": (0, 10)}, ValueError, "two different digits"),
        ({"digits": 3}, ValueError, "got 3"),
        ({"image_size": 0}, ValueError, "image_size must be in 1..512; got 0"),
        ({"image_size": 6.4}, TypeError, "image_size must be an int"),
        ({"test_fraction": 1.5}, ValueError, "strictly between 0 and 1; got 1.5"),
        ({"dtype": "int32"}, ValueError, "float dtype"),
    ],
)
def test_sign_digits_argument_errors(kwargs, error, text):
    """Bad arguments say what was expected and what was given, before any file is read."""
    with pytest.raises(error, match=text):
        load_sign_digits(**kwargs)


def test_cached_load_needs_no_raw_file(data_mirror, tmp_path, monkeypatch):
    """Once the arrays are cached, loading works with an empty mirror and leaves it untouched."""
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "cache"))
    before = snapshot(data_mirror)
    first = load_sign_digits((6, 7))
    assert snapshot(data_mirror) == before
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    monkeypatch.setenv("NNLIB_DATA_MIRROR", str(empty))
    second = load_sign_digits((6, 7))
    for a, b in zip(first, second, strict=True):
        for array_a, array_b in zip(a, b, strict=True):
            np.testing.assert_array_equal(array_a, array_b)
    with pytest.raises(DatasetError, match="is not in the mirror"):
        load_sign_digits((6, 7), image_size=16)
