"""Checks of one neuron, logistic regression: its output and the gradients of its loss.

The reference is nnlib's dense layer with one unit (``W = w[:, None]``), its sigmoid and its
binary cross-entropy.
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
    w = rng.standard_normal(d)
    if kind == "large":
        w *= 1e4 / max(np.abs(X @ w).max(), 1e-12)  # logits of magnitude up to 1e4
    b = float(rng.standard_normal())
    y = rng.integers(0, 2, size=n)
    what = {"random": "", "zeros": " x all zeros", "large": " |logits| up to 1e4"}[kind]
    if kind == "zeros":
        X = np.zeros_like(X)
    return X.astype(dtype), w.astype(dtype), b, y, f"{dtype} X{(n, d)}{what}"


def _logits(X, w, b):
    W = w.reshape(-1, 1)
    out, _ = layers.dense_forward(X, W, np.full(1, b, dtype=X.dtype))
    return out


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


class NeuronForwardCheck(ArrayCheck):
    """``neuron_forward(X, w, b) -> p (N,)``: the probability sigmoid(X @ w + b) of class 1."""

    name = "neuron_forward"
    reference = ("nnlib.activations:sigmoid_forward",)
    no_overflow = (
        "the output must stay finite, without overflow, for |z| up to 1e4: use the stable form"
        " the notebook gives, (1 + tanh(z / 2)) / 2"
    )
    points = 2.0
    expected_keys = ("p",)

    def make_case(self, rng, shape, dtype, kind):
        X, w, b, _, label = _inputs(rng, shape, dtype, kind)
        return Case(label, (X, w, b))

    def expected(self, case):
        p, _ = activations.sigmoid_forward(_logits(*case.args))
        return {"p": p[:, 0]}

    def mistakes(self, case):
        X, w, b = case.args
        z = X.astype(np.float64) @ w.astype(np.float64) + b
        return {
            "p": [
                ("it returns the logits X @ w + b; apply the sigmoid to them", z),
                ("it has the sign flipped: sigmoid(-(X @ w + b))", _sigmoid(-z)),
                ("the bias b is missing", _sigmoid(z - b)),
                ("p must have shape (N,), one probability per sample", _sigmoid(z)[:, None]),
            ]
        }


class NeuronGradientsCheck(ArrayCheck):
    """``neuron_gradients(X, y, w, b) -> (loss, dw, db)`` of the mean binary cross-entropy."""

    name = "neuron_gradients"
    points = 3.0
    expected_keys = ("loss", "dw", "db")
    overflow_hint = (
        "compute the loss from the logits z: max(z, 0) - z * y + log1p(exp(-|z|)), "
        "not from log(sigmoid(z))"
    )

    def make_case(self, rng, shape, dtype, kind):
        X, w, b, y, label = _inputs(rng, shape, dtype, kind)
        return Case(label, (X, y, w, b))

    def expected(self, case):
        X, y, w, b = case.args
        logits = _logits(X, w, b)
        loss, dlogits = losses.binary_cross_entropy(logits, y)
        _, dW, db = layers.dense_backward(dlogits, (X, w.reshape(-1, 1)))
        return {"loss": loss, "dw": dW[:, 0], "db": float(db[0])}

    def mistakes(self, case):
        X, y, w, b = case.args
        X = X.astype(np.float64)
        z = X @ w.astype(np.float64) + b
        error = _sigmoid(z) - y
        n = len(X)
        return {
            "dw": [
                ("it is not divided by N (the loss is a mean over the batch)", X.T @ error),
                ("it is y - p; the gradient of the loss is (p - y)", -X.T @ error / n),
                (
                    "it multiplies by sigma'(z); with the cross-entropy, dz = (p - y) / N",
                    X.T @ (error * _sigmoid(z) * (1 - _sigmoid(z))) / n,
                ),
            ],
            "db": [
                ("it is not divided by N", error.sum()),
                ("it is y - p; the gradient of the loss is (p - y)", -error.mean()),
            ],
        }

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return (
            f"neuron_gradients must return the triple (loss, dw, db); got {type(output).__name__}"
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
    "error = (neuron_forward(X, w, b) - y) / len(X)",
    "error = neuron_forward(X, w, b) - y",
)


@MISTAKES.wrong(
    "neuron_gradients", "integer labels promote dw to float64", "float64 but the input was float32"
)
def _(X, y, w, b):
    z = X @ w + b
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    error = (ok.neuron_forward(X, w, b) - y) / len(X)
    return float(loss), X.T @ error, float(error.sum())


@MISTAKES.wrong("neuron_forward", "returns the logits", "apply the sigmoid")
def _(X, w, b):
    return X @ w + b


@MISTAKES.wrong("neuron_forward", "sign flipped", "sign flipped")
def _(X, w, b):
    return 1 / (1 + np.exp(X @ w + b))


@MISTAKES.wrong("neuron_forward", "forgets the bias", "bias b is missing")
def _(X, w, b):
    return 1 / (1 + np.exp(-(X @ w)))


@MISTAKES.wrong("neuron_forward", "(N, 1) column", "must have shape (N,)")
def _(X, w, b):
    return 1 / (1 + np.exp(-(X @ w.reshape(-1, 1) + b)))


@MISTAKES.wrong("neuron_gradients", "not divided by N", "not divided by N")
def _(X, y, w, b):
    loss, dw, db = ok.neuron_gradients(X, y, w, b)
    return loss, dw * len(X), db * len(X)


@MISTAKES.wrong("neuron_gradients", "y - p", "(p - y)")
def _(X, y, w, b):
    loss, dw, db = ok.neuron_gradients(X, y, w, b)
    return loss, -dw, -db


@MISTAKES.wrong("neuron_gradients", "loss from log(sigmoid): overflows", "not from log(sigmoid(z))")
def _(X, y, w, b):
    y = y.astype(X.dtype)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    error = (p - y) / len(X)
    return float(loss), X.T @ error, float(error.sum())


@MISTAKES.wrong("neuron_gradients", "extra sigmoid derivative", "sigma'(z)")
def _(X, y, w, b):
    loss, _, _ = ok.neuron_gradients(X, y, w, b)
    p = ok.neuron_forward(X, w, b)
    error = (p - y) * p * (1 - p) / len(X)
    return loss, X.T @ error, float(error.sum())
