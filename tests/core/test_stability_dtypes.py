"""Large logits, dtype preservation and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import activations, layers, losses
from nnlib.backend import to_numpy
from nnlib.network import MLP
from nnlib.optim import SGD, Adam

DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_softmax_are_finite_and_exact_for_huge_logits(xp, dtype):
    z = xp.asarray(np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype))
    a, _ = activations.sigmoid_forward(z)
    np.testing.assert_allclose(
        to_numpy(a), [[0.0, np.exp(-50.0), 0.5, 1.0, 1.0]], rtol=1e-6, atol=0
    )
    p = activations.softmax(z)
    assert np.isfinite(to_numpy(p)).all()
    np.testing.assert_allclose(to_numpy(p), [[0, 0, 0, 0, 1]], atol=1e-30)
    p2 = activations.softmax(xp.asarray(np.array([[1e4, 1e4, -1e4]], dtype=dtype)))
    np.testing.assert_allclose(to_numpy(p2), [[0.5, 0.5, 0.0]], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_exact_for_huge_logits(xp, dtype):
    logits = xp.asarray(np.array([[1e4], [-1e4], [1e4], [-1e4]], dtype=dtype))
    y = xp.asarray(np.array([1, 0, 0, 1]))
    loss, dlogits = losses.binary_cross_entropy(logits, y)
    # Two confident right answers cost 0, two confident wrong ones cost 1e4 each.
    assert loss == pytest.approx(2e4 / 4, rel=1e-6)
    np.testing.assert_allclose(to_numpy(dlogits), [[0], [0], [0.25], [-0.25]], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_exact_for_huge_logits(xp, dtype):
    logits = xp.asarray(np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4]], dtype=dtype))
    loss, dlogits = losses.softmax_cross_entropy(logits, xp.asarray(np.array([0, 2])))
    assert loss == pytest.approx(2e4 / 2, rel=1e-6)
    assert np.isfinite(to_numpy(dlogits)).all()
    np.testing.assert_allclose(to_numpy(dlogits), [[0, 0, 0], [0.5, 0, -0.5]], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_function_keeps_the_dtype(xp, dtype):
    z = xp.asarray(np.random.default_rng(0).standard_normal((4, 3)).astype(dtype))
    for forward, backward in activations.ACTIVATIONS.values():
        a, cache = forward(z)
        assert a.dtype == dtype and backward(z, cache).dtype == dtype, forward.__name__
    assert activations.softmax(z).dtype == dtype
    W, b = xp.ones((3, 2), dtype=dtype), xp.zeros(2, dtype=dtype)
    out, cache = layers.dense_forward(z, W, b)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in layers.dense_backward(out, cache))
    _, d = losses.softmax_cross_entropy(z, xp.asarray(np.array([0, 1, 2, 0])))
    assert d.dtype == dtype
    _, d = losses.binary_cross_entropy(z[:, :1], xp.asarray(np.array([0, 1, 1, 0])))
    assert d.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make_optimizer", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(1e-3)])
def test_training_keeps_the_model_dtype_and_backend(xp, dtype, make_optimizer):
    model = MLP([6, 5, 3], dtype=dtype, backend=xp.__name__)
    optimizer = make_optimizer()
    X = np.random.default_rng(0).standard_normal((10, 6))  # float64 NumPy input on purpose
    y = np.arange(10) % 3
    for _ in range(3):
        _, grads = model.loss_and_grads(X, y)
        optimizer.step(model.params, grads)
    for name, value in model.params.items():
        assert value.dtype == dtype, name
        assert type(value).__module__.split(".")[0] == xp.__name__, name
    assert model.forward(X).dtype == dtype


def _train(backend, seed):
    model = MLP([6, 8, 3], seed=seed, backend=backend)
    optimizer = Adam(1e-2)
    rng = np.random.default_rng(0)
    for _ in range(5):
        X, y = rng.standard_normal((16, 6)).astype("float32"), rng.integers(0, 3, 16)
        _, grads = model.loss_and_grads(X, y)
        optimizer.step(model.params, grads)
    return {k: to_numpy(v) for k, v in model.params.items()}


def test_same_seed_gives_bit_identical_parameters(xp):
    first, second = _train(xp.__name__, seed=7), _train(xp.__name__, seed=7)
    for name in first:
        assert np.array_equal(first[name], second[name]), name
    other = _train(xp.__name__, seed=8)
    assert not np.array_equal(first["W1"], other["W1"])


def test_initial_weights_are_identical_on_every_backend(xp):
    reference = MLP([10, 7, 2], seed=3, backend="numpy")
    model = MLP([10, 7, 2], seed=3, backend=xp.__name__)
    for name in reference.params:
        assert np.array_equal(to_numpy(model.params[name]), reference.params[name]), name


def test_he_initialisation_has_the_right_scale():
    model = MLP([784, 1000, 10], seed=0, dtype="float64")
    assert np.std(model.params["W1"]) == pytest.approx(np.sqrt(2 / 784), rel=0.01)
    tanh_model = MLP([784, 1000, 10], activation="tanh", seed=0, dtype="float64")
    assert np.std(tanh_model.params["W1"]) == pytest.approx(np.sqrt(2 / 1784), rel=0.01)
