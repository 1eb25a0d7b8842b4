"""Centred-difference gradient checks, in float64, for every backward pass of nnlib."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import GRADCHECK_TOL, SHAPES, assert_close, rand

from nnlib import activations, layers, losses
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.network import MLP

PAIRS = [
    (activations.sigmoid_forward, activations.sigmoid_backward),
    (activations.tanh_forward, activations.tanh_backward),
    (activations.relu_forward, activations.relu_backward),
    (activations.leaky_relu_forward, activations.leaky_relu_backward),
]


@pytest.mark.parametrize("forward, backward", PAIRS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_backward_matches_centred_differences(xp, forward, backward, shape):
    z = rand(xp, shape, seed=1, scale=2.0)
    # Keep ReLU's kink out of reach of the finite-difference step.
    z = xp.where(xp.abs(z) < 1e-3, 0.5, z)
    upstream = rand(xp, shape, seed=2)
    a, cache = forward(z)
    dz = backward(upstream, cache)
    numeric = numerical_gradient(lambda _: float((forward(z)[0] * upstream).sum()), z)
    assert_close(f"{forward.__name__} dz", dz, numeric, GRADCHECK_TOL)


@pytest.mark.parametrize("n, d, m", [(1, 1, 1), (3, 5, 2), (8, 4, 6)])
def test_dense_backward_matches_centred_differences(xp, n, d, m):
    x, W, b = rand(xp, (n, d), 1), rand(xp, (d, m), 2), rand(xp, (m,), 3)
    dout = rand(xp, (n, m), 4)
    _, cache = layers.dense_forward(x, W, b)
    grads = dict(zip(("x", "W", "b"), layers.dense_backward(dout, cache), strict=True))

    def f(_):
        return float((layers.dense_forward(x, W, b)[0] * dout).sum())

    for name, value in (("x", x), ("W", W), ("b", b)):
        numeric = numerical_gradient(f, value)
        assert_close(f"dense d{name}", grads[name], numeric, GRADCHECK_TOL)


@pytest.mark.parametrize("n", [1, 5, 32])
def test_binary_cross_entropy_gradient(xp, n):
    logits = rand(xp, (n, 1), 1, scale=3.0)
    y = xp.asarray(np.random.default_rng(2).integers(0, 2, n))
    _, dlogits = losses.binary_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda _: losses.binary_cross_entropy(logits, y)[0], logits)
    assert_close("binary_cross_entropy dlogits", dlogits, numeric, GRADCHECK_TOL)


@pytest.mark.parametrize("n, c", [(1, 2), (6, 3), (20, 10)])
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy_gradient(xp, n, c, one_hot):
    logits = rand(xp, (n, c), 1, scale=3.0)
    labels = np.random.default_rng(2).integers(0, c, n)
    y = xp.asarray(np.eye(c)[labels] if one_hot else labels)
    _, dlogits = losses.softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda _: losses.softmax_cross_entropy(logits, y)[0], logits)
    assert_close("softmax_cross_entropy dlogits", dlogits, numeric, GRADCHECK_TOL)


@pytest.mark.parametrize(
    "sizes", [[6, 5, 1], [6, 5, 4], [6, 5, 4, 1], [6, 5, 4, 3]], ids=lambda s: "-".join(map(str, s))
)
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_mlp_loss_and_grads_match_centred_differences(xp, sizes, activation):
    """1 and 2 hidden layers, binary and multi-class, every activation."""
    model = MLP(sizes, activation=activation, seed=3, dtype="float64", backend=xp.__name__)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, sizes[0]))
    y = rng.integers(0, max(sizes[-1], 2), 7)
    _, grads = model.loss_and_grads(X, y)
    assert grads.keys() == model.params.keys()
    for name, param in model.params.items():
        numeric = numerical_gradient(lambda _: model.loss_and_grads(X, y)[0], param)
        assert_close(f"d{name}", grads[name], numeric, GRADCHECK_TOL)


def test_gradcheck_detects_a_wrong_gradient():
    """The check itself can fail: a gradient off by a factor 2 is far from 1e-7."""
    x = np.random.default_rng(0).standard_normal(5)
    numeric = numerical_gradient(lambda v: float((v**2).sum()), x)
    assert relative_error(numeric, 2 * x) < 1e-9
    assert relative_error(numeric, 4 * x) > 0.3


def test_loss_and_grads_is_the_composition_of_the_pairs(xp):
    """The network's backward pass is chapter 7's composition of the forward/backward pairs,
    to the last bit, the first layer included (whose dx it leaves out)."""
    model = MLP([5, 4, 3], seed=1, dtype="float64", backend=xp.__name__)
    X, y = rand(xp, (6, 5), 1), xp.asarray(np.random.default_rng(3).integers(0, 3, 6))
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    z1, cache1 = layers.dense_forward(X, W1, b1)
    h, relu_cache = activations.relu_forward(z1)
    logits, cache2 = layers.dense_forward(h, W2, b2)
    loss, dlogits = losses.softmax_cross_entropy(logits, y)
    dh, dW2, db2 = layers.dense_backward(dlogits, cache2)
    _, dW1, db1 = layers.dense_backward(activations.relu_backward(dh, relu_cache), cache1)
    model_loss, grads = model.loss_and_grads(X, y)
    assert model_loss == loss
    for name, expected in {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.items():
        xp.testing.assert_array_equal(grads[name], expected, err_msg=name)
