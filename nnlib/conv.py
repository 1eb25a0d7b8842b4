r"""Convolution and max pooling as forward/backward pairs, on batches of images.

Shapes, batch first as in PyTorch (NCHW): N images of C channels and H x W pixels, F filters of
C x KH x KW weights. ``x`` is (N, C, H, W), ``W`` is (F, C, KH, KW), ``b`` is (F,), and a
convolution with stride s and padding p gives ``out`` of shape (N, F, H', W') with

.. math::

    H' = \left\lfloor \frac{H + 2p - KH}{s} \right\rfloor + 1, \qquad
    W' = \left\lfloor \frac{W + 2p - KW}{s} \right\rfloor + 1.

The vectorised functions look at the input through its windows (:func:`sliding_windows`, a view
that copies nothing). The convolution copies every window into one column of a matrix
(:func:`im2col`), which turns it into one matrix product; pooling takes each window's largest
number. Going back, :func:`sliding_windows_backward` adds each window's gradient onto the pixels
it was read from. :func:`conv2d_forward_naive` computes the convolution with loops instead, one
output number at a time.
"""

from __future__ import annotations

import numbers
from typing import Any

from nnlib._validate import require_float_array
from nnlib.backend import get_array_module

__all__ = [
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_forward_naive",
    "im2col",
    "maxpool_backward",
    "maxpool_forward",
    "output_size",
    "sliding_windows",
    "sliding_windows_backward",
]


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    r"""Positions of a window of ``kernel`` pixels along ``size`` padded pixels:
    :math:`\lfloor (\text{size} + 2p - \text{kernel}) / s \rfloor + 1`."""
    return (size + 2 * pad - kernel) // stride + 1


def _require_int(fn: str, name: str, value: Any, low: int) -> None:
    """Raise unless ``value`` is an int of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{fn}: {name} must be an int >= {low}; got {value!r}")


def _check_conv_inputs(fn: str, x: Any, W: Any, b: Any, stride: int, pad: int) -> None:
    """Raise a clear error unless x (N, C, H, W), W (F, C, KH, KW) and b (F,) fit together."""
    require_float_array(fn, "x", x)
    require_float_array(fn, "W", W)
    require_float_array(fn, "b", b)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must be (N, C, H, W); got shape {tuple(x.shape)}")
    if W.ndim != 4:
        raise ValueError(f"{fn}: W must be (F, C, KH, KW); got shape {tuple(W.shape)}")
    if W.shape[1] != x.shape[1]:
        raise ValueError(
            f"{fn}: W has shape {tuple(W.shape)} but x has {x.shape[1]} channels; "
            f"W must be (F, {x.shape[1]}, KH, KW)"
        )
    if b.shape != (W.shape[0],):
        raise ValueError(
            f"{fn}: b must be (F,) = ({W.shape[0]},) for {W.shape[0]} filters; got {tuple(b.shape)}"
        )
    if not (x.dtype == W.dtype == b.dtype):
        raise TypeError(
            f"{fn}: x, W and b must share one dtype; got x {x.dtype}, W {W.dtype}, b {b.dtype}"
        )
    _require_int(fn, "stride", stride, 1)
    _require_int(fn, "pad", pad, 0)
    _check_window_fits(fn, x.shape, W.shape[2:], pad, "filter")


def _check_window_fits(fn: str, x_shape: tuple, window: tuple, pad: int, what: str) -> None:
    """Raise unless a ``window`` (KH, KW) fits at least once in the padded image."""
    H, W = x_shape[2] + 2 * pad, x_shape[3] + 2 * pad
    if window[0] > H or window[1] > W:
        raise ValueError(
            f"{fn}: the {what} is {window[0]}x{window[1]} but the "
            f"{'padded ' if pad else ''}image is only {H}x{W}"
        )


def sliding_windows(x: Any, KH: int, KW: int, stride: int) -> Any:
    r"""Every KH x KW window of a batch of images, as a view (no number is copied).

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    KH, KW : int
        Window height and width.
    stride : int
        Step s between two windows.

    Returns
    -------
    windows : array of shape (N, C, H', W', KH, KW)
        ``windows[n, c, i, j]`` is ``x[n, c, i*s : i*s + KH, j*s : j*s + KW]``.
    """
    xp = get_array_module(x)
    H_out, W_out = output_size(x.shape[2], KH, stride, 0), output_size(x.shape[3], KW, stride, 0)
    windows = xp.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    return windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]


def im2col(x_padded: Any, KH: int, KW: int, stride: int) -> Any:
    r"""Every KH x KW window of a batch of images, one window per column.

    Column :math:`(n, i, j)` holds the window whose top-left pixel is :math:`(i s, j s)` in
    image :math:`n`: its C x KH x KW numbers, in the order of a filter's flattened numbers, so
    that a flattened filter times the column is the filter's output at that position.

    Parameters
    ----------
    x_padded : array of shape (N, C, H, W)
        Images, already padded.
    KH, KW : int
        Window height and width.
    stride : int
        Step s between two windows.

    Returns
    -------
    cols : array of shape (C * KH * KW, N * H' * W')
        A copy, with the columns in the order n, then i, then j.
    """
    windows = sliding_windows(x_padded, KH, KW, stride)
    N, C, H_out, W_out = windows.shape[:4]
    # The reshape copies the windows into one contiguous matrix: the "im2col" matrix.
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * KH * KW, N * H_out * W_out)


def sliding_windows_backward(dwindows: Any, x_shape: tuple, stride: int) -> Any:
    r"""Gradient of :func:`sliding_windows`: each window's gradient added back onto its pixels.

    A pixel read by several overlapping windows receives the sum of their gradients; a pixel
    that no window reads gets 0.

    Parameters
    ----------
    dwindows : array of shape (N, C, H', W', KH, KW)
        The gradient of each window's numbers.
    x_shape : tuple (N, C, H, W)
        Shape of the images the windows were read from.
    stride : int
        Step s between two windows.

    Returns
    -------
    dx : array of shape (N, C, H, W)
    """
    xp = get_array_module(dwindows)
    *_, H_out, W_out, KH, KW = dwindows.shape
    dx = xp.zeros(x_shape, dtype=dwindows.dtype)
    # Pixel (i*s + u, j*s + v) is number (u, v) of window (i, j): one strided slice per (u, v).
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + stride * H_out, stride)
            cols = slice(v, v + stride * W_out, stride)
            dx[:, :, rows, cols] += dwindows[:, :, :, :, u, v]
    return dx


def _pad(x: Any, pad: int) -> Any:
    """``x`` (N, C, H, W) with ``pad`` zeros around each image (``x`` itself when pad is 0)."""
    if pad == 0:
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv2d_forward(x: Any, W: Any, b: Any, *, stride: int = 1, pad: int = 0) -> tuple[Any, Any]:
    r"""2-D convolution (a cross-correlation, as in every deep-learning library) of a batch.

    .. math::

        \mathrm{out}_{n f i j} = b_f + \sum_{c, u, v}
            W_{f c u v} \, \tilde x_{n, c, i s + u, j s + v}

    where :math:`\tilde x` is ``x`` with ``pad`` zeros around each image.

    Parameters
    ----------
    x : array of shape (N, C, H, W)
        Images, float32 or float64.
    W : array of shape (F, C, KH, KW)
        F filters.
    b : array of shape (F,)
        One bias per filter.
    stride : int, optional
        Step s between two positions of a filter.
    pad : int, optional
        Zeros added on every side of each image.

    Returns
    -------
    out : array of shape (N, F, H', W')
    cache : tuple
        What :func:`conv2d_backward` needs: the input's padded shape, ``W``, ``stride``,
        ``pad`` and the im2col matrix of the input.

    Examples
    --------
    >>> import numpy as np
    >>> out, _ = conv2d_forward(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.zeros(4), pad=1)
    >>> out.shape
    (2, 4, 5, 5)
    """
    _check_conv_inputs("conv2d_forward", x, W, b, stride, pad)
    xp = get_array_module(x)
    N = x.shape[0]
    F, _, KH, KW = W.shape
    x_padded = _pad(x, pad)
    H_out = output_size(x.shape[2], KH, stride, pad)
    W_out = output_size(x.shape[3], KW, stride, pad)
    cols = im2col(x_padded, KH, KW, stride)  # (C KH KW, N H' W')
    out = W.reshape(F, -1) @ cols  # (F, N H' W'): every filter on every window
    out += b[:, None]
    out = xp.ascontiguousarray(out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3))
    return out, (x_padded.shape, W, stride, pad, cols)


def conv2d_backward(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    r"""Gradients of :func:`conv2d_forward`, given the upstream gradient ``dout``.

    The forward pass is the matrix product ``out = W @ cols + b`` (``W`` flattened to
    (F, C KH KW), ``out`` to (F, N H' W')), so, as for a dense layer,

    .. math::

        dW = \mathrm{dout}\, \mathrm{cols}^\top, \qquad
        db_f = \sum_{n, i, j} \mathrm{dout}_{n f i j}, \qquad
        d\mathrm{cols} = W^\top \mathrm{dout},

    and :func:`sliding_windows_backward` adds the gradient of each window back onto its pixels. Written per
    pixel, ``dW`` is the correlation of the input with ``dout``, and (stride 1) ``dx`` is the
    full convolution of ``dout`` with the filters flipped left-right and upside down.

    Parameters
    ----------
    dout : array of shape (N, F, H', W')
        :math:`\partial L / \partial \mathrm{out}`.
    cache : tuple
        From :func:`conv2d_forward`.

    Returns
    -------
    dx : array of shape (N, C, H, W)
    dW : array of shape (F, C, KH, KW)
    db : array of shape (F,)
    """
    x_padded_shape, W, stride, pad, cols = cache
    N, C, H_padded, W_padded = x_padded_shape
    F, _, KH, KW = W.shape
    H_out = output_size(H_padded, KH, stride, 0)
    W_out = output_size(W_padded, KW, stride, 0)
    require_float_array("conv2d_backward", "dout", dout)
    if tuple(dout.shape) != (N, F, H_out, W_out):
        raise ValueError(
            f"conv2d_backward: dout must be (N, F, H', W') = {(N, F, H_out, W_out)}, "
            f"the shape of the forward output; got {tuple(dout.shape)}"
        )
    dout_cols = dout.transpose(1, 0, 2, 3).reshape(F, N * H_out * W_out)  # columns like cols'
    dW = (dout_cols @ cols.T).reshape(W.shape)
    db = dout_cols.sum(axis=1)
    dcols = W.reshape(F, -1).T @ dout_cols  # (C KH KW, N H' W')
    dwindows = dcols.reshape(C, KH, KW, N, H_out, W_out).transpose(3, 0, 4, 5, 1, 2)
    dx_padded = sliding_windows_backward(dwindows, x_padded_shape, stride)
    dx = dx_padded[:, :, pad : H_padded - pad, pad : W_padded - pad]
    return dx, dW, db


def conv2d_forward_naive(x: Any, W: Any, b: Any, *, stride: int = 1, pad: int = 0) -> Any:
    r"""The output of :func:`conv2d_forward`, one number at a time, with loops.

    Slow (a Python loop per output pixel, filter and image) but a direct transcription of
    the formula; :func:`conv2d_forward` computes the same numbers with one matrix product.

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    W : array of shape (F, C, KH, KW)
    b : array of shape (F,)
    stride, pad : int, optional

    Returns
    -------
    out : array of shape (N, F, H', W')
    """
    _check_conv_inputs("conv2d_forward_naive", x, W, b, stride, pad)
    xp = get_array_module(x)
    N, F = x.shape[0], W.shape[0]
    KH, KW = W.shape[2:]
    x_padded = _pad(x, pad)
    H_out = output_size(x.shape[2], KH, stride, pad)
    W_out = output_size(x.shape[3], KW, stride, pad)
    out = xp.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    window = x_padded[n, :, top : top + KH, left : left + KW]
                    out[n, f, i, j] = (window * W[f]).sum() + b[f]
    return out


def maxpool_forward(x: Any, *, size: int = 2, stride: int = 2) -> tuple[Any, Any]:
    r"""Max pooling: the largest number of every ``size`` x ``size`` window, per channel.

    .. math::

        \mathrm{out}_{n c i j} = \max_{0 \le u, v < \text{size}} x_{n, c, i s + u, j s + v}

    Windows that would run past the edge are dropped (as PyTorch does by default).

    Parameters
    ----------
    x : array of shape (N, C, H, W)
        Float32 or float64.
    size : int, optional
        Window height and width.
    stride : int, optional
        Step s between two windows.

    Returns
    -------
    out : array of shape (N, C, H', W')
        :math:`H' = \lfloor (H - \text{size}) / s \rfloor + 1`, and the same for W'.
    cache : tuple
        What :func:`maxpool_backward` needs: the input's shape, ``stride``, and where in
        each window its largest number is.
    """
    fn = "maxpool_forward"
    require_float_array(fn, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must be (N, C, H, W); got shape {tuple(x.shape)}")
    _require_int(fn, "size", size, 1)
    _require_int(fn, "stride", stride, 1)
    _check_window_fits(fn, x.shape, (size, size), 0, "pooling window")
    xp = get_array_module(x)
    windows = sliding_windows(x, size, size, stride)  # (N, C, H', W', size, size)
    flat = windows.reshape(*windows.shape[:4], size * size)  # a copy
    # The first largest number of each window gets the whole gradient, as in PyTorch.
    argmax = flat.argmax(axis=-1)
    out = xp.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, size, stride, argmax)


def maxpool_backward(dout: Any, cache: Any) -> Any:
    r"""Gradient of :func:`maxpool_forward`: each window's gradient goes to its largest number.

    The other numbers of the window did not change the output, so their gradient is 0; a
    number that is the maximum of several overlapping windows receives the sum of their
    gradients.

    Parameters
    ----------
    dout : array of shape (N, C, H', W')
        :math:`\partial L / \partial \mathrm{out}`.
    cache : tuple
        From :func:`maxpool_forward`.

    Returns
    -------
    dx : array of shape (N, C, H, W)
    """
    x_shape, size, stride, argmax = cache
    require_float_array("maxpool_backward", "dout", dout)
    if dout.shape != argmax.shape:
        raise ValueError(
            f"maxpool_backward: dout must be (N, C, H', W') = {tuple(argmax.shape)}, "
            f"the shape of the forward output; got {tuple(dout.shape)}"
        )
    xp = get_array_module(dout)
    # One-hot over each window's size^2 numbers, times the window's gradient.
    is_max = argmax[..., None] == xp.arange(size * size)
    dwindows = (is_max * dout[..., None]).reshape(*dout.shape, size, size)
    return sliding_windows_backward(dwindows, x_shape, stride)
