"""The CNN model: its gradients (centred differences, PyTorch), its interface with fit and
evaluate, saving and loading, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import GRADCHECK_TOL, ORACLE_TOL, assert_close, import_torch, rand

from nnlib.backend import to_numpy
from nnlib.cnn import CNN
from nnlib.gradcheck import numerical_gradient
from nnlib.network import MLP
from nnlib.optim import SGD
from nnlib.training import evaluate, fit

# input shape, channels, hidden, classes, activation
NETWORKS = [
    ((1, 8, 8), (3,), (), 4, "relu"),
    ((2, 8, 6), (3, 4), (5,), 3, "relu"),
    ((1, 9, 9), (2, 3), (), 1, "tanh"),
]


def _batch(xp, model, n=3, seed=0):
    X = rand(xp, (n, int(np.prod(model.input_shape))), seed)
    y = np.random.default_rng(seed + 1).integers(0, max(2, model.classes), n)
    return X, xp.asarray(y)


@pytest.mark.parametrize("shape, channels, hidden, classes, activation", NETWORKS)
def test_loss_and_grads_match_centred_differences(xp, shape, channels, hidden, classes, activation):
    model = CNN(
        shape, channels, classes, hidden=hidden, activation=activation, seed=1, dtype="float64",
        backend=xp.__name__,
    )  # fmt: skip
    X, y = _batch(xp, model)
    loss, grads = model.loss_and_grads(X, y)
    assert list(grads) == list(model.params)
    for name, value in model.params.items():
        numeric = numerical_gradient(lambda _: model.loss_and_grads(X, y)[0], value)
        assert_close(f"CNN d{name}", grads[name], numeric, GRADCHECK_TOL)


def test_loss_and_grads_match_torch():
    """The same network built from torch.nn.functional gives the same loss and gradients."""
    torch = import_torch()
    F = torch.nn.functional
    model = CNN((1, 12, 12), (4, 6), 5, hidden=(7,), seed=3, dtype="float64")
    X, y = _batch(np, model, n=6, seed=4)
    loss, grads = model.loss_and_grads(X, y)
    p = {name: torch.tensor(to_numpy(v), requires_grad=True) for name, v in model.params.items()}
    h = torch.tensor(X).reshape(6, 1, 12, 12)
    for layer in (1, 2):
        h = F.max_pool2d(F.relu(F.conv2d(h, p[f"W{layer}"], p[f"b{layer}"], padding=1)), 2)
    h = F.relu(h.flatten(1) @ p["W3"] + p["b3"])
    loss_t = F.cross_entropy(h @ p["W4"] + p["b4"], torch.tensor(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    for name, tensor in p.items():
        assert_close(f"CNN d{name}", grads[name], tensor.grad.numpy(), ORACLE_TOL)


def test_images_as_rows_or_as_arrays_give_the_same_logits():
    model = CNN((2, 6, 4), (3,), 5, seed=2)
    X = rand(np, (3, 48), 1, "float32")
    np.testing.assert_array_equal(model.forward(X), model.forward(X.reshape(3, 2, 6, 4)))
    assert model.forward(X).shape == (3, 5) and model.predict(X).shape == (3,)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)


def test_layer_sizes_describe_the_flat_vectors():
    model = CNN((1, 32, 32), (8, 16), 10, hidden=(64,))
    assert model.flat_features == 16 * 8 * 8
    assert model.layer_sizes == [1024, 1024, 64, 10]
    assert model.params["W1"].shape == (8, 1, 3, 3) and model.params["W2"].shape == (16, 8, 3, 3)
    assert model.params["W3"].shape == (1024, 64) and model.params["W4"].shape == (64, 10)


def test_fit_and_evaluate_train_a_cnn(xp):
    """On images whose class is where a bright square is, a few epochs of fit learn the task."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 256)
    X = rng.normal(0, 0.1, (256, 1, 8, 8)).astype("float32")
    for n, label in enumerate(y):
        row, col = divmod(int(label), 2)
        X[n, 0, 4 * row : 4 * row + 4, 4 * col : 4 * col + 4] += 1.0
    X = X.reshape(256, 64)
    model = CNN((1, 8, 8), (4,), 4, seed=0, backend=xp.__name__)
    before = evaluate(model, X, y)
    history = fit(model, X, y, epochs=5, batch_size=32, optimizer=SGD(0.05, 0.9), progress=False)
    after = evaluate(model, X, y)
    assert history.epochs == 5
    assert after["loss"] < before["loss"] / 4 and after["accuracy"] > 0.95, (before, after)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_and_load_keep_the_network(tmp_path, dtype):
    model = CNN((1, 8, 8), (2, 3), 4, hidden=(5,), activation="tanh", seed=7, dtype=dtype)
    X = rand(np, (2, 64), 1, dtype)
    path = tmp_path / "cnn.npz"
    model.save(path)
    again = CNN.load(path)
    assert again.config() == model.config()
    np.testing.assert_array_equal(again.forward(X), model.forward(X))
    assert not list(tmp_path.glob(".*")), "a temporary file was left beside the model"


def test_load_refuses_what_is_not_a_saved_cnn(tmp_path):
    MLP([4, 3, 2]).save(tmp_path / "mlp.npz")
    with pytest.raises(ValueError, match="not a network saved by CNN.save"):
        CNN.load(tmp_path / "mlp.npz")
    model = CNN((1, 8, 8), (2,), 4)
    model.save(tmp_path / "cnn.npz")
    with np.load(tmp_path / "cnn.npz") as data:
        arrays = dict(data)
    arrays["W1"] = arrays["W1"][:1]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(
        ValueError, match=r"W1 .*shape \(1, 1, 3, 3\); expected shape \(2, 1, 3, 3\)"
    ):
        CNN.load(tmp_path / "bad.npz")


def test_bad_arguments_and_inputs_say_what_was_expected():
    with pytest.raises(ValueError, match=r"input_shape must be \(C, H, W\)"):
        CNN((32, 32))
    with pytest.raises(ValueError, match="at least 8x8"):
        CNN((1, 7, 9), channels=(2, 2, 2))
    with pytest.raises(ValueError, match="odd"):
        CNN((1, 8, 8), kernel_size=4)
    with pytest.raises(ValueError, match="activation"):
        CNN((1, 8, 8), activation="swish")
    with pytest.raises(ValueError, match="channels"):
        CNN((1, 8, 8), channels=())
    model = CNN((1, 8, 8), (2,), 3)
    with pytest.raises(
        ValueError, match=r"\(N, 64\) flattened images or \(N, 1, 8, 8\).*\(2, 63\)"
    ):
        model.forward(np.zeros((2, 63), dtype="float32"))


def test_a_large_batch_goes_through_in_chunks_with_the_same_logits():
    from nnlib import cnn

    model = CNN((1, 8, 8), (2,), 3, dtype="float64")
    X = rand(np, (cnn.FORWARD_CHUNK + 5, 64), 1)
    logits = model.forward(X)
    assert logits.shape == (cnn.FORWARD_CHUNK + 5, 3)
    np.testing.assert_allclose(logits[-5:], model.forward(X[-5:]), rtol=1e-12)
    np.testing.assert_allclose(logits[:7], model.forward(X[:7]), rtol=1e-12)
