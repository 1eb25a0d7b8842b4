"""Checks of chapter 4 (feedforward): ``dense_forward`` and ``mlp_forward`` against nnlib's layers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.arrays import ArrayCheck, forward_result
from autograder.checks.base import Case
from autograder.checks.mistakes import Mistakes
from nnlib import activations as act
from nnlib import layers as ref


def random_weights(rng: np.random.Generator, sizes: list[int], dtype: str) -> dict[str, np.ndarray]:
    """Weights ``W1, b1, ...`` of a network with layer ``sizes``, scaled by 1/sqrt(fan-in)."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(dtype)
        params[f"b{i}"] = (rng.standard_normal(fan_out) * 0.1).astype(dtype)
    return params


class DenseForwardCheck(ArrayCheck):
    """``dense_forward(x, W, b) -> (out, cache)`` with ``out = x @ W + b``."""

    name = "dense_forward"
    reference = ("nnlib.layers:dense_forward",)
    points = 2.0
    expected_keys = ("out",)
    arg_names = ("x", "W", "b")
    dims = {"N": ((0, 0),), "D": ((0, 1), (1, 0)), "M": ((1, 1), (2, 0))}
    returns = "the pair (out, cache): out a NumPy array (N, M) of x's dtype, cache your own"

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
            ("the bias b is missing: b is added to every row of the product", x @ W),
            ("it subtracts the bias", x @ W - b),
        ]
        try:
            elementwise = x * W + b  # broadcasts only where the shapes let it
        except ValueError:
            elementwise = None
        if elementwise is not None:
            wrong.append(
                (
                    "it multiplies element-wise (*), where out is a matrix product, of shape"
                    " (N, M)",
                    elementwise,
                )
            )
        if W.shape[0] == W.shape[1]:
            wrong.append(
                ("it uses W transposed, though W already has the shape (D, M)", x @ W.T + b)
            )
        return {"out": wrong}

    def unpack(self, case, output):
        return forward_result(output, "out", self.name)


class MLPForwardCheck(ArrayCheck):
    """``mlp_forward(X, params) -> logits``: dense layers with ReLU between them."""

    name = "mlp_forward"
    reference = ("nnlib.network:MLP._forward",)
    points = 2.0
    expected_keys = ("logits",)
    arg_names = ("X", "params")
    edge_names = {
        "one layer": "one layer",
        "three layers": "three layers",
        "eleven layers": "eleven layers four wide (W1 to W11)",
    }
    returns = "the logits, a NumPy array (N, C) of X's dtype, for any number of layers"

    def edge_kinds(self):
        return ("one layer", "three layers", "eleven layers")

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        if kind == "eleven layers":  # equal widths: layers taken out of order still multiply
            d = 4
        sizes = {
            "random": [d, 6, 3],
            "one layer": [d, 4],
            "three layers": [d, 5, 4, 3],
            "eleven layers": [4] * 12,
        }[kind]
        X = rng.standard_normal((n, d)).astype(dtype)
        params = random_weights(rng, sizes, dtype)
        return Case(f"{dtype} X{(n, d)} layer sizes {sizes}", (X, params))

    def _forward(
        self, X, params, hidden: Callable, output: Callable | None = None, order=None
    ) -> np.ndarray:
        n_layers = len(params) // 2
        h = X
        layers = list(order or range(1, n_layers + 1))
        for position, i in enumerate(layers, start=1):
            h, _ = ref.dense_forward(h, params[f"W{i}"], params[f"b{i}"])
            if position < len(layers):
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
                    (
                        "it uses the sigmoid between the layers; mlp_forward uses ReLU",
                        self._forward(X, params, lambda z: 1 / (1 + np.exp(-z))),
                    ),
                    (
                        "the layers are taken in the sorted order of their names (W1, W10,"
                        " W11, W2, ...), not in the order of their numbers",
                        self._forward(X, params, relu, order=self._sorted_layers(params)),
                    ),
                    (
                        "the last layer is left out: the logits come from the layer before it",
                        self._forward(X, params, relu, order=self._layers(params)[:-1]),
                    ),
                ]
            }

    @staticmethod
    def _layers(params) -> list[int]:
        return list(range(1, len(params) // 2 + 1))

    @classmethod
    def _sorted_layers(cls, params) -> list[int]:
        """The layers in the order of their names as text: as numbers below ten layers."""
        return sorted(cls._layers(params), key=str)


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "04-feedforward"

CHECKS = [DenseForwardCheck(), MLPForwardCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("mlp_forward", "if layer < n_layers:", "if True:")


@MISTAKES.wrong("dense_forward", "no bias", "bias b is missing")
def _(x, W, b):
    return x @ W, (x, W)


@MISTAKES.wrong("dense_forward", "returns out only", "must return the pair (out, cache)")
def _(x, W, b):
    return x @ W + b


@MISTAKES.wrong("dense_forward", "W transposed", "W transposed")
def _(x, W, b):
    return x @ W.T + b, (x, W)


@MISTAKES.wrong("dense_forward", "element-wise product", "element-wise")
def _(x, W, b):
    return x * W + b, (x, W)


@MISTAKES.wrong("dense_forward", "float64 result", "keep the input's dtype")
def _(x, W, b):
    return x.astype(np.float64) @ W + b, (x, W)


@MISTAKES.wrong("mlp_forward", "ReLU on the output layer", "output layer too")
def _(X, params):
    h = X
    for i in range(1, len(params) // 2 + 1):
        h = np.maximum(h @ params[f"W{i}"] + params[f"b{i}"], 0)
    return h


@MISTAKES.wrong("mlp_forward", "softmax on the output", "softmax probabilities")
def _(X, params):
    return ok.softmax(ok.mlp_forward(X, params))


@MISTAKES.wrong("mlp_forward", "no nonlinearity", "no ReLU between the layers")
def _(X, params):
    h = X
    for i in range(1, len(params) // 2 + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
    return h


@MISTAKES.wrong("mlp_forward", "two layers hard-coded", "fails: three layers")
def _(X, params):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    return h @ params["W2"] + params["b2"]


@MISTAKES.wrong("mlp_forward", "sigmoid hidden layers", "sigmoid between the layers")
def _(X, params):
    n = len(params) // 2
    h = X
    for i in range(1, n + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n:
            h = 1 / (1 + np.exp(-h))
    return h


@MISTAKES.wrong("mlp_forward", "layers in the order of sorted names", "sorted order of their names")
def _(X, params):
    weights = sorted(k for k in params if k.startswith("W"))  # W1, W10, W11, W2, ...
    h = X
    for position, key in enumerate(weights, start=1):
        h = h @ params[key] + params["b" + key[1:]]
        if position < len(weights):
            h = np.maximum(h, 0)
    return h


@MISTAKES.wrong("mlp_forward", "the loop stops a layer early", "the last layer is left out")
def _(X, params):
    n = len(params) // 2
    h = X
    for i in range(1, n):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n - 1:
            h = np.maximum(h, 0)
    return h


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("dense_forward", "einsum")
def _(x, W, b):
    return np.einsum("nd,dm->nm", x, W) + b, (x, W)


@MISTAKES.right("mlp_forward", "a while loop over the layers")
def _(X, params):
    h, i = X, 1
    while f"W{i + 1}" in params:
        h = np.maximum(h @ params[f"W{i}"] + params[f"b{i}"], 0)
        i += 1
    return h @ params[f"W{i}"] + params[f"b{i}"]
