"""Checks of chapter 7 (backpropagation): ``dense_backward``, and ``loss_and_grads`` of a network
with one hidden ReLU layer and a softmax cross-entropy output, against nnlib.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.arrays import ArrayCheck
from autograder.checks.base import Case
from autograder.checks.feedforward import random_weights
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
    raise_hints = (
        (
            "ValueError",
            "dx = dout @ W.T is (N, D), dW = x.T @ dout is (D, M), db = dout.sum(axis=0) is "
            "(M,): check the shapes of each product",
        ),
    )

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
        return {
            "dW": [
                ("it is transposed: dW = x.T @ dout has the shape of W, (D, M)", dout.T @ x),
                (
                    "it is divided by N: dout already carries the 1/N of the mean loss",
                    x.T @ dout / len(x),
                ),
            ],
            "db": [
                ("it sums over axis 1; db sums dout over the batch, axis 0", dout.sum(axis=1)),
                ("it averages over the batch; db is the sum of dout over axis 0", dout.mean(0)),
                ("db must have shape (M,): sum without keepdims", dout.sum(0, keepdims=True)),
            ],
        }

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return f"dense_backward must return the triple (dx, dW, db); got {type(output).__name__}"


class LossAndGradsCheck(ArrayCheck):
    """``loss_and_grads(X, y, params) -> (loss, grads)`` for ``D -> H (ReLU) -> C (softmax)``."""

    name = "loss_and_grads"
    reference = ("nnlib.network:MLP.loss_and_grads",)
    points = 4.0
    expected_keys = ("loss", "dW1", "db1", "dW2", "db2")
    overflow_hint = "compute the cross-entropy from the logits, subtracting each row's maximum"

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
    def _reference(X, y, params, relu_backward=True):
        z1, c1 = ref.dense_forward(X, params["W1"], params["b1"])
        h, c_relu = act.relu_forward(z1)
        logits, c2 = ref.dense_forward(h, params["W2"], params["b2"])
        loss, dlogits = losses.softmax_cross_entropy(logits, y)
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
        hint = "the ReLU's derivative is missing: multiply dh by (z1 > 0) before the first layer"
        return {"dW1": [(hint, skipped["dW1"])], "db1": [(hint, skipped["db1"])]}

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


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "07-backprop"

CHECKS = [DenseBackwardCheck(), LossAndGradsCheck()]
