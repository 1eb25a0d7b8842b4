"""Checks of chapter 16 (convolutional networks): the convolution and max pooling, forward and
backward, against ``nnlib.conv``, and a small CNN of the student's own on the ten sign digits.

The cases are batches of NCHW images with strides 1 and 2, paddings 0 to 2, odd and even sizes,
height and width unequal (so that swapped axes show), and more images than filters. Each wrong
answer a typical mistake gives is computed here, with nnlib's functions on changed inputs or
with the loops of :func:`conv_backward_loops` and :func:`pool_backward_loops`, which can make
each mistake a student's loops make.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from autograder.checks.arrays import DTYPES, ArrayCheck, forward_result
from autograder.checks.base import Case, Verdict, case_seed
from autograder.checks.classifier import SIGNS_TEN_MLP_BASELINE, ClassifierCheck, ten_sign_digits
from autograder.checks.mistakes import Mistakes
from autograder.diagnose import as_float_array, tolerance
from nnlib import conv as ref

#: Convolutions of the cases: (N, C, H, W) of x, (F, KH, KW) of the filters, stride, padding.
VISIBLE_CONVOLUTIONS = (
    ((2, 3, 7, 6), (4, 3, 3), 1, 1),
    ((1, 1, 5, 6), (2, 3, 3), 1, 0),
    ((2, 2, 8, 9), (3, 2, 2), 2, 0),
    ((3, 2, 7, 8), (2, 3, 3), 2, 1),
    ((2, 1, 6, 5), (3, 3, 2), 1, 2),
    ((1, 3, 9, 8), (2, 5, 5), 2, 2),
)
HIDDEN_CONVOLUTIONS = (
    ((3, 2, 6, 7), (2, 3, 3), 1, 1),
    ((1, 2, 6, 5), (3, 3, 3), 1, 0),
    ((2, 3, 9, 8), (4, 2, 2), 2, 0),
    ((4, 1, 9, 7), (2, 3, 3), 2, 1),
    ((2, 2, 5, 6), (3, 2, 3), 1, 2),
    ((2, 2, 8, 9), (3, 4, 4), 2, 2),
)
#: Poolings of the cases: (N, C, H, W) of x, window size, stride.
VISIBLE_POOLINGS = (
    ((2, 3, 6, 8), 2, 2),
    ((1, 2, 7, 5), 2, 2),
    ((2, 2, 7, 6), 3, 2),
    ((3, 1, 5, 6), 2, 1),
    ((2, 2, 9, 7), 3, 3),
)
HIDDEN_POOLINGS = (
    ((3, 2, 8, 6), 2, 2),
    ((1, 3, 5, 7), 2, 2),
    ((2, 1, 8, 7), 3, 2),
    ((2, 2, 6, 5), 2, 1),
    ((3, 2, 6, 9), 3, 3),
)


def _conv_case(rng, x_shape, w_shape, stride, pad, dtype, *, upstream: bool) -> Case:
    N, C, H, W = x_shape
    F, KH, KW = w_shape
    x = rng.standard_normal(x_shape).astype(dtype)
    filters = rng.standard_normal((F, C, KH, KW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    args: tuple = (x, filters, b)
    if upstream:
        H_out, W_out = (ref.output_size(s, k, stride, pad) for s, k in ((H, KH), (W, KW)))
        args += (rng.standard_normal((N, F, H_out, W_out)).astype(dtype),)
    name = f"{dtype} x{x_shape} W{filters.shape} stride={stride} pad={pad}"
    return Case(name, args, {"stride": stride, "pad": pad})


def _pool_case(rng, x_shape, size, stride, dtype, *, upstream: bool) -> Case:
    x = rng.standard_normal(x_shape).astype(dtype)
    args: tuple = (x,)
    if upstream:
        H_out, W_out = (ref.output_size(s, size, stride, 0) for s in x_shape[2:])
        args += (rng.standard_normal((*x_shape[:2], H_out, W_out)).astype(dtype),)
    name = f"{dtype} x{x_shape} size={size} stride={stride}"
    return Case(name, args, {"size": size, "stride": stride})


def _conv(x, W, b, stride, pad):
    """nnlib's convolution of float64 copies, for the wrong answers."""
    return ref.conv2d_forward(*(np.asarray(a, np.float64) for a in (x, W, b)), stride=stride,
                              pad=pad)[0]  # fmt: skip


class ConvCheck(ArrayCheck):
    """What the checks of the convolution share: their cases, and no batch factor (a sum over
    the batch is named by the mistakes). The probes narrow the batch, the input channels and the
    filters, never the image, whose size the stride and the padding were chosen for."""

    with_upstream = False
    edge_names = {"zeros": "x all zeros (the output is the bias alone)"}

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        configs = HIDDEN_CONVOLUTIONS if hidden else VISIBLE_CONVOLUTIONS
        out = [
            _conv_case(rng, *config, dtype, upstream=self.with_upstream)
            for dtype in DTYPES
            for config in configs
        ]
        for dtype in DTYPES:  # every input zero: the output is the bias alone
            case = _conv_case(rng, (2, 2, 5, 4), (3, 3, 3), 1, 1, dtype,
                              upstream=self.with_upstream)  # fmt: skip
            zeros = (np.zeros_like(case.args[0]), *case.args[1:])
            out.append(dataclasses.replace(case, name=case.name + " x all zeros", args=zeros,
                                           edge=True, group=self.group_name("zeros")))  # fmt: skip
        return out

    def batch(self, case: Case) -> int | None:
        return None


#: What a db summed over some of its axes only says.
DB_AXES = "db is not summed over all of the batch and both image axes"

SHAPES_HINT = (
    "x is (N, C, H, W), W is (F, C, KH, KW) and out is (N, F, H', W') with H' = (H + 2 pad - KH)"
    " // stride + 1, the bias added once per filter"
)


class ConvForwardCheck(ConvCheck):
    """``conv2d_forward(x, W, b, *, stride=1, pad=0) -> (out, cache)``."""

    name = "conv2d_forward"
    reference = (
        "nnlib.conv:conv2d_forward",
        "nnlib.conv:conv2d_forward_naive",
    )
    points = 3.0
    expected_keys = ("out",)
    arg_names = ("x", "W", "b")
    dims = {"N": ((0, 0),), "C": ((0, 1), (1, 1)), "F": ((1, 0), (2, 0))}
    returns = f"the pair (out, cache): out a NumPy array of x's dtype; {SHAPES_HINT}"

    def expected(self, case: Case) -> dict[str, Any]:
        return {"out": ref.conv2d_forward(*case.args, **case.kwargs)[0]}

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        x, W, b = (np.asarray(a, np.float64) for a in case.args)
        stride, pad = case.kwargs["stride"], case.kwargs["pad"]
        F, C, KH, KW = W.shape
        out = _conv(x, W, b, stride, pad)
        at_one = _conv(x, W, b, 1, pad)
        wrong = [
            (
                "the filters are flipped (a convolution in the mathematical sense), where a "
                "CNN's layer uses them as they are",
                _conv(x, W[:, :, ::-1, ::-1], b, stride, pad),
            ),
            ("the bias is missing: filter f's outputs lack b[f]", out - b[:, None, None]),
            (
                "the padding is missing: the `pad` zeros on the four sides of each image are "
                "left out",
                _conv(x, W, b, stride, 0) if min(x.shape[2:]) >= max(KH, KW) else None,
            ),
            (
                "the stride is ignored: the windows start one pixel apart, not `stride` pixels",
                at_one,
            ),
            (
                "window (i, j) starts at pixel (i, j), whatever the stride",
                at_one[:, :, : out.shape[2], : out.shape[3]],
            ),
            (
                "H' and W' are one short: the last window of each row and column is left out",
                out[:, :, :-1, :-1],
            ),
            (
                "only the first input channel is used: a filter sums over all C channels",
                _conv(x[:, :1], W[:, :1], b, stride, pad),
            ),
            (
                "it averages over the input channels: a filter sums its products over all C "
                "channels",
                (out - b[:, None, None]) / C + b[:, None, None],
            ),
            (
                "the window's numbers and the filter's are flattened in different orders",
                _conv(x, W.reshape(F, KH, KW, C).transpose(0, 3, 1, 2), b, stride, pad),
            ),
            ("its first two axes are swapped: out is (N, F, H', W')", out.transpose(1, 0, 2, 3)),
            ("height and width are swapped: out is (N, F, H', W')", out.transpose(0, 1, 3, 2)),
        ]
        return {"out": [(hint, value) for hint, value in wrong if value is not None]}

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        return forward_result(output, "out", self.name)


class ConvBackwardCheck(ConvCheck):
    """``conv2d_backward(dout, cache) -> (dx, dW, db)``, with the student's own forward cache."""

    name = "conv2d_backward"
    reference = ("nnlib.conv:conv2d_backward", "nnlib.conv:sliding_windows_backward")
    points = 4.0
    with_upstream = True
    functions = ("conv2d_forward", "conv2d_backward")
    step = "forward_then_backward"
    arg_names = ("x", "W", "b", "dout")
    expected_keys = ("dx", "dW", "db")
    dims = {"N": ((0, 0), (3, 0)), "C": ((0, 1), (1, 1)), "F": ((1, 0), (2, 0), (3, 1))}
    relations = ("double upstream",)
    upstream = 3
    edge_names = {"zeros": "x all zeros"}
    returns = (
        "the triple (dx, dW, db), NumPy arrays of the shapes and dtype of x, W and b, from the"
        " cache of your conv2d_forward"
    )

    def expected(self, case: Case) -> dict[str, Any]:
        x, W, b, dout = case.args
        _, cache = ref.conv2d_forward(x, W, b, **case.kwargs)
        return dict(zip(self.expected_keys, ref.conv2d_backward(dout, cache), strict=True))

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        x, W, b, dout = (np.asarray(a, np.float64) for a in case.args)
        stride, pad = case.kwargs["stride"], case.kwargs["pad"]
        N = len(x)

        def loops(**mistake):
            return conv_backward_loops(x, W, dout, stride, pad, **mistake)

        flipped = (
            "the filters are not flipped: going back, dx is a convolution with the filters "
            "rotated by 180 degrees, each dout sent back onto the window it was computed from"
        )
        overlap = (
            "overlapping windows overwrite each other's share of dx, where a pixel read by "
            "several windows gets the sum of their gradients"
        )
        starts = (
            "going back, window (i, j) is placed at pixel (i, j), whatever the stride it was "
            "read with"
        )
        dx, dW, _ = loops()
        return {
            "dx": [
                (flipped, loops(flip=True)[0]),
                (
                    "dx has the padded shape: the `pad` rows and columns of each side are "
                    "still on it",
                    loops(crop=False)[0],
                ),
                (overlap, loops(assign=True)[0]),
                (overlap, _dx_by_offset_assigned(x, W, dout, stride, pad)),
                (starts, loops(start_at_stride=False)[0]),
                (
                    "dx holds the first filter's share only, not the shares of all F filters",
                    loops(filters=1)[0],
                ),
            ],
            "dW": [
                (
                    "dW is flipped, where the forward used the filters as they are",
                    dW[:, :, ::-1, ::-1],
                ),
                ("dW sums over every image of the batch, not only the first", loops(images=1)[1]),
                ("it is divided by N: dout already carries the 1/N of the mean loss", dW / N),
                (starts, loops(start_at_stride=False)[1]),
            ],
            "db": [
                (DB_AXES, dout.sum((2, 3))),
                (DB_AXES, dout.sum(0)),
                ("it averages: db is a sum, not a mean", dout.mean((0, 2, 3))),
                ("it is divided by N: dout already carries the 1/N", dout.sum((0, 2, 3)) / N),
            ],
        }

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return f"conv2d_backward must return the triple (dx, dW, db); got {type(output).__name__}"


def _dx_by_offset_assigned(x, W, dout, stride, pad) -> np.ndarray:
    """dx built one filter offset (u, v) at a time, each offset's shares assigned over those
    of the offsets before it, where they must be added."""
    KH, KW = W.shape[2:]
    H_out, W_out = dout.shape[2:]
    dx_pad = np.zeros(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))).shape)
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + stride * H_out, stride)
            cols = slice(v, v + stride * W_out, stride)
            share = np.tensordot(dout, W[:, :, u, v], axes=([1], [0]))  # (N, H', W', C)
            dx_pad[:, :, rows, cols] = share.transpose(0, 3, 1, 2)
    H, Wd = x.shape[2:]
    return dx_pad[:, :, pad : pad + H, pad : pad + Wd]


def conv_backward_loops(x, W, dout, stride, pad, *, flip=False, crop=True, assign=False,
                        start_at_stride=True, filters=None, images=None):  # fmt: skip
    """The convolution's gradients (dx, dW, db), right or with one mistake: the filters flipped
    for dx, the padding left on dx, overlapping windows' shares assigned instead of added,
    windows taken to start at (i, j) rather than at (i * stride, j * stride), only the first
    ``filters`` filters or ``images`` images summed.

    One filter offset (u, v) at a time, as the notebook's answer goes, but for the shares
    assigned, which go one window at a time: each overwrites what the windows before it wrote,
    and what stays is the last filter's share of the last window over each pixel.
    """
    N, F, H_out, W_out = dout.shape
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dW = np.zeros_like(W)
    back = W[:, :, ::-1, ::-1] if flip else W
    step = stride if start_at_stride else 1
    used = F if filters is None else filters
    if assign:  # each window overwrites: the last filter's share of the last window stays
        f = used - 1
        for i in range(H_out):
            for j in range(W_out):
                rows, cols = slice(i * step, i * step + KH), slice(j * step, j * step + KW)
                dx_pad[:, :, rows, cols] = dout[:, f, i, j][:, None, None, None] * back[f]
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + step * H_out, step)
            cols = slice(v, v + step * W_out, step)
            if not assign:
                share = np.tensordot(dout[:, :used], back[:used, :, u, v], axes=([1], [0]))
                dx_pad[:, :, rows, cols] += share.transpose(0, 3, 1, 2)
            patch = x_pad[:images, :, rows, cols] if images else x_pad[:, :, rows, cols]
            grads = dout[:images, :used] if images else dout[:, :used]
            dW[:used, :, u, v] += np.tensordot(grads, patch, axes=([0, 2, 3], [0, 2, 3]))
    H, Wd = x.shape[2:]
    dx = dx_pad[:, :, pad : pad + H, pad : pad + Wd] if crop else dx_pad
    return dx, dW, dout.sum(axis=(0, 2, 3))


class PoolCheck(ArrayCheck):
    """What the checks of max pooling share: their cases. The probes narrow the batch and the
    channels, never the image, and keep no window whose maximum is tied (where any of the tied
    numbers may take the gradient)."""

    with_upstream = False
    edge_names = {"negative": "every number negative"}

    def valid_probe(self, case: Case) -> bool:
        windows = _windows(np.asarray(case.args[0]), case.kwargs["size"], case.kwargs["stride"])
        flat = windows.reshape(*windows.shape[:4], -1)
        return bool(((flat == flat.max(axis=-1, keepdims=True)).sum(axis=-1) == 1).all())

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        configs = HIDDEN_POOLINGS if hidden else VISIBLE_POOLINGS
        out = [
            _pool_case(rng, *config, dtype, upstream=self.with_upstream)
            for dtype in DTYPES
            for config in configs
        ]
        for dtype in DTYPES:  # every number negative: the maximum is still the largest of them
            case = _pool_case(rng, (2, 2, 4, 6), 2, 2, dtype, upstream=self.with_upstream)
            negative = (-np.abs(case.args[0]) - 1, *case.args[1:])
            out.append(dataclasses.replace(case, name=case.name + " x all negative",
                                           args=negative, edge=True,
                                           group=self.group_name("negative")))  # fmt: skip
        return out

    def batch(self, case: Case) -> int | None:
        return None


def _windows(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Every size x size window, (N, C, H', W', size, size)."""
    return ref.sliding_windows(x, size, size, stride)


class PoolForwardCheck(PoolCheck):
    """``maxpool_forward(x, *, size=2, stride=2) -> (out, cache)``."""

    name = "maxpool_forward"
    reference = ("nnlib.conv:maxpool_forward",)
    points = 2.0
    expected_keys = ("out",)
    arg_names = ("x",)
    dims = {"N": ((0, 0),), "C": ((0, 1),)}
    returns = (
        "the pair (out, cache): out a NumPy array (N, C, H', W') of x's dtype, H' = (H - size)"
        " // stride + 1"
    )

    def expected(self, case: Case) -> dict[str, Any]:
        return {"out": ref.maxpool_forward(*case.args, **case.kwargs)[0]}

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        (x,) = (np.asarray(a, np.float64) for a in case.args)
        size, stride = case.kwargs["size"], case.kwargs["stride"]
        windows = _windows(x, size, stride)
        out = windows.max(axis=(4, 5))
        N, C, H, W = x.shape
        wrong = [
            ("it is the mean of each window: max pooling keeps the largest number",
             windows.mean(axis=(4, 5))),
            ("the stride is ignored: the windows start one pixel apart, not `stride` pixels",
             _windows(x, size, 1).max(axis=(4, 5))),
            ("the windows step by `size` instead of `stride` (windows side by side, as a "
             "reshape makes them, are right only when stride == size)",
             _windows(x, size, size).max(axis=(4, 5))),
            ("it takes the largest |x|, not the largest x",
             np.take_along_axis(windows.reshape(*out.shape, -1),
                                np.abs(windows).reshape(*out.shape, -1).argmax(-1)[..., None],
                                -1)[..., 0]),
            ("it is max(x, 0) of each window: a negative maximum stays negative",
             np.maximum(out, 0)),
            ("it takes the maximum over the channels too, not each channel's own",
             out.max(axis=1, keepdims=True)),
            ("it takes the maximum over the channels too, not each channel's own",
             out.max(axis=1)),
            ("height and width are swapped: out is (N, C, H', W')", out.transpose(0, 1, 3, 2)),
            ("only one axis of each window is searched: the maximum is over its size x size "
             "numbers", windows.max(axis=4)[..., 0]),
        ]  # fmt: skip
        if H >= size and W >= size:
            # windows that run past the edge are kept (what PyTorch's ceil_mode does)
            H_ceil, W_ceil = (-(-(s - size) // stride) + 1 for s in (H, W))
            padded = np.pad(x, ((0, 0), (0, 0), (0, size), (0, size)), constant_values=-np.inf)
            ceil = _windows(padded, size, stride)[:, :, :H_ceil, :W_ceil].max(axis=(4, 5))
            if ceil.shape != out.shape:
                wrong.append((
                    "windows that run past the edge are kept, where the notebook has them dropped",
                    ceil))  # fmt: skip
        return {"out": wrong}

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        return forward_result(output, "out", self.name)


#: The requirement of maxpool_backward's cases whose windows' maxima are tied.
TIED = (
    "windows whose maximum is tied: any of the tied numbers may take the gradient, and the"
    " window passes dout back once"
)


class PoolBackwardCheck(PoolCheck):
    """``maxpool_backward(dout, cache) -> dx``, with the student's own forward cache."""

    name = "maxpool_backward"
    reference = ("nnlib.conv:maxpool_backward",)
    points = 2.0
    with_upstream = True
    functions = ("maxpool_forward", "maxpool_backward")
    step = "forward_then_backward"
    arg_names = ("x", "dout")
    expected_keys = ("dx",)
    dims = {"N": ((0, 0), (1, 0)), "C": ((0, 1), (1, 1))}
    relations = ("double upstream",)
    upstream = 1
    returns = "dx, a NumPy array of x's shape and dtype, from the cache of your maxpool_forward"

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        out = super().scored_cases(hidden)
        rng = np.random.default_rng(case_seed(self.name, hidden) + 1)
        for dtype in DTYPES:  # small whole numbers: most windows' maxima are tied
            case = _pool_case(rng, (2, 2, 4, 6), 2, 2, dtype, upstream=True)
            x = rng.integers(0, 3, size=case.args[0].shape).astype(dtype)
            out.append(dataclasses.replace(case, name=case.name + " x of whole numbers 0 to 2",
                                           args=(x, case.args[1]), edge=True, group=TIED))  # fmt: skip
        return out

    def judge(self, case: Case, output: Any) -> Verdict:
        if case.group != TIED:
            return super().judge(case, output)
        parts = self.unpack(case, output)
        if isinstance(parts, str):
            return Verdict(False, parts)
        x, dout = (np.asarray(a, np.float64) for a in case.args)
        dx = as_float_array(parts.get("dx"))
        if dx is None or dx.shape != x.shape:
            shape = None if dx is None else dx.shape
            return Verdict(False, f"dx has shape {shape}, expected {x.shape}")
        size = case.kwargs["size"]  # windows side by side: each number in one window at most
        windows, grads = _windows(x, size, size), _windows(dx, size, size)
        top = windows == windows.max(axis=(4, 5), keepdims=True)
        rtol, atol = tolerance(case.args[0].dtype)
        if not np.allclose(np.where(top, 0.0, grads), 0.0, atol=atol):
            return Verdict(False, "a number below its window's maximum gets some gradient")
        sums = grads.sum(axis=(4, 5))
        if not np.allclose(sums, dout, rtol=2 * rtol, atol=2 * atol):
            ties = top.sum(axis=(4, 5)) > 1
            ratio = sums[ties] / np.where(dout[ties] == 0, np.nan, dout[ties])
            times = np.nanmedian(ratio) if ratio.size and np.isfinite(ratio).any() else np.nan
            said = f"{times:.3g} times dout" if np.isfinite(times) else "another sum than dout"
            return Verdict(
                False,
                f"a window whose maximum is tied passes back {said}: the tied numbers share one"
                " dout, whichever of them takes it",
            )
        return Verdict(True)

    def expected(self, case: Case) -> dict[str, Any]:
        x, dout = case.args
        _, cache = ref.maxpool_forward(x, **case.kwargs)
        return {"dx": ref.maxpool_backward(dout, cache)}

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        x, dout = (np.asarray(a, np.float64) for a in case.args)
        size, stride = case.kwargs["size"], case.kwargs["stride"]

        def loops(**mistake):
            return pool_backward_loops(x, dout, size, stride, **mistake)

        return {
            "dx": [
                (
                    "the gradient goes to every number of the window: only the largest one "
                    "changed the output, and it gets all of dout",
                    loops(to="all"),
                ),
                (
                    "it is average pooling's gradient, dout / size**2 to every number of the window",
                    loops(to="all") / size**2,
                ),  # fmt: skip
                (
                    "a number that is the maximum of overlapping windows gets one window's "
                    "gradient: their shares overwrite each other instead of adding up",
                    loops(assign=True),
                ),
                (
                    "the maximum's position is read wrongly: its row and column are swapped",
                    loops(swap=True),
                ),
                ("the maximum gets 1, not dout", loops(upstream=False)),
                (
                    "going back, window (i, j) is placed at pixel (i, j), whatever the stride "
                    "it was read with",
                    loops(start_at_stride=False),
                ),
                (
                    "the top-left number of each window gets the gradient, not the largest one",
                    loops(to="corner"),
                ),
                (
                    "the maximum's place within its window is taken for its place in the image",
                    loops(offset=False),
                ),
            ]
        }


def pool_backward_loops(x, dout, size, stride, *, to="max", assign=False, swap=False,
                        upstream=True, start_at_stride=True, offset=True):  # fmt: skip
    """Max pooling's dx computed with loops, one window at a time, right or with one mistake:
    the gradient sent ``to`` every number of the window (``"all"``) or to its top-left one
    (``"corner"``), assigned instead of added, the maximum's row and column swapped, dout left
    out (1 at the maximum), windows taken to start at (i, j), the maximum's place in its window
    taken for its place in the image (``offset=False``)."""
    dx = np.zeros_like(x)
    N, C, H_out, W_out = dout.shape
    step = stride if start_at_stride else 1
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * step, j * step
                    window = x[n, c, top : top + size, left : left + size]
                    if window.shape != (size, size):
                        continue
                    grad = dout[n, c, i, j] if upstream else 1.0
                    share = np.zeros((size, size))
                    if to == "all":
                        share[:] = grad
                    elif to == "corner":
                        share[0, 0] = grad
                    else:
                        k = int(window.argmax())
                        row, col = (k % size, k // size) if swap else divmod(k, size)
                        share[row, col] = grad
                    corner = (top, left) if offset else (0, 0)
                    target = dx[n, c, corner[0] : corner[0] + size, corner[1] : corner[1] + size]
                    if assign:
                        target[share != 0] = share[share != 0]
                    else:
                        target += share
    return dx


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "16-convolution"

CHECKS = [
    ConvForwardCheck(),
    ConvBackwardCheck(),
    PoolForwardCheck(),
    PoolBackwardCheck(),
    ClassifierCheck(
        "train_cnn_classifier",
        "predict_cnn",
        points=5.0,
        threshold=0.93,
        chance=0.1,
        loader=ten_sign_digits,
        dataset="the ten sign digits (32 x 32 photos, N x 1 x 32 x 32)",
        time_limit=180.0,
        baseline=("a fully connected network, 1024-256-10", SIGNS_TEN_MLP_BASELINE),
        # the reference CNN on the 411 test photos, 6 draws: 96.8 % on the public photos,
        # 96.1 % at worst with this noise (93 % needed); with 0.03, 92.0 %
        photo_noise=0.01,
    ),
]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant(
    "conv2d_backward",
    "rows = slice(u, u + stride * H_out, stride)",
    "rows = slice(u, u + H_out)",
)


@MISTAKES.helper
def _convolve(x, W, b, stride=1, pad=0, *, flip=False, bias=True, start_at_stride=True,
              one_short=False, channels=None, average=False, dtype=None):  # fmt: skip
    """A convolution with loops, as a student writes it, right or with one mistake."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = (H + 2 * pad - KH) // stride + (0 if one_short else 1)
    W_out = (Wd + 2 * pad - KW) // stride + (0 if one_short else 1)
    step = stride if start_at_stride else 1
    filters = W[:, :, ::-1, ::-1] if flip else W
    used = C if channels is None else channels
    out = np.zeros((N, F, H_out, W_out), dtype=dtype or x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :used, i * step : i * step + KH, j * step : j * step + KW]
                    total = (window * filters[f, :used]).sum()
                    out[n, f, i, j] = (total / C if average else total) + (b[f] if bias else 0)
    return out, (x, W, stride, pad)


@MISTAKES.wrong("conv2d_forward", "the filters flipped", "flipped")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, flip=True)


@MISTAKES.wrong("conv2d_forward", "no bias", "the bias is missing")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, bias=False)


@MISTAKES.wrong("conv2d_forward", "no padding", "the padding is missing")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, 0)


@MISTAKES.wrong("conv2d_forward", "the stride ignored", "the stride is ignored")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, 1, pad)


@MISTAKES.wrong("conv2d_forward", "windows at (i, j)", "whatever the stride")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, start_at_stride=False)


@MISTAKES.wrong("conv2d_forward", "the output size without its + 1", "one short")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, one_short=True)


@MISTAKES.wrong("conv2d_forward", "the first channel only", "first input channel")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, channels=1)


@MISTAKES.wrong("conv2d_forward", "a mean over the channels", "averages over the input channels")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, average=True)


@MISTAKES.wrong("conv2d_forward", "windows flattened channels last", "flattened in different")
def _(x, W, b, *, stride=1, pad=0):
    F, C, KH, KW = W.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # (N, C, H', W', KH, KW)
    N, _, H_out, W_out = windows.shape[:4]
    rows = windows.transpose(0, 2, 3, 4, 5, 1).reshape(N * H_out * W_out, KH * KW * C)
    out = rows @ W.reshape(F, -1).T + b
    return out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2), (x, W, stride, pad)


@MISTAKES.wrong("conv2d_forward", "images and filters swapped", "first two axes are swapped")
def _(x, W, b, *, stride=1, pad=0):
    out, cache = ok.conv2d_forward(x, W, b, stride=stride, pad=pad)
    return out.transpose(1, 0, 2, 3), cache


@MISTAKES.wrong("conv2d_forward", "a float64 output array", "float64 but the input was")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad, dtype=np.float64)


@MISTAKES.helper
def _scatter(dout, cache, *, flip=False, crop=True, assign=False, start_at_stride=True,
             filters=None, images=None, flip_dW=False):  # fmt: skip
    """The convolution's backward pass with loops, as a student writes it, right or with one
    mistake: each output's dout sent back onto the window it was computed from."""
    x, W, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad, dW = np.zeros_like(x_pad), np.zeros_like(W)
    back = W[:, :, ::-1, ::-1] if flip else W
    step = stride if start_at_stride else 1
    for n in range(N):
        for f in range(F if filters is None else filters):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = slice(i * step, i * step + KH), slice(j * step, j * step + KW)
                    if assign:
                        dx_pad[n, :, rows, cols] = dout[n, f, i, j] * back[f]
                    else:
                        dx_pad[n, :, rows, cols] += dout[n, f, i, j] * back[f]
                    if images is None or n < images:
                        dW[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
    H, Wd = x.shape[2:]
    dx = dx_pad[:, :, pad : pad + H, pad : pad + Wd] if crop else dx_pad
    return dx, dW[:, :, ::-1, ::-1] if flip_dW else dW, dout.sum(axis=(0, 2, 3))


@MISTAKES.wrong("conv2d_backward", "dx with the filters not flipped", "not flipped",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    return _scatter(dout, cache, flip=True)


@MISTAKES.wrong("conv2d_backward", "each filter offset's shares assigned", "overwrite",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    x, W, stride, pad = cache
    KH, KW = W.shape[2:]
    H_out, W_out = dout.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + stride * H_out, stride)
            cols = slice(v, v + stride * W_out, stride)
            share = np.tensordot(dout, W[:, :, u, v], axes=([1], [0]))
            dx_pad[:, :, rows, cols] = share.transpose(0, 3, 1, 2)  # = where += belongs
    H, Wd = x.shape[2:]
    dW = np.zeros_like(W)
    for u in range(KH):
        for v in range(KW):
            patch = x_pad[:, :, u : u + stride * H_out : stride, v : v + stride * W_out : stride]
            dW[:, :, u, v] = np.tensordot(dout, patch, axes=([0, 2, 3], [0, 2, 3]))
    return dx_pad[:, :, pad : pad + H, pad : pad + Wd], dW, dout.sum(axis=(0, 2, 3))


@MISTAKES.wrong("conv2d_backward", "the padding left on dx", "padded shape",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    return _scatter(dout, cache, crop=False)


@MISTAKES.wrong("conv2d_backward", "overlapping windows assigned", "overwrite",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    return _scatter(dout, cache, assign=True)


@MISTAKES.wrong("conv2d_backward", "the stride ignored going back", "whatever the stride",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    return _scatter(dout, cache, start_at_stride=False)


@MISTAKES.wrong("conv2d_backward", "dx from the first filter only", "all F filters",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    dx, _, _ = _scatter(dout, cache, filters=1)
    _, dW, db = _scatter(dout, cache)
    return dx, dW, db


@MISTAKES.wrong("conv2d_backward", "dW flipped", "dW is flipped", conv2d_forward=_convolve)
def _(dout, cache):
    return _scatter(dout, cache, flip_dW=True)


@MISTAKES.wrong("conv2d_backward", "dW from the first image only", "every image of the batch",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    return _scatter(dout, cache, images=1)


@MISTAKES.wrong("conv2d_backward", "dW divided by N", "already carries the 1/N",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    dx, dW, db = _scatter(dout, cache)
    return dx, dW / len(dout), db


@MISTAKES.wrong("conv2d_backward", "db summed over the image axes only", "both image axes",
                conv2d_forward=_convolve)  # fmt: skip
def _(dout, cache):
    dx, dW, _ = _scatter(dout, cache)
    return dx, dW, dout.sum(axis=(2, 3))


@MISTAKES.wrong("conv2d_backward", "db averaged", "averages", conv2d_forward=_convolve)
def _(dout, cache):
    dx, dW, _ = _scatter(dout, cache)
    return dx, dW, dout.mean(axis=(0, 2, 3))


@MISTAKES.helper
def _pool(x, size=2, stride=2, *, reduce=np.max, step=None, key=None, ceil=False):
    """Max pooling with loops over the windows, as a student writes it, right or with one
    mistake: another reduction, windows every ``step`` pixels, the largest ``key(window)``, or
    the windows that run past the edge kept."""
    N, C, H, W = x.shape
    step = step or stride
    H_out, W_out = ((s - size) // step + 1 for s in (H, W))
    if ceil:
        H_out, W_out = (-(-(s - size) // step) + 1 for s in (H, W))
    out = np.zeros((N, C, H_out, W_out), x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * step : i * step + size, j * step : j * step + size]
            if key is None:
                out[:, :, i, j] = reduce(window, axis=(2, 3))
            else:
                flat = window.reshape(N, C, -1)
                k = key(flat).argmax(axis=-1)
                out[:, :, i, j] = np.take_along_axis(flat, k[..., None], -1)[..., 0]
    return out, (x, size, stride)


@MISTAKES.wrong("maxpool_forward", "average pooling", "the mean of each window")
def _(x, *, size=2, stride=2):
    return _pool(x, size, stride, reduce=np.mean)


@MISTAKES.wrong("maxpool_forward", "the stride ignored", "the stride is ignored")
def _(x, *, size=2, stride=2):
    return _pool(x, size, stride, step=1)


@MISTAKES.wrong("maxpool_forward", "windows every size pixels", "step by `size`")
def _(x, *, size=2, stride=2):
    return _pool(x, size, stride, step=size)


@MISTAKES.wrong("maxpool_forward", "the largest |x|", "largest |x|")
def _(x, *, size=2, stride=2):
    return _pool(x, size, stride, key=np.abs)


@MISTAKES.wrong("maxpool_forward", "a ReLU folded in", "max(x, 0)")
def _(x, *, size=2, stride=2):
    out, cache = _pool(x, size, stride)
    return np.maximum(out, 0), cache


@MISTAKES.wrong("maxpool_forward", "the maximum over the channels", "over the channels too")
def _(x, *, size=2, stride=2):
    out, cache = _pool(x, size, stride)
    return out.max(axis=1, keepdims=True), cache


@MISTAKES.wrong("maxpool_forward", "height and width swapped", "height and width are swapped")
def _(x, *, size=2, stride=2):
    out, cache = _pool(x, size, stride)
    return out.transpose(0, 1, 3, 2), cache


@MISTAKES.wrong("maxpool_forward", "the maximum over the rows only", "only one axis")
def _(x, *, size=2, stride=2):
    out, cache = _pool(x, size, stride, key=lambda flat: np.where(
        np.arange(flat.shape[-1]) % size == 0, flat, -np.inf))  # fmt: skip
    return out, cache


@MISTAKES.wrong("maxpool_forward", "windows past the edge kept", "dropped")
def _(x, *, size=2, stride=2):
    padded = np.pad(x, ((0, 0), (0, 0), (0, size), (0, size)), constant_values=-np.inf)
    H, W = x.shape[2:]
    out, _ = _pool(padded, size, stride)
    H_out, W_out = (-(-(s - size) // stride) + 1 for s in (H, W))
    return out[:, :, :H_out, :W_out], (x, size, stride)


@MISTAKES.wrong("maxpool_forward", "a reshape into windows side by side", "stride == size")
def _(x, *, size=2, stride=2):
    N, C, H, W = x.shape
    cut = x[:, :, : H // size * size, : W // size * size]
    out = cut.reshape(N, C, H // size, size, W // size, size).max(axis=(3, 5))
    return out, (x, size, stride)


@MISTAKES.helper
def _unpool(dout, cache, *, to="max", assign=False, swap=False, upstream=True,
            start_at_stride=True, offset=True):  # fmt: skip
    """Max pooling's backward pass with loops, as a student writes it, right or with one
    mistake."""
    x, size, stride = cache
    dx = np.zeros_like(x)
    N, C, H_out, W_out = dout.shape
    step = stride if start_at_stride else 1
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * step, j * step
                    window = x[n, c, top : top + size, left : left + size]
                    grad = dout[n, c, i, j] if upstream else 1.0
                    if to == "all":
                        dx[n, c, top : top + size, left : left + size] += grad
                        continue
                    if to == "mean":
                        dx[n, c, top : top + size, left : left + size] += grad / size**2
                        continue
                    k = 0 if to == "corner" else int(window.argmax())
                    row, col = (k % size, k // size) if swap else divmod(k, size)
                    if offset:
                        row, col = top + row, left + col
                    if assign:
                        dx[n, c, row, col] = grad
                    else:
                        dx[n, c, row, col] += grad
    return dx


@MISTAKES.wrong("maxpool_backward", "the gradient to the whole window", "every number of the",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, to="all")


@MISTAKES.wrong("maxpool_backward", "average pooling's gradient", "average pooling's",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, to="mean")


@MISTAKES.wrong("maxpool_backward", "overlapping windows assigned", "overwrite each other",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, assign=True)


@MISTAKES.wrong("maxpool_backward", "row and column of the maximum swapped", "column are swapped",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, swap=True)


@MISTAKES.wrong("maxpool_backward", "1 at the maximum", "gets 1, not dout",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, upstream=False)


@MISTAKES.wrong("maxpool_backward", "the stride ignored going back", "whatever the stride",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, start_at_stride=False)


@MISTAKES.wrong("maxpool_backward", "the top-left number", "top-left",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, to="corner")


@MISTAKES.wrong("maxpool_backward", "the maximum's place within its window", "its window",
                maxpool_forward=_pool)  # fmt: skip
def _(dout, cache):
    return _unpool(dout, cache, offset=False)


# --- right answers written otherwise than the solution: full marks --------------------------------


@MISTAKES.right("conv2d_forward", "four loops, one output number at a time")
def _(x, W, b, *, stride=1, pad=0):
    return _convolve(x, W, b, stride, pad)


@MISTAKES.right("conv2d_forward", "im2col and one matrix product")
def _(x, W, b, *, stride=1, pad=0):
    F, C, KH, KW = W.shape
    N, _, H, Wd = x.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (Wd + 2 * pad - KW) // stride + 1
    cols = np.empty((C * KH * KW, N * H_out * W_out), x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride : i * stride + KH, j * stride : j * stride + KW]
            cols[:, (i * W_out + j) :: H_out * W_out] = window.reshape(N, -1).T
    out = (W.reshape(F, -1) @ cols).reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    return out + b[:, None, None], (x, W, stride, pad)


@MISTAKES.right("conv2d_backward", "loops, each output's dout sent back onto its window")
def _(dout, cache):
    return _scatter(dout, cache)


@MISTAKES.right("conv2d_backward", "einsum over the windows, a loop over the filter's numbers")
def _(dout, cache):
    x, W, stride, pad = cache
    KH, KW = W.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    dW = np.einsum("nfij,ncijuv->fcuv", dout, windows)
    dx_pad = np.zeros_like(x_pad)
    H_out, W_out = dout.shape[2:]
    for u in range(KH):
        for v in range(KW):
            share = np.einsum("nfij,fc->ncij", dout, W[:, :, u, v])
            dx_pad[:, :, u : u + stride * H_out : stride, v : v + stride * W_out : stride] += share
    H, Wd = x.shape[2:]
    return dx_pad[:, :, pad : pad + H, pad : pad + Wd], dW, dout.sum(axis=(0, 2, 3))


@MISTAKES.right("maxpool_forward", "loops over the windows")
def _(x, *, size=2, stride=2):
    return _pool(x, size, stride)


@MISTAKES.right("maxpool_backward", "loops, the window's maximum found again")
def _(dout, cache):
    return _unpool(dout, cache)


@MISTAKES.right("maxpool_backward", "the tied maxima share dout equally")
def _(dout, cache):
    x, size, stride = cache
    dx = np.zeros_like(x)
    H_out, W_out = dout.shape[2:]
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            share = mask / mask.sum(axis=(2, 3), keepdims=True)
            dx[:, :, rows, cols] += (share * dout[:, :, i, j][:, :, None, None]).astype(x.dtype)
    return dx


@MISTAKES.wrong("maxpool_backward", "a mask of the window's maximum", "maximum is tied passes back")
def _(dout, cache):
    x, size, stride = cache
    dx = np.zeros_like(x)
    H_out, W_out = dout.shape[2:]
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, rows, cols] += mask * dout[:, :, i, j][:, :, None, None]
    return dx
