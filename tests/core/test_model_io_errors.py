"""MLP predictions, save/load, backend choice, and the messages of user errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import activations, backend, layers, losses
from nnlib.backend import to_numpy
from nnlib.network import MLP
from nnlib.optim import SGD


def test_predict_and_predict_proba_agree(xp):
    X = np.random.default_rng(0).standard_normal((12, 4)).astype("float32")
    multi = MLP([4, 6, 3], backend=xp.__name__)
    probs = to_numpy(multi.predict_proba(X))
    assert probs.shape == (12, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    assert np.array_equal(to_numpy(multi.predict(X)), probs.argmax(axis=1))
    binary = MLP([4, 6, 1], backend=xp.__name__)
    p = to_numpy(binary.predict_proba(X))
    assert p.shape == (12,)
    assert np.array_equal(to_numpy(binary.predict(X)), (p > 0.5).astype(int))


def test_save_load_round_trip(tmp_path, xp):
    model = MLP([5, 4, 3, 2], activation="tanh", seed=4, dtype="float64", backend=xp.__name__)
    SGD(0.5).step(model.params, model.loss_and_grads(np.ones((3, 5)), np.array([0, 1, 1]))[1])
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = MLP.load(path, backend=xp.__name__)
    assert loaded.layer_sizes == [5, 4, 3, 2] and loaded.activation == "tanh"
    assert loaded.dtype == "float64"
    for name in model.params:
        assert np.array_equal(to_numpy(loaded.params[name]), to_numpy(model.params[name])), name
    X = np.random.default_rng(1).standard_normal((6, 5))
    assert np.array_equal(to_numpy(loaded.forward(X)), to_numpy(model.forward(X)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temporary left


def test_load_rejects_a_file_that_is_not_a_model(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a model saved by MLP.save"):
        MLP.load(path)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: layers.dense_forward(np.ones((2, 4)), np.ones((5, 3)), np.ones(3)),
            ValueError,
            r"dense_forward: W has shape \(5, 3\) but x has 4 features; W must be \(4, M\)",
        ),
        (
            lambda: layers.dense_forward(np.ones((2, 4)), np.ones((4, 3)), np.ones(2)),
            ValueError,
            r"dense_forward: b has shape \(2,\) but W has 3 units; b must be \(3,\)",
        ),
        (
            lambda: layers.dense_forward(np.ones(4), np.ones((4, 3)), np.ones(3)),
            ValueError,
            r"dense_forward: x must be \(N, D\); got shape \(4,\)",
        ),
        (  # each of these passes a quick test of the common case, then fails the full one
            lambda: layers.dense_forward(
                np.ones((2, 4), "float32"), np.ones((4, 3)), np.ones(3, "float32")
            ),
            TypeError,
            r"dense_forward: x, W and b must share one dtype; got x float32, W float64, b float32",
        ),
        (
            lambda: layers.dense_forward(
                np.ones((2, 4), "float16"), np.ones((4, 3), "float16"), np.ones(3, "float16")
            ),
            TypeError,
            r"dense_forward: x must have dtype float32 or float64; got float16",
        ),
        (
            lambda: layers.dense_forward(np.ones((2, 4)), np.ones((4, 3)), np.ones((1, 3))),
            ValueError,
            r"dense_forward: b must be \(N,\); got shape \(1, 3\)",
        ),
        (
            lambda: activations.relu_forward(np.ma.masked_array(np.arange(4))),
            TypeError,
            r"relu_forward: z must have dtype float32 or float64; got int64",
        ),
        (
            lambda: layers.dense_backward(np.ones((2, 2)), (np.ones((2, 4)), np.ones((4, 3)))),
            ValueError,
            r"dense_backward: dout must be \(N, M\) = \(2, 3\); got \(2, 2\)",
        ),
        (
            lambda: activations.relu_forward(np.arange(4)),
            TypeError,
            r"relu_forward: z must have dtype float32 or float64; got int64",
        ),
        (
            lambda: activations.softmax([1.0, 2.0]),
            TypeError,
            r"softmax: z must be a NumPy or CuPy array; got list",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 4, 1])),
            ValueError,
            r"softmax_cross_entropy: labels must be in 0..3 for 4 classes; found 4",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 1])),
            ValueError,
            r"softmax_cross_entropy: y must be class indices \(3,\) or one-hot \(3, 4\); got \(2,\)",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.zeros((2, 4)), np.array([0.0, 1.0])),
            TypeError,
            r"class indices y must be integers; got dtype float64",
        ),
        (
            lambda: losses.binary_cross_entropy(np.zeros((3, 1)), np.array([0, 2, 1])),
            ValueError,
            r"binary_cross_entropy: labels y must be 0 or 1; found 2",
        ),
        (
            lambda: losses.binary_cross_entropy(np.zeros((3, 2)), np.array([0, 1, 1])),
            ValueError,
            r"binary_cross_entropy: logits must be \(N, 1\) for one output unit; got \(3, 2\)",
        ),
        (
            lambda: MLP([4, 3, 2]).forward(np.ones((5, 3))),
            ValueError,
            r"MLP: X must be \(N, 4\); got shape \(5, 3\)",
        ),
        (lambda: MLP([4]), ValueError, r"layer_sizes must be at least two positive integers"),
        (lambda: MLP([4, 2], activation="swish"), ValueError, r"activation must be one of"),
        (
            lambda: MLP([4, 2], dtype="int32"),
            ValueError,
            r"dtype must be 'float32' or 'float64'; got 'int32'",
        ),
        (lambda: SGD(lr=-1), ValueError, r"SGD: lr must be positive; got -1"),
        (
            lambda: backend.get_backend("torch"),
            ValueError,
            r"backend must be one of numpy, cupy, auto; got 'torch'",
        ),
    ],
)
def test_errors_say_what_was_expected_and_what_was_given(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_labels_out_of_range_in_a_model():
    with pytest.raises(ValueError, match="labels must be in 0..2 for 3 classes; found 3"):
        MLP([2, 3]).loss_and_grads(np.ones((2, 2)), np.array([0, 3]))


def test_backend_from_environment(monkeypatch):
    monkeypatch.setenv("NNLIB_BACKEND", "numpy")
    assert backend.get_backend() is np
    assert MLP([2, 2]).backend == "numpy"
    monkeypatch.setenv("NNLIB_BACKEND", "auto")
    assert backend.get_backend().__name__ in backend.available_backends()
    monkeypatch.delenv("NNLIB_BACKEND")
    assert backend.get_backend() is np


def test_missing_cupy_is_a_clear_error(monkeypatch):
    if "cupy" in backend.available_backends():
        pytest.skip("CuPy works here: the missing-CuPy message cannot be provoked")
    with pytest.raises(RuntimeError, match="CuPy is not installed or sees no NVIDIA GPU"):
        backend.get_backend("cupy")
    monkeypatch.setenv("NNLIB_BACKEND", "cupy")
    with pytest.raises(RuntimeError, match="nn-scratch-course\\[gpu\\]"):
        MLP([2, 2])


def test_array_module_and_host_copies(xp):
    a = xp.ones(3, dtype="float32")
    assert backend.get_array_module(a) is xp
    assert backend.get_array_module(np.ones(2), a) is xp
    host = backend.to_numpy(a)
    assert isinstance(host, np.ndarray) and host.dtype == np.float32
    assert backend.asarray(host, xp.__name__).__class__ is a.__class__
