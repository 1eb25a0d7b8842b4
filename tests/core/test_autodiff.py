"""The reverse-mode engine: every rule against centred differences, the whole engine against
MLP.loss_and_grads and PyTorch, the topological order, and a value used more than once."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import GRADCHECK_TOL, ORACLE_TOL, assert_close, import_torch, rand

from nnlib import autodiff
from nnlib.autodiff import Tensor, cross_entropy, topological_order
from nnlib.backend import to_numpy
from nnlib.gradcheck import numerical_gradient
from nnlib.network import MLP

# name, the operation on Tensors, the shapes of its inputs. Broadcasting: a row, a column, a
# scalar, a 1-d array against a 3-d one.
OPERATIONS = [
    ("add", lambda a, b: a + b, [(4, 3), (4, 3)]),
    ("add a row", lambda a, b: a + b, [(4, 3), (3,)]),
    ("add a column", lambda a, b: a + b, [(4, 1), (4, 3)]),
    ("add row and column", lambda a, b: a + b, [(4, 1), (1, 3)]),
    ("add a scalar array", lambda a, b: a + b, [(), (2, 3)]),
    ("add 3-d", lambda a, b: a + b, [(2, 1, 3), (3,)]),
    ("mul", lambda a, b: a * b, [(4, 3), (4, 3)]),
    ("mul a row", lambda a, b: a * b, [(4, 3), (1, 3)]),
    ("mul a column", lambda a, b: a * b, [(4, 3), (4, 1)]),
    ("matmul", lambda a, b: a @ b, [(4, 3), (3, 5)]),
    ("relu", lambda a: a.relu(), [(5, 4)]),
    ("sum", lambda a: a.sum(), [(5, 4)]),
    ("sum axis 0", lambda a: a.sum(axis=0), [(5, 4)]),
    ("sum axis -1", lambda a: a.sum(axis=-1), [(2, 3, 4)]),
    ("sum axes (0, 2)", lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)]),
    ("mean", lambda a: a.mean(), [(5, 4)]),
    ("mean axis 1", lambda a: a.mean(axis=1), [(5, 4)]),
    ("sub and neg", lambda a, b: -(a - b), [(3, 2), (2,)]),
    ("python numbers", lambda a: 2.0 * a + 1.0 - a * 3.0, [(3, 2)]),
]


def _leaves(xp, shapes, seed=0):
    leaves = [Tensor(rand(xp, shape, seed + i)) for i, shape in enumerate(shapes)]
    for leaf in leaves:  # keep ReLU's kink out of reach of the finite-difference step
        leaf.data = xp.where(xp.abs(leaf.data) < 1e-3, 0.5, leaf.data)
    return leaves


@pytest.mark.parametrize("name, op, shapes", OPERATIONS, ids=[c[0] for c in OPERATIONS])
def test_operation_gradients_match_centred_differences(xp, name, op, shapes):
    leaves = _leaves(xp, shapes)
    out = op(*leaves)
    upstream = rand(xp, out.shape, 99)
    (out * Tensor(upstream)).sum().backward()
    for i, leaf in enumerate(leaves):

        def f(_):
            return float((op(*leaves).data * upstream).sum())

        assert leaf.grad.shape == leaf.data.shape, f"{name}: grad {i} has shape {leaf.grad.shape}"
        numeric = numerical_gradient(f, leaf.data)
        assert_close(f"{name} input {i}", leaf.grad, numeric, GRADCHECK_TOL)


@pytest.mark.parametrize("n, c, scale", [(1, 2, 1.0), (6, 3, 3.0), (20, 10, 10.0)])
def test_cross_entropy_gradient_matches_centred_differences(xp, n, c, scale):
    logits = Tensor(rand(xp, (n, c), 1, scale=scale))
    y = xp.asarray(np.random.default_rng(2).integers(0, c, n))
    cross_entropy(logits, y).backward()
    numeric = numerical_gradient(lambda _: float(cross_entropy(logits, y).data), logits.data)
    assert_close("cross_entropy dlogits", logits.grad, numeric, GRADCHECK_TOL)


def test_cross_entropy_is_stable_for_huge_logits(xp):
    logits = Tensor(xp.asarray([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]]))
    loss = cross_entropy(logits, xp.asarray([0, 2]))
    loss.backward()
    assert np.isfinite(to_numpy(loss.data)).all() and np.isfinite(to_numpy(logits.grad)).all()
    # Row 1 puts 5e3 on its label, 5e3 below the largest logit: a loss of 5e3 / 2 on average.
    assert float(loss.data) == pytest.approx(2500.0)


@pytest.mark.parametrize("sizes", [[5, 7, 3], [6, 8, 5, 4], [784, 32, 10]])
def test_engine_gradients_equal_mlp_loss_and_grads(xp, sizes):
    """The engine's gradients of chapter 7's network are the hand-derived ones, to 1e-7."""
    model = MLP(sizes, seed=1, dtype="float64", backend=xp.__name__)
    X = rand(xp, (16, sizes[0]), 3)
    y = xp.asarray(np.random.default_rng(4).integers(0, sizes[-1], 16))
    loss, grads = model.loss_and_grads(X, y)
    params = {name: Tensor(value.copy()) for name, value in model.params.items()}
    h = Tensor(X)
    layers = len(sizes) - 1
    for layer in range(1, layers + 1):
        h = h @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer < layers:
            h = h.relu()
    engine_loss = cross_entropy(h, y)
    engine_loss.backward()
    assert abs(float(engine_loss.data) - loss) < 1e-12 * max(1.0, abs(loss))
    for name, tensor in params.items():
        assert_close(f"engine d{name}", tensor.grad, grads[name], ORACLE_TOL)


def test_engine_matches_torch_on_a_graph_with_shared_values():
    torch = import_torch()
    a_np, b_np, c_np = (rand(np, shape, seed) for seed, shape in enumerate([(4, 3), (3,), (3, 2)]))
    a, b, c = Tensor(a_np), Tensor(b_np), Tensor(c_np)
    h = (a * b + a).relu()  # a used twice, b broadcast over the rows
    loss = ((h @ c) * (h @ c)).mean() + h.sum(axis=0).mean()  # h used three times
    loss.backward()
    at, bt, ct = (torch.tensor(v, requires_grad=True) for v in (a_np, b_np, c_np))
    ht = torch.relu(at * bt + at)
    loss_t = ((ht @ ct) * (ht @ ct)).mean() + ht.sum(dim=0).mean()
    loss_t.backward()
    assert float(loss.data) == pytest.approx(loss_t.item(), rel=1e-12)
    for name, mine, theirs in (("a", a, at), ("b", b, bt), ("c", c, ct)):
        assert_close(f"d{name}", mine.grad, theirs.grad.numpy(), ORACLE_TOL)


def test_a_value_used_twice_gets_the_sum_of_both_gradients():
    x = Tensor(np.array([3.0, -1.0]))
    (x * x).sum().backward()  # d(x^2)/dx = 2x: x * x passes dout * x to each of its two uses
    np.testing.assert_array_equal(x.grad, [6.0, -2.0])
    y = x + x
    z = (y * y).sum()  # 4 x^2, through y used twice and x used twice
    z.backward()
    np.testing.assert_array_equal(x.grad, [24.0, -8.0])


def test_backward_starts_from_fresh_gradients():
    """A second backward pass gives the same gradients, not twice them."""
    x = Tensor(np.array([1.0, 2.0]))
    loss = (x * x).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_topological_order_puts_every_node_after_its_parents_once():
    a, b = Tensor(np.ones(2)), Tensor(np.ones(2))
    c = a * b
    d = c + a  # a diamond: a reaches d directly and through c
    e = (d * c).sum()
    order = topological_order(e)
    assert len(order) == len({id(node) for node in order}) == 6  # a, b, c, d, d * c, e
    assert order[-1] is e
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)], "a parent comes after its child"


def test_topological_order_of_a_leaf_is_the_leaf():
    leaf = Tensor(np.zeros(3))
    assert topological_order(leaf) == [leaf]


def test_unbroadcast_sums_the_broadcast_axes():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(autodiff.unbroadcast(grad, (4,)), grad.sum(axis=(0, 1)))
    np.testing.assert_array_equal(
        autodiff.unbroadcast(grad, (3, 1)), grad.sum(axis=0).sum(axis=1, keepdims=True)
    )
    assert autodiff.unbroadcast(grad, ()).shape == ()
    assert autodiff.unbroadcast(grad, (2, 3, 4)) is grad


def test_rules_are_plain_functions_of_arrays():
    """Each rule takes (dout, *inputs) and returns one gradient per input."""
    a, b = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    np.testing.assert_array_equal(autodiff.backward_matmul(np.ones((1, 1)), a, b)[0], [[3.0, 4.0]])
    da, db = autodiff.backward_mul(np.ones((2, 2)), a, b)
    np.testing.assert_array_equal(da, [[7.0, 7.0]])
    np.testing.assert_array_equal(db, [[3.0], [3.0]])
    np.testing.assert_array_equal(
        autodiff.backward_relu(np.ones(3), np.array([-1.0, 0.0, 2.0]))[0], [0.0, 0.0, 1.0]
    )
    np.testing.assert_array_equal(autodiff.backward_mean(np.array(1.0), np.ones(4))[0], [0.25] * 4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept(xp, dtype):
    x = Tensor(rand(xp, (3, 2), 1, dtype))
    loss = cross_entropy(
        (x * 2.0 + 1.0) @ Tensor(rand(xp, (2, 4), 2, dtype)), xp.asarray([0, 1, 3])
    )
    loss.backward()
    assert loss.data.dtype == dtype and x.grad.dtype == dtype


def test_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"scalar.*\(2, 2\)"):
        (Tensor(np.ones((2, 2))) * 2.0).backward()
    with pytest.raises(ValueError, match=r"\(N, C\).*\(3,\)"):
        cross_entropy(Tensor(np.ones(3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer"):
        cross_entropy(Tensor(np.ones((2, 3))), np.array([0.0, 1.0]))


def test_integer_data_becomes_float():
    assert Tensor(np.array([1, 2])).data.dtype == np.float64
