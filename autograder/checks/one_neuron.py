"""Checks of one neuron, logistic regression: its output and the gradients of its loss.

The neuron is the course's binary model with one output unit, batch-first: ``X`` (N, D), a
column of weights ``W`` (D, 1), a bias ``b`` (1,) and probabilities (N, 1). The reference is
nnlib's dense layer with that one unit, its sigmoid and its binary cross-entropy.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.arrays import ArrayCheck
from autograder.checks.base import Case
from autograder.checks.mistakes import Mistakes
from nnlib import activations, layers, losses


def _inputs(rng, shape, dtype, kind):
    n, d = shape
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, 1))
    if kind == "large":
        W *= 1e4 / max(np.abs(X @ W).max(), 1e-12)  # logits of magnitude up to 1e4
    b = rng.standard_normal(1)
    y = rng.integers(0, 2, size=n)
    what = {"random": "", "zeros": " x all zeros", "large": " |logits| up to 1e4"}[kind]
    if kind == "zeros":
        X = np.zeros_like(X)
    return X.astype(dtype), W.astype(dtype), b.astype(dtype), y, f"{dtype} X{(n, d)}{what}"


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _logits64(X, W, b):
    """The logits in float64, for the wrong answers a mistake gives."""
    return X.astype(np.float64) @ W.astype(np.float64) + b.astype(np.float64)


class NeuronForwardCheck(ArrayCheck):
    """``neuron_forward(X, W, b) -> probs (N, 1)``: the probability sigmoid(X @ W + b) of
    class 1."""

    name = "neuron_forward"
    reference = ("nnlib.activations:sigmoid_forward",)
    points = 2.0
    expected_keys = ("probs",)
    arg_names = ("X", "W", "b")
    dims = {"N": ((0, 0),), "D": ((0, 1), (1, 0))}
    edge_names = {"large": "|logits| up to 1e4"}
    returns = "probs, a NumPy array of shape (N, 1) and of X's dtype"

    def make_case(self, rng, shape, dtype, kind):
        X, W, b, _, label = _inputs(rng, shape, dtype, kind)
        return Case(label, (X, W, b))

    def expected(self, case):
        logits, _ = layers.dense_forward(*case.args)
        probs, _ = activations.sigmoid_forward(logits)
        return {"probs": probs}

    def mistakes(self, case):
        X, W, b = case.args
        z = _logits64(X, W, b)
        return {
            "probs": [
                ("it returns the logits X @ W + b, not probabilities: the sigmoid is missing", z),
                ("it has the sign flipped: sigmoid(-(X @ W + b))", _sigmoid(-z)),
                ("the bias b is missing", _sigmoid(z - b)),
                (
                    "probs must have shape (N, 1), one row per sample and one column for the one"
                    " output unit, like the logits X @ W + b",
                    _sigmoid(z)[:, 0],
                ),
            ]
        }


class NeuronGradientsCheck(ArrayCheck):
    """``neuron_gradients(X, y, W, b) -> (loss, dW, db)`` of the mean binary cross-entropy."""

    python_floats = ("loss",)
    name = "neuron_gradients"
    points = 3.0
    expected_keys = ("loss", "dW", "db")
    arg_names = ("X", "y", "W", "b")
    dims = {"N": ((0, 0), (1, 0)), "D": ((0, 1), (2, 0))}
    relations = ("repeat batch",)
    edge_names = {"large": "|logits| up to 1e4"}
    returns = (
        "the triple (loss, dW, db): loss a Python float, dW and db NumPy arrays of the shapes"
        " and dtype of W and b"
    )

    def make_case(self, rng, shape, dtype, kind):
        X, W, b, y, label = _inputs(rng, shape, dtype, kind)
        return Case(label, (X, y, W, b))

    def expected(self, case):
        X, y, W, b = case.args
        logits, cache = layers.dense_forward(X, W, b)
        loss, dlogits = losses.binary_cross_entropy(logits, y)
        _, dW, db = layers.dense_backward(dlogits, cache)
        return {"loss": loss, "dW": dW, "db": db}

    def mistakes(self, case):
        X, y, W, b = case.args
        X = X.astype(np.float64)
        z = _logits64(X, W, b)
        error = _sigmoid(z) - y[:, None]
        n = len(X)
        # y (N,) against the logits (N, 1) broadcasts to an (N, N) matrix
        broadcast = (_sigmoid(z) - y) / n
        column = (
            "y (N,) minus the logits' column (N, 1) broadcasts to an (N, N) matrix: y is not"
            " a column like the logits"
        )
        own = case.args  # in their dtype: log(sigmoid) overflows as the student's does
        with np.errstate(all="ignore"):
            p = 1 / (1 + np.exp(-(own[0] @ own[2] + own[3])))
            t = y.reshape(-1, 1).astype(own[0].dtype)
            naive = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
        return {
            "loss": [
                (
                    "it takes log(sigmoid(z)), which is -inf for large |z|: compute the loss"
                    " from the logits z, not from log(sigmoid(z))",
                    naive,
                )
            ],
            "dW": [
                ("it is not divided by N (the loss is a mean over the batch)", X.T @ error),
                ("it is y - p: the gradient with its sign flipped", -X.T @ error / n),
                (
                    "it multiplies by sigma'(z), which the cross-entropy's gradient at the"
                    " logits does not have",
                    X.T @ (error * _sigmoid(z) * (1 - _sigmoid(z))) / n,
                ),
                (column, X.T @ broadcast),
            ],
            "db": [
                ("it is not divided by N", error.sum(axis=0)),
                ("it is y - p: the gradient with its sign flipped", -error.mean(axis=0)),
                (column, broadcast.sum(axis=0)),
            ],
        }

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return (
            f"neuron_gradients must return the triple (loss, dW, db); got {type(output).__name__}"
        )


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "03-one-neuron"

CHECKS = [NeuronForwardCheck(), NeuronGradientsCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant(
    "neuron_gradients",
    "dlogits = (neuron_forward(X, W, b) - y) / len(X)",
    "dlogits = neuron_forward(X, W, b) - y",
)


@MISTAKES.wrong(
    "neuron_gradients", "integer labels promote dW to float64", "float64 but the input was float32"
)
def _(X, y, W, b):
    y = y.reshape(-1, 1)
    z = X @ W + b
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    dlogits = (ok.neuron_forward(X, W, b) - y) / len(X)
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)


@MISTAKES.wrong(
    "neuron_gradients", "labels left as a row: (N, 1) - (N,) broadcasts", "y is not a column"
)
def _(X, y, W, b):
    y = y.astype(X.dtype)
    z = X @ W + b
    loss = np.mean(np.maximum(z, 0) - z * y[:, None] + np.log1p(np.exp(-np.abs(z))))
    dlogits = (ok.neuron_forward(X, W, b) - y) / len(X)
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)


@MISTAKES.wrong("neuron_forward", "returns the logits", "the sigmoid is missing")
def _(X, W, b):
    return X @ W + b


@MISTAKES.wrong("neuron_forward", "sign flipped", "sign flipped")
def _(X, W, b):
    return 1 / (1 + np.exp(X @ W + b))


@MISTAKES.wrong("neuron_forward", "forgets the bias", "bias b is missing")
def _(X, W, b):
    return 1 / (1 + np.exp(-(X @ W)))


@MISTAKES.wrong("neuron_forward", "a flat (N,) vector", "must have shape (N, 1)")
def _(X, W, b):
    return 1 / (1 + np.exp(-(X @ W[:, 0] + b[0])))


@MISTAKES.wrong("neuron_gradients", "not divided by N", "not divided by N")
def _(X, y, W, b):
    loss, dW, db = ok.neuron_gradients(X, y, W, b)
    return loss, dW * len(X), db * len(X)


@MISTAKES.wrong("neuron_gradients", "y - p", "sign flipped")
def _(X, y, W, b):
    loss, dW, db = ok.neuron_gradients(X, y, W, b)
    return loss, -dW, -db


@MISTAKES.wrong("neuron_gradients", "loss from log(sigmoid): overflows", "not from log(sigmoid(z))")
def _(X, y, W, b):
    y = y.reshape(-1, 1).astype(X.dtype)
    p = 1 / (1 + np.exp(-(X @ W + b)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dlogits = (p - y) / len(X)
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)


@MISTAKES.wrong("neuron_gradients", "extra sigmoid derivative", "sigma'(z)")
def _(X, y, W, b):
    loss, _, _ = ok.neuron_gradients(X, y, W, b)
    p = ok.neuron_forward(X, W, b)
    dlogits = (p - y.reshape(-1, 1)) * p * (1 - p) / len(X)
    return loss, X.T @ dlogits, dlogits.sum(axis=0)


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("neuron_forward", "a clipped sigmoid")
def _(X, W, b):
    return 1 / (1 + np.exp(-np.clip(X @ W + b, -500, 500)))


@MISTAKES.right("neuron_gradients", "float64 inside, cast back")
def _(X, y, W, b):
    X64, W64, b64 = (a.astype(np.float64) for a in (X, W, b))
    t = y.reshape(-1, 1).astype(np.float64)
    z = X64 @ W64 + b64
    loss = np.mean(np.logaddexp(0, z) - z * t)
    d = (np.exp(-np.logaddexp(0, -z)) - t) / len(X)
    return float(loss), (X64.T @ d).astype(X.dtype), d.sum(axis=0).astype(X.dtype)
