"""Figures of a training run: learning curves, confusion matrix, misclassified examples, weights.

Every function returns a :class:`matplotlib.figure.Figure` made without ``pyplot``, so it works
with any matplotlib backend (including the non-interactive ``Agg`` used on servers and in CI),
leaves no global figure state behind, and shows itself when it is the last value of a notebook
cell. :func:`save_figure` writes one to a PNG file.

Letters used for shapes: N samples, D input features (pixels), M hidden units, C classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnlib import backend
from nnlib.training import History, confusion_matrix

__all__ = [
    "plot_confusion_matrix",
    "plot_first_layer_weights",
    "plot_history",
    "plot_misclassified",
    "save_figure",
]


def _image_shape(D: int, image_shape: tuple[int, int] | None) -> tuple[int, int]:
    """The (height, width) of an image of D pixels: ``image_shape``, or a square when None."""
    if image_shape is None:
        side = math.isqrt(D)
        if side * side != D:
            raise ValueError(
                f"cannot show {D} features as a square image; pass image_shape=(height, width)"
            )
        return side, side
    if image_shape[0] * image_shape[1] != D:
        raise ValueError(f"image_shape {tuple(image_shape)} has not the {D} pixels of one sample")
    return tuple(image_shape)


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid for n panels."""
    cols = min(max_cols, max(1, math.ceil(math.sqrt(n))))
    return max(1, math.ceil(n / cols)), cols


def plot_history(
    history: History, title: str | None = None, val_label: str = "validation"
) -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side.

    Parameters
    ----------
    history : History
        The record returned by :func:`nnlib.training.fit`.
    title : str, optional
        Title above both panels.
    val_label : str, optional
        Legend of the validation curves (``"test"`` when the test set was watched).

    Returns
    -------
    fig : Figure
    """
    if history.epochs == 0:
        raise ValueError("history has no epochs to plot")
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = np.arange(1, history.epochs + 1)
    for ax, train, val, label in (
        (ax_loss, history.train_loss, history.val_loss, "loss"),
        (ax_acc, history.train_accuracy, history.val_accuracy, "accuracy"),
    ):
        ax.plot(epochs, train, marker="o", markersize=3, label="training")
        if val:
            ax.plot(epochs, val, marker="o", markersize=3, label=val_label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    ax_loss.set_yscale("log")
    ax_loss.set_title("mean cross-entropy loss")
    ax_acc.set_title("accuracy")
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Counts of each true class (rows) predicted as each class (columns).

    Parameters
    ----------
    y_true, y_pred : array of shape (N,)
        Integer labels.
    class_names : sequence of str, optional
        Names of the C classes, shown on the axes; their number fixes C.
    title : str, optional

    Returns
    -------
    fig : Figure
    """
    num_classes = None if class_names is None else len(class_names)
    counts = confusion_matrix(y_true, y_pred, num_classes)
    C = counts.shape[0]
    names = [str(c) for c in range(C)] if class_names is None else list(class_names)
    size = max(3.5, 0.55 * C + 1.5)
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(C):
        for j in range(C):
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                fontsize=8 if C > 5 else 11,
                color="white" if counts[i, j] > threshold else "black",
            )
    ax.set_xticks(range(C), names)
    ax.set_yticks(range(C), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / max(1, counts.sum())
    ax.set_title(f"{title + ': ' if title else ''}accuracy {accuracy:.2%}")
    return fig


def plot_misclassified(
    X: Any,
    y_true: Any,
    y_pred: Any,
    *,
    image_shape: tuple[int, int] | None = None,
    class_names: Sequence[str] | None = None,
    max_images: int = 25,
    title: str | None = None,
) -> Figure:
    """A grid of the first ``max_images`` wrongly classified samples, with true and predicted labels.

    Parameters
    ----------
    X : array of shape (N, D)
        The samples as flattened images of D = height * width pixels.
    y_true, y_pred : array of shape (N,)
        Integer labels.
    image_shape : tuple (height, width), optional
        Shape of one image; a square by default.
    class_names : sequence of str, optional
        Names to print instead of the label numbers.
    max_images : int, optional
        Most panels to draw.
    title : str, optional

    Returns
    -------
    fig : Figure
        With one panel per misclassified sample shown, or a note when there is none.
    """
    X = backend.to_numpy(X)
    y_true = backend.to_numpy(y_true).ravel()
    y_pred = backend.to_numpy(y_pred).ravel()
    if X.ndim != 2 or not (X.shape[0] == y_true.shape[0] == y_pred.shape[0]):
        raise ValueError(
            "X must be (N, D) with y_true and y_pred of shape (N,); got "
            f"{X.shape}, {y_true.shape} and {y_pred.shape}"
        )
    height, width = _image_shape(X.shape[1], image_shape)
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_images]

    def name(label: int) -> str:
        return str(class_names[label]) if class_names is not None else str(label)

    heading = f"{len(wrong)} of {len(y_true)} misclassified"
    if title:
        heading = f"{title}: {heading}"
    if len(shown) == 0:
        fig = Figure(figsize=(4, 1.5), layout="constrained")
        fig.text(0.5, 0.5, heading, ha="center", va="center")
        return fig
    rows, cols = _grid(len(shown), max_cols=8)
    fig = Figure(figsize=(1.5 * cols, 1.7 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, i in zip(axes, shown, strict=False):
        ax.imshow(X[i].reshape(height, width), cmap="gray")
        ax.set_title(f"true {name(y_true[i])}\npred {name(y_pred[i])}", fontsize=8)
    fig.suptitle(heading)
    return fig


def plot_first_layer_weights(
    W: Any,
    *,
    image_shape: tuple[int, int] | None = None,
    max_units: int = 64,
    title: str | None = None,
) -> Figure:
    """Each hidden unit's incoming weights drawn as an image of the input's shape.

    Unit ``m`` computes ``X @ W[:, m]``: its weights form a template of D pixels that the unit
    compares the input with. Red pixels add to the unit's input, blue ones subtract.

    Parameters
    ----------
    W : array of shape (D, M)
        The first layer's weights (``model.params["W1"]``).
    image_shape : tuple (height, width), optional
        Shape of one input image; a square by default (28x28 for MNIST, 64x64 for the signs).
    max_units : int, optional
        Most units to draw (the first ones).
    title : str, optional

    Returns
    -------
    fig : Figure
    """
    W = backend.to_numpy(W)
    if W.ndim != 2:
        raise ValueError(f"W must be (D, M); got shape {W.shape}")
    height, width = _image_shape(W.shape[0], image_shape)
    units = min(max_units, W.shape[1])
    rows, cols = _grid(units, max_cols=16)
    fig = Figure(figsize=(1.0 * cols, 1.0 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for m in range(units):
        template = W[:, m].reshape(height, width)
        # A symmetric range per unit keeps zero white, so the sign of every weight is visible.
        limit = float(np.abs(template).max()) or 1.0
        axes[m].imshow(template, cmap="RdBu_r", vmin=-limit, vmax=limit)
    heading = f"first-layer weights of {units} of {W.shape[1]} hidden units"
    fig.suptitle(f"{title}: {heading}" if title else heading)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` (PNG unless the suffix says otherwise) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
