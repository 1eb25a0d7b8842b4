"""Dropout, the L2 penalty and batch normalization: float64 gradient checks, PyTorch as the
oracle of batch normalization (forward, backward and running statistics), and dropout's
contract (PyTorch's p, inverted scaling, identity in evaluation)."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import GRADCHECK_TOL, ORACLE_TOL, assert_close, import_torch, rand

from nnlib.backend import to_numpy
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.network import MLP
from nnlib.normalization import batchnorm_backward, batchnorm_forward
from nnlib.optim import SGD
from nnlib.regularization import dropout_backward, dropout_forward, l2_penalty


def _generator(xp, seed):
    return xp.random.default_rng(seed)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_gradient_check_with_a_fixed_mask(xp, p):
    x, G = rand(xp, (6, 5), seed=1), rand(xp, (6, 5), seed=2)

    def loss(v):
        out, _ = dropout_forward(xp.asarray(v), p, rng=_generator(xp, 7))
        return float((out * G).sum())

    _, cache = dropout_forward(x, p, rng=_generator(xp, 7))
    dx = dropout_backward(G, cache)
    numeric = numerical_gradient(loss, to_numpy(x).copy())
    assert relative_error(numeric, to_numpy(dx)) < GRADCHECK_TOL


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout_drops_a_share_p_and_scales_the_rest(xp, dtype, p):
    x = rand(xp, (200, 300), seed=3, dtype=dtype)
    out, (mask, scale) = dropout_forward(x, p, rng=_generator(xp, 0))
    assert out.dtype == x.dtype
    kept = to_numpy(mask)
    assert abs(kept.mean() - (1 - p)) < 0.01  # 60,000 draws: 4 standard errors
    expected = np.where(kept, to_numpy(x) / (1 - p), 0)
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-6 if dtype == "float32" else 1e-12)
    assert scale == pytest.approx(1 / (1 - p))


def test_dropout_in_evaluation_and_at_the_ends_of_p(xp):
    x = rand(xp, (4, 3), seed=4)
    for out, cache in (dropout_forward(x, 0.5, train=False), dropout_forward(x, 0.0)):
        assert out is x and cache is None
        assert dropout_backward(x, cache) is x
    out, cache = dropout_forward(x, 1.0, rng=_generator(xp, 0))
    assert not to_numpy(out).any() and not to_numpy(dropout_backward(x, cache)).any()
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]; got 1.5"):
        dropout_forward(x, 1.5)


def test_dropout_keeps_each_units_expected_value():
    """The point of the inverted scaling: averaged over many masks, the output is the input."""
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    rng = np.random.default_rng(5)
    mean = np.mean([dropout_forward(x, 0.5, rng=rng)[0] for _ in range(20000)], axis=0)
    np.testing.assert_allclose(mean, x, atol=0.05)


def test_l2_penalty_value_gradient_and_weight_decay():
    rng = np.random.default_rng(6)
    params = {
        "W1": rng.standard_normal((4, 3)),
        "b1": rng.standard_normal(3),
        "W2": rng.standard_normal((3, 2)),
        "b2": rng.standard_normal(2),
    }
    lam = 0.3
    penalty, grads = l2_penalty(params, lam)
    weights = np.concatenate([params["W1"].ravel(), params["W2"].ravel()])
    assert penalty == pytest.approx(0.5 * lam * np.dot(weights, weights))
    for key, value in params.items():
        numeric = numerical_gradient(
            lambda v, key=key: l2_penalty({**params, key: v}, lam)[0], value.copy()
        )
        if key.startswith("b"):
            assert not grads[key].any() and np.abs(numeric).max() < 1e-9
        else:
            assert relative_error(numeric, grads[key]) < GRADCHECK_TOL
    # for plain SGD, the penalty's gradient is weight decay of the weights: the same step for
    # every weight; SGD's weight_decay decays the biases too (as PyTorch's), the penalty not
    loss_grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    penalised = {k: v.copy() for k, v in params.items()}
    SGD(0.1).step(penalised, {k: loss_grads[k] + grads[k] for k in params})
    decayed = {k: v.copy() for k, v in params.items()}
    SGD(0.1, weight_decay=lam).step(decayed, loss_grads)
    for key in ("W1", "W2"):
        np.testing.assert_allclose(penalised[key], decayed[key], rtol=1e-12)
        np.testing.assert_allclose(
            decayed[key], (1 - 0.1 * lam) * params[key] - 0.1 * loss_grads[key]
        )
    for key in ("b1", "b2"):
        np.testing.assert_allclose(penalised[key], params[key] - 0.1 * loss_grads[key])
        np.testing.assert_allclose(
            decayed[key], (1 - 0.1 * lam) * params[key] - 0.1 * loss_grads[key]
        )
    with pytest.raises(ValueError, match="lam must be >= 0"):
        l2_penalty(params, -1)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("n, d", [(3, 2), (5, 3), (16, 7)])
def test_batchnorm_gradient_check(xp, train, n, d):
    x, G = rand(xp, (n, d), seed=8, scale=3.0), rand(xp, (n, d), seed=9)
    gamma, beta = rand(xp, (d,), seed=10), rand(xp, (d,), seed=11)
    running = {"mean": rand(xp, (d,), seed=12), "var": xp.abs(rand(xp, (d,), seed=13)) + 0.5}

    def loss(x_, gamma_, beta_):
        stats = {k: v.copy() for k, v in running.items()}
        out, _ = batchnorm_forward(
            xp.asarray(x_), xp.asarray(gamma_), xp.asarray(beta_), train=train, running=stats
        )
        return float((out * G).sum())

    _, cache = batchnorm_forward(
        x, gamma, beta, train=train, running={k: v.copy() for k, v in running.items()}
    )
    dx, dgamma, dbeta = batchnorm_backward(G, cache)
    host = [to_numpy(a).copy() for a in (x, gamma, beta)]
    for i, (name, analytic) in enumerate([("dx", dx), ("dgamma", dgamma), ("dbeta", dbeta)]):

        def f(v, i=i):
            args = list(host)
            args[i] = v
            return loss(*args)

        error = relative_error(numerical_gradient(f, host[i].copy()), to_numpy(analytic))
        assert error < GRADCHECK_TOL, f"{name}: relative error {error:.1e}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batchnorm_matches_torch_in_training_and_evaluation(xp, dtype):
    """Outputs, gradients and PyTorch's running statistics, over three training steps and
    one evaluation."""
    torch = import_torch()
    tdtype = getattr(torch, dtype)
    tol = ORACLE_TOL if dtype == "float64" else 1e-5
    d = 6
    gamma, beta = rand(xp, (d,), seed=20, dtype=dtype), rand(xp, (d,), seed=21, dtype=dtype)
    running: dict = {}
    t_mean, t_var = torch.zeros(d, dtype=tdtype), torch.ones(d, dtype=tdtype)
    for step in range(4):
        train = step < 3
        x = rand(xp, (10, d), seed=30 + step, dtype=dtype, scale=2.0) + 1.0
        G = rand(xp, (10, d), seed=40 + step, dtype=dtype)
        out, cache = batchnorm_forward(x, gamma, beta, train=train, running=running, momentum=0.2)
        dx, dgamma, dbeta = batchnorm_backward(G, cache)
        assert out.dtype == dx.dtype == dgamma.dtype == np.dtype(dtype)
        x_t = torch.tensor(to_numpy(x), requires_grad=True)
        g_t = torch.tensor(to_numpy(gamma), requires_grad=True)
        b_t = torch.tensor(to_numpy(beta), requires_grad=True)
        out_t = torch.nn.functional.batch_norm(
            x_t, t_mean, t_var, g_t, b_t, training=train, momentum=0.2, eps=1e-5
        )
        (out_t * torch.tensor(to_numpy(G))).sum().backward()
        assert_close(f"out, step {step}", out, out_t.detach().numpy(), tol)
        assert_close(f"dx, step {step}", dx, x_t.grad.numpy(), tol)
        assert_close(f"dgamma, step {step}", dgamma, g_t.grad.numpy(), tol)
        assert_close(f"dbeta, step {step}", dbeta, b_t.grad.numpy(), tol)
        assert_close(f"running mean, step {step}", running["mean"], t_mean.numpy(), tol)
        assert_close(f"running var, step {step}", running["var"], t_var.numpy(), tol)


def test_batchnorm_says_what_it_needs(xp):
    x = rand(xp, (4, 3), seed=50)
    gamma, beta = rand(xp, (3,), seed=51), rand(xp, (3,), seed=52)
    with pytest.raises(ValueError, match="needs the running statistics"):
        batchnorm_forward(x, gamma, beta, train=False)
    with pytest.raises(ValueError, match="at least 2 samples; got 1"):
        batchnorm_forward(x[:1], gamma, beta)
    with pytest.raises(ValueError, match=r"gamma must be \(D,\) = \(3,\); got \(4,\)"):
        batchnorm_forward(x, rand(xp, (4,), seed=53), beta)


def _params_loss(model, X, y, key, seed):
    """The training loss of ``model`` as a function of one parameter, with the same dropout
    masks at every call."""

    def loss(value):
        saved = model.params[key]
        model.params[key] = value
        model.dropout_rng = np.random.default_rng(seed)
        try:
            return model.loss_and_grads(X, y)[0]
        finally:
            model.params[key] = saved

    return loss


@pytest.mark.parametrize("dropout, batchnorm", [(0.3, False), (0.0, True), (0.3, True)])
def test_an_mlp_of_any_depth_with_dropout_and_batchnorm_passes_a_gradient_check(dropout, batchnorm):
    model = MLP([5, 6, 4, 5, 3], activation="tanh", seed=2, dtype="float64", dropout=dropout,
                batchnorm=batchnorm)  # fmt: skip
    assert ("gamma1" in model.params) == batchnorm and "gamma4" not in model.params
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((7, 5)), rng.integers(0, 3, size=7)
    model.dropout_rng = np.random.default_rng(9)
    _, grads = model.loss_and_grads(X, y)
    assert list(grads) == list(model.params)
    for key, value in model.params.items():
        numeric = numerical_gradient(_params_loss(model, X, y, key, 9), value.copy())
        if batchnorm and key in ("b1", "b2", "b3"):
            # batch normalization subtracts the batch mean: a bias before it changes nothing
            assert np.abs(numeric).max() < 1e-8 and np.abs(grads[key]).max() < 1e-12
            continue
        error = relative_error(numeric, grads[key])
        assert error < GRADCHECK_TOL, f"d{key}: relative error {error:.1e}"


def test_an_mlp_with_batchnorm_matches_torch_and_keeps_its_statistics(tmp_path):
    """Training steps of the same network in PyTorch (Linear, BatchNorm1d, ReLU), then the
    evaluation outputs from the running statistics, before and after save and load."""
    torch = import_torch()
    model = MLP([6, 5, 4, 3], seed=3, dtype="float64", batchnorm=True)
    layers = []
    for i in (1, 2, 3):
        dense = torch.nn.Linear(*model.params[f"W{i}"].shape).double()
        with torch.no_grad():
            dense.weight.copy_(torch.tensor(model.params[f"W{i}"].T))
            dense.bias.copy_(torch.tensor(model.params[f"b{i}"]))
        layers.append(dense)
        if i < 3:
            layers += [torch.nn.BatchNorm1d(model.layer_sizes[i]).double(), torch.nn.ReLU()]
    twin = torch.nn.Sequential(*layers)
    rng = np.random.default_rng(4)
    for step in range(3):
        X, y = rng.standard_normal((8, 6)) + step, rng.integers(0, 3, size=8)
        loss, grads = model.loss_and_grads(X, y)
        twin.zero_grad()
        loss_t = torch.nn.functional.cross_entropy(twin(torch.tensor(X)), torch.tensor(y))
        loss_t.backward()
        assert loss == pytest.approx(loss_t.item(), rel=1e-10)
        bn = {1: twin[1], 2: twin[4]}
        for i in (1, 2):
            assert_close(f"dgamma{i}", grads[f"gamma{i}"], bn[i].weight.grad.numpy(), ORACLE_TOL)
            assert_close(f"dbeta{i}", grads[f"beta{i}"], bn[i].bias.grad.numpy(), ORACLE_TOL)
        assert_close("dW1", grads["W1"], twin[0].weight.grad.numpy().T, ORACLE_TOL)
        SGD(0.1).step(model.params, grads)
        torch.optim.SGD(twin.parameters(), lr=0.1).step()
    twin.eval()
    X_test = rng.standard_normal((5, 6))
    expected = twin(torch.tensor(X_test)).detach().numpy()
    assert_close("evaluation logits", model.forward(X_test), expected, ORACLE_TOL)
    model.save(tmp_path / "bn.npz")
    loaded = MLP.load(tmp_path / "bn.npz")
    assert loaded.batchnorm and set(loaded.running) == {1, 2}
    assert_close("reloaded logits", loaded.forward(X_test), expected, ORACLE_TOL)


def test_dropout_is_off_in_evaluation_and_on_in_training():
    model = MLP([4, 50, 2], seed=0, dtype="float64", dropout=0.5)
    X = np.random.default_rng(5).standard_normal((3, 4))
    np.testing.assert_array_equal(model.forward(X), model.forward(X))
    y = np.array([0, 1, 0])
    first, second = model.loss_and_grads(X, y)[0], model.loss_and_grads(X, y)[0]
    assert first != second, "each training step draws a new mask"
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\); got 1"):
        MLP([4, 2], dropout=1)
    assert "dropout=0.5" in repr(model)


def test_an_mlp_with_an_l2_penalty_adds_it_to_the_loss_and_to_the_weights_gradients(tmp_path):
    plain = MLP([5, 6, 4, 3], seed=2, dtype="float64")
    model = MLP([5, 6, 4, 3], seed=2, dtype="float64", l2=0.3)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((7, 5)), rng.integers(0, 3, size=7)
    loss, grads = model.loss_and_grads(X, y)
    plain_loss, plain_grads = plain.loss_and_grads(X, y)
    weights = sum(float((model.params[f"W{i}"] ** 2).sum()) for i in (1, 2, 3))
    assert loss == pytest.approx(plain_loss + 0.15 * weights, rel=1e-12)
    for key, value in model.params.items():
        expected = plain_grads[key] + (0.3 * value if key.startswith("W") else 0)
        np.testing.assert_allclose(grads[key], expected, rtol=1e-12, atol=1e-15)
        numeric = numerical_gradient(_params_loss(model, X, y, key, 0), value.copy())
        assert relative_error(numeric, grads[key]) < GRADCHECK_TOL, key
    model.save(tmp_path / "l2.npz")
    assert MLP.load(tmp_path / "l2.npz").l2 == 0.3 and "l2=0.3" in repr(model)
    with pytest.raises(ValueError, match=r"l2 must be >= 0; got -1"):
        MLP([4, 2], l2=-1)


def test_an_mlp_with_an_l2_penalty_trains_as_torch_with_weight_decay_on_the_weights():
    """PyTorch's SGD with weight decay in the weights' parameter group only, step for step."""
    torch = import_torch()
    model = MLP([5, 6, 3], seed=4, dtype="float64", l2=0.05)
    twin = torch.nn.Sequential(
        torch.nn.Linear(5, 6).double(), torch.nn.ReLU(), torch.nn.Linear(6, 3).double()
    )
    with torch.no_grad():
        for i, dense in ((1, twin[0]), (2, twin[2])):
            dense.weight.copy_(torch.tensor(model.params[f"W{i}"].T))
            dense.bias.copy_(torch.tensor(model.params[f"b{i}"]))
    groups = [
        {"params": [twin[0].weight, twin[2].weight], "weight_decay": 0.05},
        {"params": [twin[0].bias, twin[2].bias], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.SGD(groups, lr=0.2)
    rng = np.random.default_rng(8)
    for _ in range(4):
        X, y = rng.standard_normal((9, 5)), rng.integers(0, 3, size=9)
        _, grads = model.loss_and_grads(X, y)
        SGD(0.2).step(model.params, grads)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(twin(torch.tensor(X)), torch.tensor(y)).backward()
        optimizer.step()
    assert_close("W1", model.params["W1"], twin[0].weight.detach().numpy().T, ORACLE_TOL)
    assert_close("b2", model.params["b2"], twin[2].bias.detach().numpy(), ORACLE_TOL)
