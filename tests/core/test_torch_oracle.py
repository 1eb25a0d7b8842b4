"""nnlib against PyTorch autograd, an independent implementation, in float64."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import ORACLE_TOL, SHAPES, assert_close, import_torch, rand

from nnlib import activations, layers, losses
from nnlib.backend import to_numpy
from nnlib.network import MLP
from nnlib.optim import SGD, Adam

torch = import_torch()


def t(a, grad=False):
    return torch.tensor(to_numpy(a), dtype=torch.float64, requires_grad=grad)


ACTIVATION_CASES = [
    ("sigmoid", activations.sigmoid_forward, activations.sigmoid_backward, torch.sigmoid),
    ("tanh", activations.tanh_forward, activations.tanh_backward, torch.tanh),
    ("relu", activations.relu_forward, activations.relu_backward, torch.relu),
    (
        "leaky_relu",
        activations.leaky_relu_forward,
        activations.leaky_relu_backward,
        lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    ),
]


@pytest.mark.parametrize(
    "name, forward, backward, torch_fn",
    ACTIVATION_CASES,
    ids=lambda c: c if isinstance(c, str) else "",
)
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_pairs_match_torch(xp, name, forward, backward, torch_fn, shape):
    z = rand(xp, shape, seed=5, scale=3.0)
    da = rand(xp, shape, seed=6)
    a, cache = forward(z)
    dz = backward(da, cache)
    z_t = t(z, grad=True)
    a_t = torch_fn(z_t)
    a_t.backward(t(da))
    assert_close(f"{name} a", a, a_t.detach().numpy(), ORACLE_TOL)
    assert_close(f"{name} dz", dz, z_t.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize("shape", SHAPES)
def test_softmax_matches_torch(xp, shape):
    z = rand(xp, shape, seed=7, scale=5.0)
    assert_close("softmax", activations.softmax(z), torch.softmax(t(z), dim=1).numpy(), ORACLE_TOL)


@pytest.mark.parametrize("n, d, m", [(1, 1, 1), (4, 3, 5), (32, 20, 10)])
def test_dense_layer_matches_torch(xp, n, d, m):
    x, W, b, dout = rand(xp, (n, d), 1), rand(xp, (d, m), 2), rand(xp, (m,), 3), rand(xp, (n, m), 4)
    out, cache = layers.dense_forward(x, W, b)
    dx, dW, db = layers.dense_backward(dout, cache)
    x_t, W_t, b_t = t(x, True), t(W, True), t(b, True)
    out_t = x_t @ W_t + b_t
    out_t.backward(t(dout))
    assert_close("out", out, out_t.detach().numpy(), ORACLE_TOL)
    assert_close("dx", dx, x_t.grad.numpy(), ORACLE_TOL)
    assert_close("dW", dW, W_t.grad.numpy(), ORACLE_TOL)
    assert_close("db", db, b_t.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize("n, scale", [(1, 1.0), (10, 3.0), (64, 30.0)])
def test_binary_cross_entropy_matches_torch(xp, n, scale):
    logits = rand(xp, (n, 1), 8, scale=scale)
    y = np.random.default_rng(9).integers(0, 2, n)
    loss, dlogits = losses.binary_cross_entropy(logits, xp.asarray(y))
    z_t = t(logits, True)
    loss_t = torch.nn.functional.binary_cross_entropy_with_logits(
        z_t[:, 0], torch.tensor(y, dtype=torch.float64)
    )
    loss_t.backward()
    assert abs(loss - loss_t.item()) <= ORACLE_TOL * abs(loss_t.item()), (
        f"loss {loss} vs {loss_t.item()}"
    )
    assert_close("dlogits", dlogits, z_t.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize("n, c, scale", [(1, 2, 1.0), (10, 3, 3.0), (64, 10, 30.0)])
def test_softmax_cross_entropy_matches_torch(xp, n, c, scale):
    logits = rand(xp, (n, c), 10, scale=scale)
    y = np.random.default_rng(11).integers(0, c, n)
    loss, dlogits = losses.softmax_cross_entropy(logits, xp.asarray(y))
    z_t = t(logits, True)
    loss_t = torch.nn.functional.cross_entropy(z_t, torch.tensor(y))
    loss_t.backward()
    assert abs(loss - loss_t.item()) <= ORACLE_TOL * abs(loss_t.item()), (
        f"loss {loss} vs {loss_t.item()}"
    )
    assert_close("dlogits", dlogits, z_t.grad.numpy(), ORACLE_TOL)


def torch_twin(model):
    """A PyTorch network with the same architecture and weights as ``model``."""
    act = {
        "relu": torch.nn.ReLU(),
        "tanh": torch.nn.Tanh(),
        "sigmoid": torch.nn.Sigmoid(),
        "leaky_relu": torch.nn.LeakyReLU(0.01),
    }[model.activation]
    modules = []
    for layer in range(1, model.num_layers + 1):
        W = to_numpy(model.params[f"W{layer}"])
        dense = torch.nn.Linear(*W.shape).double()
        with torch.no_grad():
            dense.weight.copy_(torch.tensor(W.T))
            dense.bias.copy_(torch.tensor(to_numpy(model.params[f"b{layer}"])))
        modules += [dense, act] if layer < model.num_layers else [dense]
    return torch.nn.Sequential(*modules)


def torch_loss(net, X, y, binary):
    logits = net(torch.tensor(X))
    if binary:
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits[:, 0], torch.tensor(y, dtype=torch.float64)
        )
    return torch.nn.functional.cross_entropy(logits, torch.tensor(y))


@pytest.mark.parametrize(
    "sizes", [[8, 6, 1], [8, 6, 5, 4]], ids=["binary-1hidden", "4class-2hidden"]
)
def test_mlp_loss_and_grads_match_torch(xp, sizes):
    model = MLP(sizes, activation="tanh", seed=1, dtype="float64", backend=xp.__name__)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((9, sizes[0])), rng.integers(0, max(2, sizes[-1]), 9)
    loss, grads = model.loss_and_grads(X, y)
    net = torch_twin(model)
    loss_t = torch_loss(net, X, y, model.binary)
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-12
    for layer, dense in enumerate(net[::2], start=1):
        assert_close(f"dW{layer}", grads[f"W{layer}"], dense.weight.grad.numpy().T, ORACLE_TOL)
        assert_close(f"db{layer}", grads[f"b{layer}"], dense.bias.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize(
    "make, make_torch",
    [
        (lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda: SGD(0.05, momentum=0.9, weight_decay=1e-3),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3, dampening=0),
        ),
        (lambda: Adam(1e-2), lambda p: torch.optim.Adam(p, lr=1e-2)),
        (
            lambda: Adam(1e-2, weight_decay=1e-2),
            lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-2),
        ),
    ],
    ids=["sgd", "sgd-momentum-decay", "adam", "adam-decay"],
)
def test_optimisers_follow_torch_for_five_steps(xp, make, make_torch):
    model = MLP([5, 4, 3], activation="relu", seed=0, dtype="float64", backend=xp.__name__)
    net = torch_twin(model)
    optimizer, optimizer_t = make(), make_torch(net.parameters())
    rng = np.random.default_rng(3)
    for _ in range(5):
        X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
        _, grads = model.loss_and_grads(X, y)
        optimizer.step(model.params, grads)
        optimizer_t.zero_grad()
        torch_loss(net, X, y, binary=False).backward()
        optimizer_t.step()
    for layer, dense in enumerate(net[::2], start=1):
        assert_close(f"W{layer}", model.params[f"W{layer}"], dense.weight.detach().numpy().T, 1e-10)
        assert_close(f"b{layer}", model.params[f"b{layer}"], dense.bias.detach().numpy(), 1e-10)
