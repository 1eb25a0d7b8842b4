"""Checks of the activation pairs and softmax against :mod:`nnlib.activations`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.arrays import ArrayCheck, forward_result, large
from autograder.checks.base import Case
from autograder.checks.mistakes import Mistakes
from nnlib import activations as ref

UPSTREAM = "it ignores the upstream gradient da: it returns the local derivative alone"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-z))


def _inputs(rng: np.random.Generator, shape, dtype: str, kind: str) -> np.ndarray:
    if kind == "zeros":
        return np.zeros(shape, dtype=dtype)
    if kind == "large":
        return large(rng, shape, dtype)
    return (rng.standard_normal(shape) * 2).astype(dtype)


def _label(shape, dtype: str, kind: str) -> str:
    what = {"random": "random z", "zeros": "z all zeros", "large": "|z| up to 1e4"}[kind]
    return f"{dtype} z{tuple(shape)} {what}"


#: The axes of the batch and of the units among ``(z, da)``: each is narrowed by the probes.
ELEMENTWISE = {"N": ((0, 0), (1, 0)), "C": ((0, 1), (1, 1))}
#: What the large cases test, as the report names it.
LARGE = {"large": "|z| up to 1e4"}


class ForwardCheck(ArrayCheck):
    """``<act>_forward(z) -> (a, cache)``: ``a`` must match nnlib's."""

    expected_keys = ("a",)
    arg_names = ("z",)
    dims = {"N": ((0, 0),), "C": ((0, 1),)}
    edge_names = LARGE
    returns = "the pair (a, cache): a, a NumPy array of z's shape, and a cache of your choice"

    def __init__(self, act: str, points: float, wrong: Callable[[np.ndarray, dict], list]):
        self.act = act
        self.name = f"{act}_forward"
        self.reference = (f"nnlib.activations:{self.name}",)
        self.points = points
        self._wrong = wrong

    def make_case(self, rng, shape, dtype, kind):
        z = _inputs(rng, shape, dtype, kind)
        kwargs = {}
        if self.act == "leaky_relu" and kind == "random" and shape[0] > 1:
            kwargs = {"alpha": 0.2}
        return Case(_label(shape, dtype, kind) + _alpha(kwargs), (z,), kwargs)

    def expected(self, case):
        a, _ = getattr(ref, self.name)(*case.args, **case.kwargs)
        return {"a": a}

    def mistakes(self, case):
        # in the case's dtype, so that a form that overflows gives the same inf and NaN
        with np.errstate(all="ignore"):
            return {"a": self._wrong(case.args[0], case.kwargs)}

    def unpack(self, case, output):
        return forward_result(output, "a", self.name)


def _alpha(kwargs: dict) -> str:
    return f" alpha={kwargs['alpha']}" if "alpha" in kwargs else ""


class BackwardCheck(ArrayCheck):
    """``<act>_backward(da, cache) -> dz``, with the cache from the student's own forward."""

    expected_keys = ("dz",)
    arg_names = ("z", "da")
    step = "forward_then_backward"
    dims = ELEMENTWISE
    relations = ("double upstream",)
    upstream = 1
    edge_names = LARGE
    returns = "dz, a NumPy array of z's shape, from the upstream gradient da and the cache"

    def __init__(
        self,
        act: str,
        points: float,
        wrong: Callable[[np.ndarray, np.ndarray, np.ndarray, dict], list],
        at_zero: str = "",
    ):
        self.act = act
        self.name = f"{act}_backward"
        self.reference = (f"nnlib.activations:{self.name}",)
        self.forward = f"{act}_forward"
        self.functions = (self.forward, self.name)
        self.points = points
        self._wrong = wrong
        # a kink at 0: the notebook states the derivative there, and the zeros case grades it
        if at_zero:
            self.edge_names = {**LARGE, "zeros": f"z = 0, where the derivative is {at_zero}"}

    def make_case(self, rng, shape, dtype, kind):
        z = _inputs(rng, shape, dtype, kind)
        da = rng.standard_normal(shape).astype(dtype)
        kwargs = {"alpha": 0.2} if self.act == "leaky_relu" and shape[0] > 1 else {}
        return Case(_label(shape, dtype, kind) + _alpha(kwargs), (z, da), kwargs)

    def expected(self, case):
        z, da = case.args
        _, cache = getattr(ref, self.forward)(z, **case.kwargs)
        return {"dz": getattr(ref, self.name)(da, cache)}

    def mistakes(self, case):
        z, da = (np.asarray(v, dtype=np.float64) for v in case.args)
        a, _ = getattr(ref, self.forward)(z, **case.kwargs)
        with np.errstate(all="ignore"):
            return {"dz": self._wrong(z, a, da, case.kwargs)}


def _sigmoid_forward_wrong(z, kw):
    return [
        ("it computes 1 / (1 + exp(z)): the sign of the exponent is flipped", _sigmoid(-z)),
        ("that is tanh(z), not the sigmoid", np.tanh(z)),
        ("it computes exp(-z) / (1 + exp(z))", np.exp(-z) / (1 + np.exp(z))),
        (
            "it computes exp(z) / (1 + exp(z)), which overflows for large z (inf / inf is NaN),"
            " where the sigmoid is finite",
            np.exp(z) / (1 + np.exp(z)),
        ),
    ]


def _tanh_forward_wrong(z, kw):
    return [
        ("that is the sigmoid, not tanh", _sigmoid(z)),
        ("it computes 2 * sigmoid(z) - 1, which is tanh(z / 2), not tanh(z)", 2 * _sigmoid(z) - 1),
        (
            "exp(z) overflows for large |z| (inf / inf is NaN), where tanh is finite",
            (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
        ),
    ]


def _relu_forward_wrong(z, kw):
    return [
        ("it computes |z|: negative inputs must give 0", np.abs(z)),
        ("it keeps the negative side and drops the positive one", np.minimum(z, 0)),
        ("it returns the indicator z > 0, 0 or 1, not the value of z", (z > 0).astype(float)),
        (
            "it lets 0.01 * z through on the negative side: that is the leaky ReLU; ReLU gives 0",
            np.maximum(z, 0.01 * z),
        ),
    ]


def _leaky_forward_wrong(z, kw):
    alpha = kw.get("alpha", 0.01)
    return [
        ("it ignores alpha and always uses 0.01", np.where(z > 0, z, 0.01 * z)),
        ("negative inputs give 0: that is ReLU, without the slope alpha", np.maximum(z, 0)),
        ("it scales the positive side by alpha instead", np.where(z > 0, alpha * z, z)),
    ]


def _sigmoid_backward_wrong(z, a, da, kw):
    return [
        (UPSTREAM, a * (1 - a)),
        (
            "derivative taken at the wrong point: it applies the sigmoid again to the cached a,"
            " which is already sigma(z)",
            da * _sigmoid(a) * (1 - _sigmoid(a)),
        ),
        (
            "derivative taken at z: it uses z (1 - z), but the sigmoid's derivative is written"
            " with its output a, not its input z",
            da * z * (1 - z),
        ),
        ("it multiplies da by a alone: a factor of the sigmoid's derivative is missing", da * a),
    ]


def _tanh_backward_wrong(z, a, da, kw):
    return [
        (UPSTREAM, 1 - a**2),
        (
            "derivative taken at z: it uses 1 - z**2, but tanh's derivative is written with its"
            " output a, not its input z",
            da * (1 - z**2),
        ),
        (
            "derivative taken at the wrong point: it applies tanh again to the cached a, which"
            " is already tanh(z)",
            da * (1 - np.tanh(a) ** 2),
        ),
        ("it uses 1 - a: the square is missing", da * (1 - a)),
    ]


def _relu_backward_wrong(z, a, da, kw):
    return [
        (UPSTREAM, (z > 0).astype(float)),
        ("it multiplies da by z, not by ReLU's derivative", da * z),
        ("it multiplies da by a, the ReLU's output, not by its derivative", da * a),
        ("it passes the gradient where z < 0, the side where ReLU is flat", da * (z < 0)),
        (
            "at z = 0 it passes the gradient on; the notebook takes the derivative there as 0",
            da * (z >= 0),
        ),
    ]


def _leaky_backward_wrong(z, a, da, kw):
    alpha = kw.get("alpha", 0.01)
    return [
        (UPSTREAM, np.where(z > 0, 1.0, alpha)),
        ("it ignores alpha (from the cache) and uses 0.01", np.where(z > 0, da, 0.01 * da)),
        ("negative inputs get no gradient: that is ReLU's derivative", da * (z > 0)),
        ("it multiplies da by a instead of the slope", da * a),
        (
            "at z = 0 it passes the gradient on unchanged; the notebook takes the derivative"
            " there as alpha",
            np.where(z >= 0, da, alpha * da),
        ),
    ]


class SoftmaxCheck(ArrayCheck):
    """``softmax(z) -> probs``, row by row and stable for large logits."""

    name = "softmax"
    reference = ("nnlib.activations:softmax",)
    points = 2.0
    expected_keys = ("probs",)
    arg_names = ("z",)
    dims = {"N": ((0, 0),), "C": ((0, 1),)}
    relations = ("shift rows",)
    edge_names = {**LARGE, "rows apart": "rows 1000 apart"}
    returns = "probs, a NumPy array of z's shape whose rows each sum to 1"

    def edge_kinds(self):
        return ("zeros", "large", "rows apart")

    def make_case(self, rng, shape, dtype, kind):
        n, c = shape
        c = max(c, 2)
        if kind == "rows apart":
            # rows 1000 apart: subtracting the array's maximum leaves exp(-1000) = 0 in a row
            offsets = np.where(np.arange(n) % 2 == 0, 500.0, -500.0)[:, None]
            z = (rng.standard_normal((n, c)) + offsets).astype(dtype)
            return Case(f"{dtype} logits{(n, c)} rows 1000 apart", (z,))
        z = _inputs(rng, (n, c), dtype, kind)
        return Case(_label((n, c), dtype, kind).replace("z(", "logits("), (z,))

    def expected(self, case):
        return {"probs": ref.softmax(*case.args)}

    def mistakes(self, case):
        z = np.asarray(case.args[0], dtype=np.float64)
        e = np.exp(z - z.max())
        e0 = np.exp(z - z.max(axis=0, keepdims=True))
        own = case.args[0]  # in its dtype: the overflow of exp(z) as the student's
        return {
            "probs": [
                (
                    "exp(z) overflows for large logits: the max-subtraction that keeps it"
                    " finite is missing",
                    np.exp(own) / np.exp(own).sum(axis=1, keepdims=True),
                ),
                (
                    "it subtracts the maximum of the whole array, not each row's maximum: rows"
                    " far below it give 0 / 0",
                    np.exp(own - own.max()) / np.exp(own - own.max()).sum(axis=1, keepdims=True),
                ),
                (
                    "it normalises each column (axis=0); softmax normalises each row (axis=1)",
                    e0 / e0.sum(axis=0, keepdims=True),
                ),
                ("it normalises over the whole array; each row must sum to 1", e / e.sum()),
                ("it returns exp(z) without dividing by the row sums", np.exp(z)),
            ]
        }


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "05-activations"

CHECKS = [
    ForwardCheck("sigmoid", 1.0, _sigmoid_forward_wrong),
    BackwardCheck("sigmoid", 1.0, _sigmoid_backward_wrong),
    ForwardCheck("tanh", 1.0, _tanh_forward_wrong),
    BackwardCheck("tanh", 1.0, _tanh_backward_wrong),
    ForwardCheck("relu", 1.0, _relu_forward_wrong),
    BackwardCheck("relu", 1.0, _relu_backward_wrong, at_zero="taken as 0"),
    ForwardCheck("leaky_relu", 1.0, _leaky_forward_wrong),
    BackwardCheck("leaky_relu", 1.0, _leaky_backward_wrong, at_zero="taken as alpha"),
    SoftmaxCheck(),
]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("softmax", "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z)")


@MISTAKES.wrong("sigmoid_forward", "exp(z) instead of exp(-z)", "sign of the exponent")
def _(z):
    a = 1 / (1 + np.exp(z))
    return a, a


@MISTAKES.wrong("sigmoid_forward", "tanh instead", "that is tanh")
def _(z):
    a = np.tanh(z)
    return a, a


@MISTAKES.wrong("sigmoid_forward", "returns a only", "must return the pair (a, cache)")
def _(z):
    return 1 / (1 + np.exp(-z))


@MISTAKES.wrong("sigmoid_forward", "overflows: exp(z) / (1 + exp(z))", "overflows for large z")
def _(z):
    a = np.exp(z) / (1 + np.exp(z))
    return a, a


@MISTAKES.wrong("sigmoid_forward", "float64 result", "keep the input's dtype")
def _(z):
    a = 1 / (1 + np.exp(-z.astype(np.float64)))
    return a, a


@MISTAKES.wrong("sigmoid_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return cache * (1 - cache)


@MISTAKES.wrong("sigmoid_backward", "derivative at the wrong point: sigma(a)", "wrong point")
def _(da, cache):
    s = 1 / (1 + np.exp(-cache))
    return da * s * (1 - s)


@MISTAKES.helper
def _sigmoid_caching_z(z):
    return 1 / (1 + np.exp(-z)), z


@MISTAKES.wrong(
    "sigmoid_backward",
    "uses z (1 - z)",
    "derivative taken at z",
    sigmoid_forward=_sigmoid_caching_z,
)
def _(da, cache):
    return da * cache * (1 - cache)


@MISTAKES.wrong("sigmoid_backward", "missing (1 - a)", "factor of the sigmoid's derivative")
def _(da, cache):
    return da * cache


@MISTAKES.wrong("tanh_forward", "sigmoid instead", "that is the sigmoid")
def _(z):
    a = 1 / (1 + np.exp(-z))
    return a, a


@MISTAKES.wrong("tanh_forward", "overflows: exp ratio", "overflows for large |z|")
def _(z):
    a = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return a, a


@MISTAKES.wrong("tanh_forward", "2 sigmoid(z) - 1", "tanh(z / 2)")
def _(z):
    a = 2 * (1 / (1 + np.exp(-z))) - 1
    return a, a


@MISTAKES.wrong("tanh_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return 1 - cache**2


@MISTAKES.helper
def _tanh_caching_z(z):
    return np.tanh(z), z


@MISTAKES.wrong(
    "tanh_backward", "uses 1 - z**2", "derivative taken at z", tanh_forward=_tanh_caching_z
)
def _(da, cache):
    return da * (1 - cache**2)


@MISTAKES.wrong("tanh_backward", "missing square", "square is missing")
def _(da, cache):
    return da * (1 - cache)


@MISTAKES.wrong("relu_forward", "absolute value", "|z|")
def _(z):
    return np.abs(z), z


@MISTAKES.wrong("relu_forward", "keeps the negative side", "keeps the negative side")
def _(z):
    return np.minimum(z, 0), z


@MISTAKES.wrong("relu_forward", "indicator", "indicator")
def _(z):
    return (z > 0).astype(z.dtype), z


@MISTAKES.wrong("relu_forward", "leaky", "leaky ReLU")
def _(z):
    return np.maximum(z, 0.01 * z), z


@MISTAKES.wrong("relu_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return (cache > 0).astype(da.dtype)


@MISTAKES.wrong("relu_backward", "multiplies by z", "multiplies da by z")
def _(da, cache):
    return da * cache


@MISTAKES.wrong("relu_backward", "negative side", "where z < 0")
def _(da, cache):
    return da * (cache < 0)


@MISTAKES.wrong("relu_backward", "derivative 1 at z = 0", "at z = 0 it passes the gradient on")
def _(da, cache):
    return da * (cache >= 0)


@MISTAKES.wrong("leaky_relu_forward", "ignores alpha", "ignores alpha")
def _(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z), (z, alpha)


@MISTAKES.wrong("leaky_relu_forward", "plain ReLU", "that is ReLU")
def _(z, alpha=0.01):
    return np.maximum(z, 0), (z, alpha)


@MISTAKES.wrong("leaky_relu_forward", "alpha on the positive side", "positive side by alpha")
def _(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z), (z, alpha)


@MISTAKES.helper
def _leaky_caching_z(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z), z


@MISTAKES.wrong(
    "leaky_relu_backward",
    "alpha not in the cache",
    "ignores alpha",
    leaky_relu_forward=_leaky_caching_z,
)
def _(da, cache):
    return np.where(cache > 0, da, 0.01 * da)


@MISTAKES.wrong("leaky_relu_backward", "ReLU's derivative", "ReLU's derivative")
def _(da, cache):
    z, alpha = cache
    return da * (z > 0)


@MISTAKES.wrong("leaky_relu_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    z, alpha = cache
    return np.where(z > 0, 1.0, alpha).astype(da.dtype)


@MISTAKES.wrong("leaky_relu_backward", "slope 1 at z = 0", "at z = 0 it passes the gradient on")
def _(da, cache):
    z, alpha = cache
    return np.where(z >= 0, da, alpha * da)


@MISTAKES.wrong("softmax", "no max-subtraction", "max-subtraction")
def _(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@MISTAKES.wrong("softmax", "normalises columns", "axis=0")
def _(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@MISTAKES.wrong("softmax", "normalises the whole array", "whole array")
def _(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@MISTAKES.wrong("softmax", "subtracts the global maximum", "each row's maximum")
def _(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=1, keepdims=True)


@MISTAKES.wrong("softmax", "no keepdims", "could not be broadcast")
def _(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


@MISTAKES.wrong("softmax", "columns, with each column's maximum subtracted", "axis=0")
def _(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("sigmoid_forward", "clipped before exp")
def _(z):
    a = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    return a, a


@MISTAKES.right("sigmoid_forward", "naive, overflow warnings silenced")
def _(z):
    with np.errstate(over="ignore"):
        a = 1 / (1 + np.exp(-z))
    return a, a


@MISTAKES.right("sigmoid_forward", "float64 inside, cast back")
def _(z):
    a = (0.5 * (1 + np.tanh(0.5 * z.astype(np.float64)))).astype(z.dtype)
    return a, a


@MISTAKES.right("tanh_forward", "2 sigmoid(2z) - 1 from exp(-|z|)")
def _(z):
    e = np.exp(-2 * np.abs(z))
    a = np.sign(z) * (1 - e) / (1 + e)
    return a.astype(z.dtype), a


@MISTAKES.right("relu_forward", "a loop over the entries")
def _(z):
    a = z.copy()
    for index in np.ndindex(*z.shape):
        if a[index] < 0:
            a[index] = 0
    return a, z


@MISTAKES.right("relu_backward", "np.where on the cached z")
def _(da, cache):
    return np.where(cache > 0, da, np.zeros_like(da))


@MISTAKES.right("leaky_relu_forward", "np.maximum for alpha below 1")
def _(z, alpha=0.01):
    return np.where(z > 0, z, z * z.dtype.type(alpha)), (z, alpha)


@MISTAKES.right("softmax", "exp(z - logsumexp(z)) in float32")
def _(z):
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.exp(z - lse)


@MISTAKES.right("softmax", "a loop over the rows, in float64, cast back")
def _(z):
    out = np.empty_like(z)
    for i, row in enumerate(z.astype(np.float64)):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out
