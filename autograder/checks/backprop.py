"""Checks of chapter 7 (backpropagation): ``dense_backward``, and ``loss_and_grads`` of a network
with one hidden ReLU layer and a softmax cross-entropy output, against nnlib.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.arrays import ArrayCheck
from autograder.checks.base import Case
from autograder.checks.feedforward import random_weights
from autograder.checks.mistakes import Mistakes
from nnlib import activations as act
from nnlib import layers as ref
from nnlib import losses


class DenseBackwardCheck(ArrayCheck):
    """``dense_backward(dout, cache) -> (dx, dW, db)`` with the student's own forward cache."""

    name = "dense_backward"
    reference = ("nnlib.layers:dense_backward",)
    arg_names = ("x", "W", "b", "dout")
    points = 3.0
    functions = ("dense_forward", "dense_backward")
    step = "forward_then_backward"
    expected_keys = ("dx", "dW", "db")
    dims = {"N": ((0, 0), (3, 0)), "D": ((0, 1), (1, 0)), "M": ((1, 1), (2, 0), (3, 1))}
    relations = ("double upstream",)
    upstream = 3
    returns = "the triple (dx, dW, db), NumPy arrays of the shapes and dtype of x, W and b"

    def edge_kinds(self):
        return ("zeros",)

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        m = d + 2
        x = rng.standard_normal((n, d)).astype(dtype)
        W = rng.standard_normal((d, m)).astype(dtype)
        b = rng.standard_normal(m).astype(dtype)
        dout = rng.standard_normal((n, m)).astype(dtype)
        if kind == "zeros":
            dout = np.zeros_like(dout)
        label = f"{dtype} x{(n, d)} W{(d, m)}" + (" dout all zeros" if kind == "zeros" else "")
        return Case(label, (x, W, b, dout))

    def expected(self, case):
        x, W, b, dout = case.args
        _, cache = ref.dense_forward(x, W, b)
        dx, dW, db = ref.dense_backward(dout, cache)
        return {"dx": dx, "dW": dW, "db": db}

    def mistakes(self, case):
        x, W, b, dout = (np.asarray(v, np.float64) for v in case.args)
        square = W.shape[0] == W.shape[1]  # only there does dout @ W have a shape at all
        return {
            "dx": [
                (
                    "it multiplies dout by W as it is, without transposing it: dx has the"
                    " shape of x",
                    dout @ W,
                ),
            ]
            if square
            else [],
            "dW": [
                ("it is transposed: dW has the shape of W, (D, M)", dout.T @ x),
                (
                    "it is divided by N: dout already carries the 1/N of the mean loss",
                    x.T @ dout / len(x),
                ),
            ],
            "db": [
                ("it sums over axis 1, across the units, not over the batch", dout.sum(axis=1)),
                ("it averages over the batch: db is a sum, not a mean", dout.mean(0)),
                (
                    "db must have shape (M,): the sum keeps its axis (keepdims)",
                    dout.sum(0, keepdims=True),
                ),
            ],
        }

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return f"dense_backward must return the triple (dx, dW, db); got {type(output).__name__}"


class LossAndGradsCheck(ArrayCheck):
    """``loss_and_grads(X, y, params) -> (loss, grads)`` for ``D -> H (ReLU) -> C (softmax)``."""

    python_floats = ("loss",)
    name = "loss_and_grads"
    reference = ("nnlib.network:MLP.loss_and_grads",)
    points = 4.0
    expected_keys = ("loss", "dW1", "db1", "dW2", "db2")
    arg_names = ("X", "y", "params")
    relations = ("repeat batch",)
    edge_names = {"large": "logits about 1e4"}
    returns = (
        "the pair (loss, grads): loss a Python float, grads a dict of the keys of params, each"
        " a NumPy array of its parameter's shape and dtype"
    )

    def edge_kinds(self):
        return ("large",)

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        h, c = d + 3, 3
        X = rng.standard_normal((n, d)).astype(dtype)
        params = random_weights(rng, [d, h, c], dtype)
        if kind == "large":
            params["W2"] = (params["W2"] * 1e4).astype(dtype)
        y = rng.integers(0, c, size=n)
        label = f"{dtype} X{(n, d)} sizes [{d}, {h}, {c}]" + (
            " logits ~1e4" if kind == "large" else ""
        )
        return Case(label, (X, y, params))

    @staticmethod
    def _reference(X, y, params, relu_backward=True, cross_entropy=losses.softmax_cross_entropy):
        z1, c1 = ref.dense_forward(X, params["W1"], params["b1"])
        h, c_relu = act.relu_forward(z1)
        logits, c2 = ref.dense_forward(h, params["W2"], params["b2"])
        loss, dlogits = cross_entropy(logits, y)
        dh, dW2, db2 = ref.dense_backward(dlogits, c2)
        dz1 = act.relu_backward(dh, c_relu) if relu_backward else dh
        _, dW1, db1 = ref.dense_backward(dz1, c1)
        return {"loss": loss, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    def expected(self, case):
        return self._reference(*case.args)

    def mistakes(self, case):
        X, y, params = case.args
        X = np.asarray(X, np.float64)
        params = {k: np.asarray(v, np.float64) for k, v in params.items()}
        skipped = self._reference(X, y, params, relu_backward=False)
        hint = "the ReLU's derivative is missing: dh reaches the first layer without it"
        out = {"dW1": [(hint, skipped["dW1"])], "db1": [(hint, skipped["db1"])]}
        # in the case's dtype, so that exp overflows where the student's does
        naive = self._reference(*case.args, cross_entropy=_naive_cross_entropy)
        overflow = (
            "NaN or infinite for large logits: exp(logits) overflows, or a probability"
            " underflows to 0 before its log; the cross-entropy must come from the logits in a"
            " form that stays finite (max-subtraction)"
        )
        for key, value in naive.items():
            out.setdefault(key, []).append((overflow, value))
        for key, slips in _loss_and_grads_slips(X, np.asarray(y), params).items():
            out.setdefault(key, []).extend(slips)
        return out

    def unpack(self, case, output):
        if not (isinstance(output, tuple | list) and len(output) == 2):
            return "loss_and_grads must return the pair (loss, grads)"
        loss, grads = output
        if not isinstance(grads, dict):
            return f"grads must be a dict with keys W1, b1, W2, b2; got {type(grads).__name__}"
        missing = [k for k in ("W1", "b1", "W2", "b2") if k not in grads]
        if missing:
            return f"grads lacks the keys {missing}: it needs one gradient per parameter"
        parts = {f"d{k}": grads[k] for k in ("W1", "b1", "W2", "b2")}
        parts["loss"] = loss
        return parts


def _loss_and_grads_slips(X: np.ndarray, y: np.ndarray, params: dict) -> dict[str, list]:
    """The loss and first-layer gradients of two slips, worked out in float64: the labels'
    log-probabilities taken as whole columns, and the ReLU's mask read from dh."""
    z1 = X @ params["W1"] + params["b1"]
    h = np.maximum(z1, 0)
    logits = h @ params["W2"] + params["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(X)
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    dh = dlogits / n @ params["W2"].T
    masked = dh * (dh > 0)
    mask = "the ReLU's mask is taken from the gradient dh; it is where the layer's input z1 > 0"
    return {
        "loss": [
            (
                "it averages an N x N block of log-probabilities: each row's loss is the"
                " log-probability of that row's own label, one entry per row",
                float(-log_p[:, y].mean()),
            )
        ],
        "dW1": [(mask, X.T @ masked)],
        "db1": [(mask, masked.sum(axis=0))],
    }


def _naive_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The softmax cross-entropy without max-subtraction: what overflows for large logits."""
    n = len(logits)
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        loss = float(-np.log(p[np.arange(n), y]).mean())
    d = p.copy()
    d[np.arange(n), y] -= 1
    return loss, d / n


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "07-backprop"

CHECKS = [DenseBackwardCheck(), LossAndGradsCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("loss_and_grads", "dz1 = dh * (z1 > 0)", "dz1 = dh")


@MISTAKES.wrong(
    "loss_and_grads", "a float64 array promotes the gradients", "float64 but the input was"
)
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss, {k: g.astype(np.float64) for k, g in grads.items()}


@MISTAKES.wrong("dense_backward", "dW transposed", "transposed")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@MISTAKES.wrong("dense_backward", "db averaged", "averages over the batch")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


@MISTAKES.wrong("dense_backward", "dx without transposing W", "without transposing it")
def _(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)


@MISTAKES.wrong("dense_backward", "dW divided by N", "already carries the 1/N")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)


@MISTAKES.wrong("dense_backward", "db summed over the wrong axis", "axis 1")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


@MISTAKES.wrong("dense_backward", "db with keepdims", "keeps its axis (keepdims)")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)


@MISTAKES.helper
def _two_layer(X, y, params, *, mean=True, relu_grad=True, stable=True, columns=False):
    z1 = X @ params["W1"] + params["b1"]
    h = np.maximum(z1, 0)
    logits = h @ params["W2"] + params["b2"]
    n = len(X)
    if stable:
        logits_ = logits - logits.max(axis=1, keepdims=True)
    else:
        logits_ = logits
    p = np.exp(logits_) / np.exp(logits_).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    if columns:  # every row's log-probability of every label in y
        log_p = logits_ - np.log(np.exp(logits_).sum(axis=1, keepdims=True))
        loss = -log_p[:, y].mean()
    d = p.copy()
    d[np.arange(n), y] -= 1
    if mean:
        d /= n
    dh = d @ params["W2"].T
    dz1 = dh * (dh > 0) if relu_grad == "dh" else dh * (z1 > 0) if relu_grad else dh
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0), "W2": h.T @ d, "b2": d.sum(0)}
    return float(loss), grads


@MISTAKES.wrong("loss_and_grads", "gradients not divided by N", "the batch size N")
def _(X, y, params):
    return _two_layer(X, y, params, mean=False)


@MISTAKES.wrong("loss_and_grads", "ReLU derivative missing", "ReLU's derivative")
def _(X, y, params):
    return _two_layer(X, y, params, relu_grad=False)


@MISTAKES.wrong("loss_and_grads", "softmax without max-subtraction", "(max-subtraction)")
def _(X, y, params):
    return _two_layer(X, y, params, stable=False)


@MISTAKES.wrong("loss_and_grads", "log-probabilities as whole columns", "an N x N block")
def _(X, y, params):
    return _two_layer(X, y, params, columns=True)


@MISTAKES.wrong("loss_and_grads", "ReLU mask read from dh", "mask is taken from the gradient dh")
def _(X, y, params):
    return _two_layer(X, y, params, relu_grad="dh")


@MISTAKES.wrong("loss_and_grads", "bias gradients missing", "one gradient per parameter")
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss, {"W1": grads["W1"], "W2": grads["W2"]}


@MISTAKES.wrong("loss_and_grads", "loss summed", "a mean over the batch, not a sum")
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss * len(X), grads


@MISTAKES.wrong("dense_backward", "db left unsummed", "db has shape")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("dense_backward", "einsum")
def _(dout, cache):
    x, W = cache
    return (
        np.einsum("nm,dm->nd", dout, W),
        np.einsum("nd,nm->dm", x, dout),
        np.einsum("nm->m", dout),
    )


@MISTAKES.right("loss_and_grads", "float64 inside, cast back")
def _(X, y, params):
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    loss, grads = ok.loss_and_grads(X.astype(np.float64), y, p64)
    return loss, {k: g.astype(params[k].dtype) for k, g in grads.items()}
