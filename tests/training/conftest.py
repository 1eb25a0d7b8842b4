"""Data shared by the training tests: small slices of the genuine datasets, loaded once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def mnist_small(data_mirror):
    """2000 MNIST training and 1000 test samples: ((X_train, y_train), (X_test, y_test))."""
    from nnlib.datasets import load_mnist

    (X_train, y_train), (X_test, y_test) = load_mnist()
    return (X_train[:2000], y_train[:2000]), (X_test[:1000], y_test[:1000])


@pytest.fixture(scope="session")
def signs_0_1(data_mirror):
    """The sign digits 0 and 1, split as ``load_sign_digits`` splits them."""
    from nnlib.datasets import load_sign_digits

    return load_sign_digits((0, 1))
