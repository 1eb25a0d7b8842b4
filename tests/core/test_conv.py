"""Convolution and max pooling: centred differences, PyTorch autograd, the naive loops, errors."""

from __future__ import annotations

import numpy as np
import pytest
from coretools import GRADCHECK_TOL, ORACLE_TOL, assert_close, import_torch, rand

from nnlib import conv
from nnlib.backend import to_numpy
from nnlib.gradcheck import numerical_gradient

# (N, C, H, W, F, KH, KW, stride, pad): odd and even sizes, square and not, strides 1-2,
# padding 0-2, a window that covers the whole padded image, and sizes the stride does not divide.
CONV_CASES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 0),
    (2, 3, 8, 8, 4, 3, 3, 1, 1),
    (1, 2, 6, 9, 3, 3, 3, 2, 1),
    (3, 1, 9, 8, 2, 2, 2, 2, 0),
    (2, 2, 5, 6, 3, 4, 3, 2, 2),
    (1, 3, 4, 4, 2, 5, 5, 1, 2),
    (2, 1, 5, 5, 1, 1, 1, 1, 0),
    (1, 2, 3, 3, 2, 7, 7, 1, 2),
]
# (N, C, H, W, size, stride): overlapping windows (stride < size) and edges the windows miss.
POOL_CASES = [
    (2, 3, 8, 8, 2, 2),
    (2, 2, 7, 7, 2, 2),
    (1, 3, 6, 9, 3, 2),
    (2, 2, 5, 6, 2, 1),
    (1, 1, 7, 8, 3, 1),
    (3, 2, 9, 9, 3, 3),
]


def _conv_ids(case):
    N, C, H, W, F, KH, KW, s, p = case
    return f"x{N}x{C}x{H}x{W}-W{F}x{C}x{KH}x{KW}-s{s}-p{p}"


def _pool_ids(case):
    N, C, H, W, size, s = case
    return f"x{N}x{C}x{H}x{W}-size{size}-s{s}"


def _conv_inputs(xp, case, dtype="float64"):
    N, C, H, W, F, KH, KW, stride, pad = case
    x = rand(xp, (N, C, H, W), 1, dtype)
    weights = rand(xp, (F, C, KH, KW), 2, dtype)
    b = rand(xp, (F,), 3, dtype)
    return x, weights, b, stride, pad


def _distinct(xp, shape, seed):
    """Values at least 0.01 apart: no tie, and no step of 1e-5 changes which one is largest."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))) * 0.01 - 1.0
    return xp.asarray(values.reshape(shape))


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids)
def test_conv2d_matches_torch(xp, case):
    torch = import_torch()
    x, W, b, stride, pad = _conv_inputs(xp, case)
    out, cache = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    dout = rand(xp, out.shape, 4)
    dx, dW, db = conv.conv2d_backward(dout, cache)
    x_t, W_t, b_t = (torch.tensor(to_numpy(a), requires_grad=True) for a in (x, W, b))
    out_t = torch.nn.functional.conv2d(x_t, W_t, b_t, stride=stride, padding=pad)
    out_t.backward(torch.tensor(to_numpy(dout)))
    assert_close("conv2d out", out, out_t.detach().numpy(), ORACLE_TOL)
    assert_close("conv2d dx", dx, x_t.grad.numpy(), ORACLE_TOL)
    assert_close("conv2d dW", dW, W_t.grad.numpy(), ORACLE_TOL)
    assert_close("conv2d db", db, b_t.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize("case", CONV_CASES[:6], ids=_conv_ids)
def test_conv2d_backward_matches_centred_differences(xp, case):
    x, W, b, stride, pad = _conv_inputs(xp, case)
    out, cache = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    upstream = rand(xp, out.shape, 5)
    grads = dict(zip(("x", "W", "b"), conv.conv2d_backward(upstream, cache), strict=True))

    def f(_):
        return float((conv.conv2d_forward(x, W, b, stride=stride, pad=pad)[0] * upstream).sum())

    for name, value in (("x", x), ("W", W), ("b", b)):
        assert_close(f"conv2d d{name}", grads[name], numerical_gradient(f, value), GRADCHECK_TOL)


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids)
def test_conv2d_forward_matches_the_loops(xp, case):
    x, W, b, stride, pad = _conv_inputs(xp, case)
    out, _ = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    naive = conv.conv2d_forward_naive(x, W, b, stride=stride, pad=pad)
    assert_close("conv2d out against the loops", out, naive, ORACLE_TOL)


def test_conv2d_on_a_hand_computed_example():
    """A 3x3 image, a 2x2 filter, stride 1: every output number worked out by hand."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    W = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # top-left minus bottom-right
    out, _ = conv.conv2d_forward(x, W, np.array([0.5]))
    np.testing.assert_array_equal(out, [[[[-3.5, -3.5], [-3.5, -3.5]]]])
    out, _ = conv.conv2d_forward(x, W, np.array([0.0]), stride=2, pad=1)
    # Windows at padded rows and columns 0 and 2; e.g. the bottom-right one is 4 - 8.
    np.testing.assert_array_equal(out, [[[[0.0, -2.0], [-6.0, -4.0]]]])


@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_ids)
def test_maxpool_matches_torch(xp, case):
    torch = import_torch()
    N, C, H, W, size, stride = case
    x = rand(xp, (N, C, H, W), 6)
    out, cache = conv.maxpool_forward(x, size=size, stride=stride)
    dout = rand(xp, out.shape, 7)
    dx = conv.maxpool_backward(dout, cache)
    x_t = torch.tensor(to_numpy(x), requires_grad=True)
    out_t = torch.nn.functional.max_pool2d(x_t, size, stride)
    out_t.backward(torch.tensor(to_numpy(dout)))
    assert_close("maxpool out", out, out_t.detach().numpy(), ORACLE_TOL)
    assert_close("maxpool dx", dx, x_t.grad.numpy(), ORACLE_TOL)


@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_ids)
def test_maxpool_backward_matches_centred_differences(xp, case):
    N, C, H, W, size, stride = case
    x = _distinct(xp, (N, C, H, W), 8)
    out, cache = conv.maxpool_forward(x, size=size, stride=stride)
    upstream = rand(xp, out.shape, 9)
    dx = conv.maxpool_backward(upstream, cache)

    def f(_):
        return float((conv.maxpool_forward(x, size=size, stride=stride)[0] * upstream).sum())

    assert_close("maxpool dx", dx, numerical_gradient(f, x), GRADCHECK_TOL)


def test_maxpool_sends_a_tied_window_gradient_to_one_number_only():
    """A window of equal numbers passes its gradient on once (to its first), as PyTorch does."""
    x = np.zeros((1, 1, 2, 2))
    out, cache = conv.maxpool_forward(x)
    dx = conv.maxpool_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx, [[[[1.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_outputs_and_gradients_keep_the_dtype(xp, dtype):
    x, W, b, _, _ = _conv_inputs(xp, CONV_CASES[1], dtype)
    out, cache = conv.conv2d_forward(x, W, b, pad=1)
    grads = conv.conv2d_backward(xp.ones_like(out), cache)
    pooled, pool_cache = conv.maxpool_forward(out)
    dpool = conv.maxpool_backward(xp.ones_like(pooled), pool_cache)
    names = ("out", "dx", "dW", "db", "pooled", "dpool")
    for name, a in zip(names, (out, *grads, pooled, dpool), strict=True):
        assert a.dtype == dtype, f"{name}: dtype {a.dtype}, expected {dtype}"
        assert type(a) is type(x), f"{name}: {type(a).__name__}, expected {type(x).__name__}"


def test_float32_agrees_with_float64(xp):
    case = CONV_CASES[2]
    x, W, b, stride, pad = _conv_inputs(xp, case, "float32")
    out32, _ = conv.conv2d_forward(x, W, b, stride=stride, pad=pad)
    out64, _ = conv.conv2d_forward(
        x.astype("float64"), W.astype("float64"), b.astype("float64"), stride=stride, pad=pad
    )
    assert_close("conv2d out, float32 against float64", out32, out64, 1e-6)


def test_output_size():
    assert conv.output_size(32, 3, 1, 1) == 32
    assert conv.output_size(7, 3, 2, 0) == 3
    assert conv.output_size(8, 2, 2, 0) == 4
    assert conv.output_size(5, 2, 2, 0) == 2  # the last column is in no window


def _error(fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_conv2d_forward_errors_say_what_was_expected_and_given():
    x, W, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    message = _error(conv.conv2d_forward, x, np.zeros((4, 2, 3, 3)), b)
    assert "x has 3 channels" in message and "(F, 3, KH, KW)" in message
    message = _error(conv.conv2d_forward, x, W, np.zeros(3))
    assert "(4,)" in message and "(3,)" in message
    assert "(N, C, H, W)" in _error(conv.conv2d_forward, np.zeros((3, 5, 5)), W, b)
    assert "(F, C, KH, KW)" in _error(conv.conv2d_forward, x, np.zeros((4, 3, 3)), b)
    message = _error(conv.conv2d_forward, x, np.zeros((4, 3, 7, 7)), b)
    assert "7x7" in message and "5x5" in message
    assert "padded image is only 7x7" in _error(
        conv.conv2d_forward, x, np.zeros((4, 3, 8, 8)), b, pad=1
    )
    assert "stride" in _error(conv.conv2d_forward, x, W, b, stride=0)
    assert "pad" in _error(conv.conv2d_forward, x, W, b, pad=-1)
    assert "pad" in _error(conv.conv2d_forward, x, W, b, pad=1.5)
    message = _error(conv.conv2d_forward, x.astype("float32"), W, b)
    assert "float32" in message and "float64" in message
    assert "float32 or float64" in _error(conv.conv2d_forward, x.astype("int64"), W, b)


def test_backward_errors_name_the_expected_shape():
    x, W, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    out, cache = conv.conv2d_forward(x, W, b)
    message = _error(conv.conv2d_backward, np.zeros((2, 4, 5, 5)), cache)
    assert "(2, 4, 3, 3)" in message and "(2, 4, 5, 5)" in message
    pooled, pool_cache = conv.maxpool_forward(x)
    message = _error(conv.maxpool_backward, np.zeros((2, 3, 3, 3)), pool_cache)
    assert "(2, 3, 2, 2)" in message and "(2, 3, 3, 3)" in message


def test_maxpool_errors_say_what_was_expected_and_given():
    assert "(N, C, H, W)" in _error(conv.maxpool_forward, np.zeros((3, 4, 4)))
    message = _error(conv.maxpool_forward, np.zeros((1, 1, 2, 2)), size=3)
    assert "3x3" in message and "2x2" in message
    assert "size" in _error(conv.maxpool_forward, np.zeros((1, 1, 4, 4)), size=0)
    assert "stride" in _error(conv.maxpool_forward, np.zeros((1, 1, 4, 4)), stride=0)
