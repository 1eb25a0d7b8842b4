"""Student submissions for 16-convolution: conv2d_forward, conv2d_backward, maxpool_forward,
maxpool_backward."""

A = "16-convolution"

_CONV_FORWARD = '''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, W, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    out = out.transpose(0, 3, 1, 2) + b[:, None, None]
    return out, (x, W, stride, pad)
'''

_MAXPOOL_FORWARD = '''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def maxpool_forward(x, *, size=2, stride=2):
    """Max pooling of x (N, C, H, W): (out (N, C, H', W'), cache)."""
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(4, 5)), (x, size, stride)
'''

ENTRIES = [
    # ----------------------------------------------------------- conv2d_forward
    {
        "assignment": A,
        "function": "conv2d_forward",
        "kind": "mistake",
        "what": (
            "Loops over the output positions with the right output size H' = (H + 2p - KH) // s "
            "+ 1 but reads window (i, j) at x_pad[..., i:i+KH, j:j+KW] instead of at i*s, j*s: "
            "with stride 1 everything is right, with stride 2 the windows overlap and stay in the "
            "top-left corner, so the values are wrong."
        ),
        "source": '''import numpy as np


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (Wd + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i:i + KH, j:j + KW]
                    out[n, f, i, j] = np.sum(window * W[f]) + b[f]
    return out, (x, W, stride, pad)
''',
    },
    {
        "assignment": A,
        "function": "conv2d_forward",
        "kind": "mistake",
        "what": (
            "Computes a true (mathematical) convolution: flips each filter upside down and left "
            "to right (W[:, :, ::-1, ::-1]) before sliding it, as in a signal-processing course, "
            "whereas the contract's convolution is the unflipped cross-correlation. Right only "
            "for filters symmetric under a 180-degree rotation (e.g. 1 x 1 filters); x = 0 "
            "(bias only) is right."
        ),
        "source": '''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    KH, KW = W.shape[2:]
    kernel = W[:, :, ::-1, ::-1]  # convolution flips the kernel
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwuv,fcuv->nfhw", windows, kernel) + b[None, :, None, None]
    return out, (x, W, stride, pad)
''',
    },
    {
        "assignment": A,
        "function": "conv2d_forward",
        "kind": "correct",
        "what": (
            "The direct transcription with four loops (image, filter, output row, output column), "
            "the window read at (i*stride, j*stride) of the zero-padded image, the output "
            "allocated in x's dtype. Same values; slow but allowed."
        ),
        "source": '''import numpy as np


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (Wd + 2 * pad - KW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, Wd + 2 * pad), dtype=x.dtype)
    x_pad[:, :, pad:pad + H, pad:pad + Wd] = x
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    window = x_pad[n, :, top:top + KH, left:left + KW]
                    out[n, f, i, j] = np.sum(window * W[f]) + b[f]
    return out, (x, W, stride, pad)
''',
    },
    {
        "assignment": A,
        "function": "conv2d_forward",
        "kind": "correct",
        "what": (
            "im2col by hand: copies every window into the rows of a matrix (N*H'*W', C*KH*KW) "
            "with two loops over the filter positions, multiplies by the flattened filters and "
            "reshapes to (N, F, H', W'). Same values and dtype."
        ),
        "source": '''import numpy as np


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    Ho = (H + 2 * pad - KH) // stride + 1
    Wo = (Wd + 2 * pad - KW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    cols = np.empty((N, C, KH, KW, Ho, Wo), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            cols[:, :, u, v] = xp[:, :, u:u + stride * Ho:stride, v:v + stride * Wo:stride]
    cols = cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * Ho * Wo, C * KH * KW)
    out = cols @ W.reshape(F, -1).T + b
    out = out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out), (x, W, stride, pad)
''',
    },
    # ---------------------------------------------------------- conv2d_backward
    {
        "assignment": A,
        "function": "conv2d_backward",
        "kind": "mistake",
        "what": (
            "Crops the padding from dx with dx_pad[:, :, pad:-pad, pad:-pad]: right for pad >= 1, "
            "but with pad = 0 the slice 0:-0 is empty and dx has shape (N, C, 0, 0). dW and db "
            "are right."
        ),
        "source": _CONV_FORWARD
        + '''

def conv2d_backward(dout, cache):
    """Gradients of the convolution: dout (N, F, H', W'), cache -> (dx, dW, db)."""
    x, W, stride, pad = cache
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    dW = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    db = dout.sum(axis=(0, 2, 3))
    dx_pad = np.zeros_like(x_pad)
    H_out, W_out = dout.shape[2:]
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + stride * H_out, stride)
            cols = slice(v, v + stride * W_out, stride)
            share = np.tensordot(dout, W[:, :, u, v], axes=([1], [0]))
            dx_pad[:, :, rows, cols] += share.transpose(0, 3, 1, 2)
    return dx_pad[:, :, pad:-pad, pad:-pad], dW, db
''',
    },
    {
        "assignment": A,
        "function": "conv2d_backward",
        "kind": "mistake",
        "what": (
            "Writes each filter position's share into dx with = instead of +=: where windows "
            "overlap (stride smaller than the filter, e.g. 3 x 3 filters with stride 1 or 2) a "
            "pixel keeps only the share of the last (u, v) written instead of the sum. Right "
            "when the windows do not overlap (stride >= filter size, or 1 x 1 filters). dW and "
            "db are right."
        ),
        "source": _CONV_FORWARD
        + '''

def conv2d_backward(dout, cache):
    """Gradients of the convolution: dout (N, F, H', W'), cache -> (dx, dW, db)."""
    x, W, stride, pad = cache
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    dW = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    db = dout.sum(axis=(0, 2, 3))
    dx_pad = np.zeros_like(x_pad)
    H_out, W_out = dout.shape[2:]
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + stride * H_out, stride)
            cols = slice(v, v + stride * W_out, stride)
            share = np.tensordot(dout, W[:, :, u, v], axes=([1], [0]))
            dx_pad[:, :, rows, cols] = share.transpose(0, 3, 1, 2)
    H, Wd = x.shape[2:]
    return dx_pad[:, :, pad:pad + H, pad:pad + Wd], dW, db
''',
    },
    {
        "assignment": A,
        "function": "conv2d_backward",
        "kind": "correct",
        "what": (
            "Loops over every output number and adds dout[n, f, i, j] * W[f] onto the window of "
            "the padded dx it was read from (and dout times the window onto dW); the forward "
            "step caches the padded input. db summed with np.sum over (0, 2, 3). Same gradients "
            "and dtype."
        ),
        "source": '''import numpy as np


def conv2d_forward(x, W, b, *, stride=1, pad=0):
    """Convolution of x (N, C, H, W) with W (F, C, KH, KW) and b (F,): (out (N, F, H', W'), cache)."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (Wd + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    r, c = i * stride, j * stride
                    out[n, f, i, j] = np.sum(x_pad[n, :, r:r + KH, c:c + KW] * W[f]) + b[f]
    return out, (x_pad, W, b, stride, pad, x.shape)


def conv2d_backward(dout, cache):
    """Gradients of the convolution: dout (N, F, H', W'), cache -> (dx, dW, db)."""
    x_pad, W, b, stride, pad, x_shape = cache
    N, F, H_out, W_out = dout.shape
    KH, KW = W.shape[2:]
    dx_pad = np.zeros_like(x_pad)
    dW = np.zeros_like(W)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    r, c = i * stride, j * stride
                    g = dout[n, f, i, j]
                    dx_pad[n, :, r:r + KH, c:c + KW] += g * W[f]
                    dW[f] += g * x_pad[n, :, r:r + KH, c:c + KW]
    db = np.sum(dout, axis=(0, 2, 3))
    H, Wd = x_shape[2:]
    return dx_pad[:, :, pad:pad + H, pad:pad + Wd], dW, db
''',
    },
    # ---------------------------------------------------------- maxpool_forward
    {
        "assignment": A,
        "function": "maxpool_forward",
        "kind": "mistake",
        "what": (
            "Starts each window's running maximum at 0 (best = 0, then best = max(best, value) "
            "over the window): right whenever a window has a positive number (e.g. after a "
            "ReLU), but a window of negative numbers gives 0 instead of its largest number - "
            "the 'every number negative' case."
        ),
        "source": '''import numpy as np


def maxpool_forward(x, *, size=2, stride=2):
    """Max pooling of x (N, C, H, W): (out (N, C, H', W'), cache)."""
    N, C, H, W = x.shape
    H_out = (H - size) // stride + 1
    W_out = (W - size) // stride + 1
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            best = np.zeros((N, C), dtype=x.dtype)
            for u in range(size):
                for v in range(size):
                    best = np.maximum(best, x[:, :, i * stride + u, j * stride + v])
            out[:, :, i, j] = best
    return out, (x, size, stride)
''',
    },
    {
        "assignment": A,
        "function": "maxpool_forward",
        "kind": "correct",
        "what": (
            "Loops over the output positions and takes np.max of each x[:, :, r:r+size, c:c+size] "
            "slice over its last two axes; windows that would run past the edge are never "
            "visited since H' = (H - size) // stride + 1. Same values and dtype."
        ),
        "source": '''import numpy as np


def maxpool_forward(x, *, size=2, stride=2):
    """Max pooling of x (N, C, H, W): (out (N, C, H', W'), cache)."""
    N, C, H, W = x.shape
    H_out = (H - size) // stride + 1
    W_out = (W - size) // stride + 1
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            out[:, :, i, j] = np.max(x[:, :, r:r + size, c:c + size], axis=(2, 3))
    return out, (x, size, stride)
''',
    },
    # --------------------------------------------------------- maxpool_backward
    {
        "assignment": A,
        "function": "maxpool_backward",
        "kind": "mistake",
        "what": (
            "Routes the gradient with a mask x == window max: when a window's maximum is tied "
            "(several equal largest numbers, common after a ReLU or with quantised pixels) "
            "every tied entry receives the whole gradient, so the window passes back k times "
            "dout. Right when every window has a unique maximum."
        ),
        "source": _MAXPOOL_FORWARD
        + '''

def maxpool_backward(dout, cache):
    """Gradient of max pooling: dout (N, C, H', W'), cache -> dx (N, C, H, W)."""
    x, size, stride = cache
    dx = np.zeros_like(x)
    H_out, W_out = dout.shape[2:]
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = x[:, :, r:r + size, c:c + size]
            m = window.max(axis=(2, 3), keepdims=True)
            mask = window == m
            dx[:, :, r:r + size, c:c + size] += mask * dout[:, :, i:i + 1, j:j + 1]
    return dx
''',
    },
    {
        "assignment": A,
        "function": "maxpool_backward",
        "kind": "mistake",
        "what": (
            "Converts the flat argmax k of a window into (u, v) = (k % size, k // size), the "
            "column-major order, while the window was flattened row by row: the gradient lands "
            "on the transposed position in the window. Right only where the maximum lies on the "
            "window's diagonal (u == v)."
        ),
        "source": _MAXPOOL_FORWARD
        + '''

def maxpool_backward(dout, cache):
    """Gradient of max pooling: dout (N, C, H', W'), cache -> dx (N, C, H, W)."""
    x, size, stride = cache
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    where = windows.reshape(*windows.shape[:4], size * size).argmax(axis=-1)
    dx = np.zeros_like(x)
    H_out, W_out = dout.shape[2:]
    for k in range(size * size):
        u, v = k % size, k // size
        rows = slice(u, u + stride * H_out, stride)
        cols = slice(v, v + stride * W_out, stride)
        dx[:, :, rows, cols] += dout * (where == k)
    return dx
''',
    },
    {
        "assignment": A,
        "function": "maxpool_backward",
        "kind": "correct",
        "what": (
            "Loops over images, channels and windows; np.argmax of each window (first maximum "
            "in row-major order, as the reference) unravelled with np.unravel_index, and the "
            "window's gradient added (+=) at that pixel, so overlapping windows sum up. Same dx "
            "and dtype, ties included."
        ),
        "source": '''import numpy as np


def maxpool_forward(x, *, size=2, stride=2):
    """Max pooling of x (N, C, H, W): (out (N, C, H', W'), cache)."""
    N, C, H, W = x.shape
    H_out = (H - size) // stride + 1
    W_out = (W - size) // stride + 1
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out, (x, size, stride)


def maxpool_backward(dout, cache):
    """Gradient of max pooling: dout (N, C, H', W'), cache -> dx (N, C, H, W)."""
    x, size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    r, s = i * stride, j * stride
                    window = x[n, c, r:r + size, s:s + size]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, r + u, s + v] += dout[n, c, i, j]
    return dx
''',
    },
]
