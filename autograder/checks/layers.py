"""Checks of the dense layer and of whole networks against nnlib's layers and activations.

Chapter 4 (feedforward) grades ``dense_forward`` and ``mlp_forward``; chapter 7
(backpropagation) grades ``dense_backward`` and ``loss_and_grads`` of a network with one hidden
ReLU layer and a softmax cross-entropy output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograder.checks.arrays import ArrayCheck, pair
from autograder.checks.base import Case
from nnlib import activations as act
from nnlib import layers as ref
from nnlib import losses


def _weights(rng: np.random.Generator, sizes: list[int], dtype: str) -> dict[str, np.ndarray]:
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(dtype)
        params[f"b{i}"] = (rng.standard_normal(fan_out) * 0.1).astype(dtype)
    return params


class DenseForwardCheck(ArrayCheck):
    """``dense_forward(x, W, b) -> (out, cache)`` with ``out = x @ W + b``."""

    name = "dense_forward"
    points = 2.0
    expected_keys = ("out",)

    def edge_kinds(self):
        return ("zeros",)

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        m = d if n == 4 or n == 7 else d + 2  # one square case, where W.T fits too
        x = np.zeros((n, d), dtype) if kind == "zeros" else rng.standard_normal((n, d))
        W = rng.standard_normal((d, m)).astype(dtype)
        b = rng.standard_normal(m).astype(dtype)
        label = f"{dtype} x{(n, d)} W{(d, m)}" + (" x all zeros" if kind == "zeros" else "")
        return Case(label, (x.astype(dtype), W, b))

    def expected(self, case):
        out, _ = ref.dense_forward(*case.args)
        return {"out": out}

    def mistakes(self, case):
        x, W, b = (np.asarray(v, np.float64) for v in case.args)
        wrong = [
            ("the bias b is missing: out = x @ W + b", x @ W),
            ("it subtracts the bias", x @ W - b),
        ]
        if W.shape[0] == W.shape[1]:
            wrong.append(("it uses W transposed: with W of shape (D, M), out = x @ W", x @ W.T + b))
        return {"out": wrong}

    def unpack(self, case, output):
        split = pair(output, "out", "cache", self.name)
        return split if isinstance(split, str) else {"out": split[0]}


class MLPForwardCheck(ArrayCheck):
    """``mlp_forward(X, params) -> logits``: dense layers with ReLU between them."""

    name = "mlp_forward"
    points = 2.0
    expected_keys = ("logits",)

    def edge_kinds(self):
        return ("one layer", "three layers")

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        sizes = {"random": [d, 6, 3], "one layer": [d, 4], "three layers": [d, 5, 4, 3]}[kind]
        X = rng.standard_normal((n, d)).astype(dtype)
        params = _weights(rng, sizes, dtype)
        return Case(f"{dtype} X{(n, d)} layer sizes {sizes}", (X, params))

    def _forward(self, X, params, hidden: Callable, output: Callable | None = None):
        n_layers = len(params) // 2
        h = X
        for i in range(1, n_layers + 1):
            h, _ = ref.dense_forward(h, params[f"W{i}"], params[f"b{i}"])
            if i < n_layers:
                h = hidden(h)
        return output(h) if output else h

    def expected(self, case):
        X, params = case.args
        return {"logits": self._forward(X, params, lambda z: act.relu_forward(z)[0])}

    def mistakes(self, case):
        X, params = case.args
        X = np.asarray(X, np.float64)
        params = {k: np.asarray(v, np.float64) for k, v in params.items()}

        def relu(z):
            return np.maximum(z, 0)

        with np.errstate(all="ignore"):
            return {
                "logits": [
                    (
                        "ReLU is applied to the output layer too: logits are the last layer's "
                        "raw scores",
                        self._forward(X, params, relu, relu),
                    ),
                    (
                        "it returns softmax probabilities; mlp_forward returns the logits",
                        self._forward(X, params, relu, act.softmax),
                    ),
                    (
                        "there is no ReLU between the layers",
                        self._forward(X, params, lambda z: z),
                    ),
                ]
            }


class DenseBackwardCheck(ArrayCheck):
    """``dense_backward(dout, cache) -> (dx, dW, db)`` with the student's own forward cache."""

    name = "dense_backward"
    points = 3.0
    functions = ("dense_forward", "dense_backward")
    expected_keys = ("dx", "dW", "db")

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

    def call(self, fns: Mapping[str, Callable], case: Case) -> Any:
        x, W, b, dout = case.args
        _, cache = fns["dense_forward"](x, W, b)
        return fns["dense_backward"](dout, cache)

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
    points = 4.0
    keep_dtype = False
    expected_keys = ("loss", "dW1", "db1", "dW2", "db2")
    overflow_hint = "compute the cross-entropy from the logits, subtracting each row's maximum"

    def edge_kinds(self):
        return ("large",)

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        h, c = d + 3, 3
        X = rng.standard_normal((n, d)).astype(dtype)
        params = _weights(rng, [d, h, c], dtype)
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


FEEDFORWARD_CHECKS = [DenseForwardCheck(), MLPForwardCheck()]
BACKPROP_CHECKS = [DenseBackwardCheck(), LossAndGradsCheck()]
