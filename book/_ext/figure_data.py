"""The data of the book's interactive figures, computed with nnlib when the book is built.

Each function returns what one kind of figure of ``_ext/static/interactive-figures.js`` draws: plain
lists of numbers, embedded in the page as JSON, so that moving a control redraws the figure in
the browser without a kernel or a network. :data:`KINDS` names them for the
``{interactive-figure}`` directive (``interactive_figures.py``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import numpy as np

from nnlib import activations as act
from nnlib.losses import binary_cross_entropy
from nnlib.network import MLP
from nnlib.optim import SGD
from nnlib.training import fit


def _rounded(a, digits: int = 4) -> list:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def activation_slopes() -> dict:
    """Each activation and its derivative on z from -5 to 5, from nnlib's forward and backward
    steps (the backward step of an upstream gradient of ones is the derivative)."""
    z = np.linspace(-5, 5, 201)
    pairs = {
        "sigmoid": (act.sigmoid_forward, act.sigmoid_backward),
        "tanh": (act.tanh_forward, act.tanh_backward),
        "ReLU": (act.relu_forward, act.relu_backward),
        "leaky ReLU (alpha = 0.1)": (
            lambda v: act.leaky_relu_forward(v, alpha=0.1),
            act.leaky_relu_backward,
        ),
    }
    functions = {}
    for name, (forward, backward) in pairs.items():
        a, cache = forward(z)
        functions[name] = {
            "value": _rounded(a),
            "slope": _rounded(backward(np.ones_like(z), cache)),
        }
    return {
        "z": _rounded(z),
        "functions": functions,
        "controls": [
            {"name": "activation", "label": "activation", "options": list(functions)},
            {"name": "z", "label": "z", "min": 0, "max": len(z) - 1, "value": 140},
        ],
    }


def _two_clouds() -> tuple[np.ndarray, np.ndarray]:
    """The two clouds of points of chapters 3, 6 and 9."""
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [rng.normal([-1, -0.5], 0.8, (100, 2)), rng.normal([1.2, 0.8], 0.8, (100, 2))]
    )
    return X, np.repeat([0, 1], 100)


def learning_rate_paths(steps: int = 40) -> dict:
    """Gradient descent on the two-weight loss surface of chapter 9 for a range of learning
    rates: the surface, and each rate's path and losses from the same start."""
    X, y = _two_clouds()

    def loss_and_grad(w):
        loss, dlogits = binary_cross_entropy(X @ w.reshape(2, 1), y)
        return loss, (X.T @ dlogits).ravel()

    w1 = np.linspace(-2, 7, 91)
    w2 = np.linspace(-1, 5, 61)
    surface = [[loss_and_grad(np.array([a, b]))[0] for a in w1] for b in w2]
    rates = 2.0 ** np.arange(-2, 7.5, 0.5)
    paths, losses = [], []
    for lr in rates:
        w = np.array([-1.0, 4.0])
        path, curve = [w.copy()], []
        for _ in range(steps):
            loss, grad = loss_and_grad(w)
            curve.append(loss)
            w = w - lr * grad
            path.append(w.copy())
        curve.append(loss_and_grad(w)[0])
        paths.append(_rounded(path, 3))
        losses.append(_rounded(curve, 5))
    return {
        "w1": _rounded(w1, 2),
        "w2": _rounded(w2, 2),
        "surface": _rounded(surface, 4),
        "rates": _rounded(rates, 4),
        "paths": paths,
        "losses": losses,
        "controls": [
            {
                "name": "rate",
                "label": "learning rate",
                "min": 0,
                "max": len(rates) - 1,
                "value": int(np.argmin(np.abs(rates - 4.0))),
            }
        ],
    }


def _two_rings(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points on an inner ring (label 0) and an outer ring (label 1): no line separates them."""
    radius = np.repeat([1.0, 2.2], n // 2) + 0.25 * rng.standard_normal(n)
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, np.repeat([0, 1], n // 2)


def boundary_over_epochs(epochs: int = 40, grid: int = 61) -> dict:
    """A 2-8-1 tanh network trained on two rings, epoch by epoch: its probability of label 1
    over the plane after each epoch (as bytes 0 to 255, base64), and the training loss."""
    rng = np.random.default_rng(0)
    X, y = _two_rings(300, rng)
    model = MLP([2, 8, 1], activation="tanh", seed=0, dtype="float64")
    optimizer = SGD(0.1, momentum=0.9)
    axis = np.linspace(-3.2, 3.2, grid)
    g0, g1 = np.meshgrid(axis, axis)
    plane = np.column_stack([g0.ravel(), g1.ravel()])

    def snapshot() -> str:
        probs = model.predict_proba(plane).reshape(grid, grid)
        return base64.b64encode(np.round(255 * probs).astype(np.uint8).tobytes()).decode()

    planes, loss = [snapshot()], [float(model.loss_and_grads(X, y)[0])]
    for epoch in range(epochs):
        history = fit(model, X, y, epochs=1, batch_size=30, optimizer=optimizer, seed=epoch,
                      progress=False)  # fmt: skip
        planes.append(snapshot())
        loss.append(history.train_loss[-1])
    return {
        "axis": _rounded(axis, 3),
        "points": _rounded(X, 3),
        "labels": y.tolist(),
        "planes": planes,
        "loss": _rounded(loss, 4),
        "controls": [{"name": "epoch", "label": "epoch", "min": 0, "max": epochs, "value": 0}],
    }


#: The figures by the name the directive takes.
KINDS: dict[str, Callable[[], dict]] = {
    "activation-slope": activation_slopes,
    "learning-rate": learning_rate_paths,
    "boundary-over-epochs": boundary_over_epochs,
}
