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
    "tile_images",
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


def tile_images(images: np.ndarray, cols: int, gap: int = 1, gap_above: int = 0) -> np.ndarray:
    """Lay K images of shape (h, w) out in a grid of ``cols`` columns, as one array.

    One image drawn once is far faster to lay out and render than K small axes.

    Parameters
    ----------
    images : ndarray of shape (K, h, w)
    cols : int
        Images per row.
    gap : int, optional
        Pixels between neighbouring images.
    gap_above : int, optional
        Extra pixels above each row (room for a label).

    Returns
    -------
    mosaic : ndarray of shape (rows * (h + gap + gap_above) - gap, cols * (w + gap) - gap)
        Image ``k`` sits in row ``k // cols`` and column ``k % cols``; the gaps are NaN, which
        matplotlib leaves transparent.
    """
    K, h, w = images.shape
    rows = max(1, math.ceil(K / cols))
    cell_h, cell_w = h + gap + gap_above, w + gap
    mosaic = np.full((rows * cell_h - gap, cols * cell_w - gap), np.nan)
    for k in range(K):
        top = (k // cols) * cell_h + gap_above
        left = (k % cols) * cell_w
        mosaic[top : top + h, left : left + w] = images[k]
    return mosaic


def plot_misclassified(
    X: Any,
    y_true: Any,
    y_pred: Any,
    *,
    image_shape: tuple[int, int] | None = None,
    class_names: Sequence[str] | None = None,
    max_images: int = 24,
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
        Most images to draw.
    title : str, optional

    Returns
    -------
    fig : Figure
        One mosaic of the misclassified samples shown, each labelled "true / predicted", or a
        note when there is none.
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

    heading = f"{len(wrong)} of {len(y_true)} misclassified (true / predicted)"
    if title:
        heading = f"{title}: {heading}"
    if len(shown) == 0:
        fig = Figure(figsize=(5, 1.5), layout="constrained")
        fig.text(0.5, 0.5, heading, ha="center", va="center")
        return fig
    rows, cols = _grid(len(shown), max_cols=8)
    gap, gap_above = max(1, width // 14), height // 3
    images = X[shown].reshape(len(shown), height, width)
    fig = Figure(figsize=(max(5.0, 1.3 * cols + 0.4), 1.55 * rows + 0.6), layout="constrained")
    ax = fig.subplots()
    ax.imshow(tile_images(images, cols, gap, gap_above), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    for k, i in enumerate(shown):
        x = (k % cols) * (width + gap) + width / 2
        y = (k // cols) * (height + gap + gap_above) + gap_above / 2
        label = f"{name(y_true[i])} / {name(y_pred[i])}"
        ax.text(x, y, label, ha="center", va="center", fontsize=9)
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
    compares the input with. Red pixels add to the unit's input, blue ones subtract. Each image
    is scaled by its own largest absolute weight, so white is zero in every one.

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
    templates = W[:, :units].T.reshape(units, height, width).astype(np.float64)
    limits = np.abs(templates).max(axis=(1, 2), keepdims=True)
    templates = templates / np.where(limits > 0, limits, 1.0)
    rows, cols = _grid(units, max_cols=16)
    fig = Figure(figsize=(max(5.0, 0.8 * cols + 0.4), 0.8 * rows + 0.6), layout="constrained")
    ax = fig.subplots()
    mosaic = tile_images(templates, cols, gap=max(1, width // 14))
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    heading = f"first-layer weights of {units} of {W.shape[1]} hidden units"
    fig.suptitle(f"{title}: {heading}" if title else heading)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` (PNG unless the suffix says otherwise) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
