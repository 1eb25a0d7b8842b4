r"""Training loop and evaluation for :class:`nnlib.network.MLP`.

``fit`` runs minibatch gradient descent: every epoch it shuffles the training set, cuts it into
batches of ``batch_size`` samples, and for each batch asks the model for the gradients of the
mean loss and lets the optimizer update the parameters,

.. math::

    \theta \leftarrow \theta - \eta \, \nabla_\theta L(\theta; X_B, y_B).

After each epoch it measures loss and accuracy on (a fixed sample of) the training set and on the
validation set, and records them in a :class:`History`.

The data is moved to the model's backend (NumPy or CuPy) once, before the first epoch; every
batch is a slice of arrays already there.

Letters used for shapes: N samples, D input features, C output units (classes, or 1 for a
binary classifier).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm  # the text bar: no widget library needed, shows in Colab and the book

from nnlib import backend, losses
from nnlib.network import predicted_labels

__all__ = [
    "History",
    "confusion_matrix",
    "cosine_schedule",
    "evaluate",
    "fit",
]


@dataclass
class History:
    """Per-epoch record of a training run; element ``i`` of every list belongs to epoch ``i + 1``.

    Attributes
    ----------
    train_loss, train_accuracy : list of float
        Mean loss and accuracy on the training set (or the fixed sample of it given by
        ``fit``'s ``train_eval_size``), measured after the epoch.
    val_loss, val_accuracy : list of float
        The same on the validation data; empty when ``fit`` had none.
    epoch_seconds : list of float
        Wall-clock seconds of the epoch's training steps (shuffling, forward, backward and
        update), without the measurements after it.
    learning_rate : list of float
        The optimizer's learning rate during the epoch.
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def to_dict(self) -> dict[str, list[float]]:
        """Return the record as a dict of lists (for JSON)."""
        return asdict(self)


def cosine_schedule(lr: float, epochs: int, final_lr: float = 0.0) -> Callable[[int], float]:
    r"""Return a cosine learning-rate schedule for ``fit``'s ``lr_schedule``.

    .. math::

        \eta_e = \eta_{\text{final}} + \tfrac12 (\eta_0 - \eta_{\text{final}})
                 \left(1 + \cos \frac{\pi e}{E}\right), \qquad e = 0, \dots, E - 1

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta_0` of the first epoch.
    epochs : int
        Number of epochs :math:`E` of the run.
    final_lr : float, optional
        Rate the schedule approaches at the end.

    Returns
    -------
    schedule : callable
        ``schedule(epoch) -> float`` with ``epoch`` counted from 0.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")

    def schedule(epoch: int) -> float:
        return final_lr + 0.5 * (lr - final_lr) * (1.0 + math.cos(math.pi * epoch / epochs))

    return schedule


def _check_data(model: Any, X: Any, y: Any, name: str) -> None:
    """Raise a ValueError unless ``X`` (N, D) and ``y`` (N,) or (N, C) fit ``model``."""
    D = model.layer_sizes[0]
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(
            f"{name}: X must have shape (N, {D}) for a model with {D} inputs, "
            f"got shape {tuple(X.shape)}"
        )
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name}: y must have shape ({X.shape[0]},) to match X's {X.shape[0]} samples, "
            f"got shape {tuple(y.shape)}"
        )


def _check_labels(model: Any, y: Any, name: str) -> None:
    """Raise a ValueError unless the integer labels ``y`` (N,) are valid classes of ``model``.

    Checked once before training, so that a bad label is reported with the whole training set's
    range before any step is taken rather than by the loss in the middle of an epoch.
    """
    if y.ndim != 1:
        return  # one-hot rows or a (N, 1) column: their shape was checked already
    C = model.layer_sizes[-1]
    classes = "0 or 1" if C == 1 else f"0..{C - 1}"
    if y.dtype.kind not in "iub" and not (C == 1 and y.dtype.kind == "f"):
        raise ValueError(f"{name}: y must hold integer labels {classes}; got dtype {y.dtype}")
    if y.shape[0] == 0:
        return
    low, high = float(y.min()), float(y.max())
    bad = low < 0 or high > max(C - 1, 1)
    if C == 1:
        bad = bad or not bool(((y == 0) | (y == 1)).all())
    if bad:
        raise ValueError(
            f"{name}: labels must be {classes} for a model with {C} output unit(s); "
            f"found values from {low:g} to {high:g}"
        )


def _labels(y: Any) -> Any:
    """Integer labels (N,) from labels (N,), a column (N, 1) or one-hot rows (N, C)."""
    if y.ndim == 2:
        return y[:, 0] if y.shape[1] == 1 else y.argmax(axis=1)
    return y


def _loss_and_predictions(model: Any, logits: Any, y: Any) -> tuple[float, Any]:
    """Mean loss (float) and predicted labels (N,) for ``logits`` of shape (N, C)."""
    if model.layer_sizes[-1] == 1:
        loss, _ = losses.binary_cross_entropy(logits, y)
    else:
        loss, _ = losses.softmax_cross_entropy(logits, y)
    return loss, predicted_labels(logits)


def evaluate(model: Any, X: Any, y: Any, *, batch_size: int = 8192) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on ``(X, y)``.

    Parameters
    ----------
    model : MLP
        The network to evaluate.
    X : array of shape (N, D)
        Inputs (NumPy or the model's backend).
    y : array of shape (N,)
        Integer labels (one-hot rows of shape (N, C) are accepted too).
    batch_size : int, optional
        Samples per forward pass; bounds the memory used, not the result.

    Returns
    -------
    metrics : dict
        ``{"loss": float, "accuracy": float}``, both means over the N samples.
    """
    xp = model.xp
    X = backend.asarray(X, xp, dtype=model.dtype)
    y = backend.asarray(y, xp)
    _check_data(model, X, y, "evaluate")
    N = X.shape[0]
    if N == 0:
        raise ValueError("evaluate: X has no samples")
    total_loss = 0.0
    correct = 0
    labels = _labels(y)
    for start in range(0, N, batch_size):
        stop = min(start + batch_size, N)
        logits = model.forward(X[start:stop])
        loss, pred = _loss_and_predictions(model, logits, y[start:stop])
        total_loss += loss * (stop - start)
        correct += int((pred == labels[start:stop]).sum())
    return {"loss": total_loss / N, "accuracy": correct / N}


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    optimizer: Any,
    validation_data: tuple[Any, Any] | None = None,
    seed: int = 0,
    progress: bool = True,
    lr_schedule: Callable[[int], float] | None = None,
    train_eval_size: int | None = 10_000,
) -> History:
    """Train ``model`` in place with shuffled minibatches and return the per-epoch record.

    Parameters
    ----------
    model : MLP
        The network; its parameters are updated in place.
    X : array of shape (N, D)
        Training inputs, NumPy or the model's backend; moved to the model's backend once.
    y : array of shape (N,)
        Integer training labels (0/1 for a binary model).
    epochs : int
        Passes over the training set.
    batch_size : int
        Samples per gradient step; the last batch of an epoch may be smaller.
    optimizer : SGD or Adam
        Anything with ``.step(params, grads)`` and a settable ``.lr``.
    validation_data : tuple (X_val, y_val), optional
        Data measured after every epoch (not trained on).
    seed : int, optional
        Seed of the shuffling; the same seed gives the same batches.
    progress : bool, optional
        Show a tqdm progress bar per epoch with the epoch's loss and accuracy. ``False``
        prints nothing.
    lr_schedule : callable, optional
        ``lr_schedule(epoch) -> float`` (epoch counted from 0) sets ``optimizer.lr`` at the
        start of every epoch, for example :func:`cosine_schedule`.
    train_eval_size : int or None, optional
        The training loss and accuracy of the history are measured after every epoch on a
        fixed random sample of this many training samples (all of them when ``None`` or when
        N is smaller), which keeps the measurement cheap on large training sets.

    Returns
    -------
    history : History
        Per-epoch training and validation loss and accuracy, epoch times and learning rates.
    """
    if not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    xp = model.xp
    # Moved once: every batch below is a slice of arrays already on the device.
    X = backend.asarray(X, xp, dtype=model.dtype)
    y = backend.asarray(y, xp)
    _check_data(model, X, y, "training data")
    _check_labels(model, y, "training data")
    N = X.shape[0]
    if N == 0:
        raise ValueError("training data: X has no samples")
    if validation_data is not None:
        X_val = backend.asarray(validation_data[0], xp, dtype=model.dtype)
        y_val = backend.asarray(validation_data[1], xp)
        _check_data(model, X_val, y_val, "validation data")

    rng = np.random.default_rng(seed)
    if train_eval_size is None or train_eval_size >= N:
        X_eval, y_eval = X, y
    else:
        keep = backend.asarray(np.sort(rng.choice(N, size=train_eval_size, replace=False)), xp)
        X_eval, y_eval = X[keep], y[keep]

    history = History()
    n_batches = math.ceil(N / batch_size)
    width = len(str(epochs))
    for epoch in range(epochs):
        if lr_schedule is not None:
            optimizer.lr = float(lr_schedule(epoch))
        bar = tqdm(
            total=n_batches,
            desc=f"epoch {epoch + 1:>{width}}/{epochs}",
            unit="batch",
            disable=not progress,
            leave=True,
            dynamic_ncols=True,
        )
        with bar:
            start_time = time.perf_counter()
            order = backend.asarray(rng.permutation(N), xp)
            for start in range(0, N, batch_size):
                idx = order[start : start + batch_size]
                _, grads = model.loss_and_grads(X[idx], y[idx])
                optimizer.step(model.params, grads)
                bar.update(1)
            backend.synchronize(xp)
            history.epoch_seconds.append(time.perf_counter() - start_time)
            history.learning_rate.append(float(optimizer.lr))

            train = evaluate(model, X_eval, y_eval)
            history.train_loss.append(train["loss"])
            history.train_accuracy.append(train["accuracy"])
            postfix = {"loss": f"{train['loss']:.4f}", "acc": f"{train['accuracy']:.4f}"}
            if validation_data is not None:
                val = evaluate(model, X_val, y_val)
                history.val_loss.append(val["loss"])
                history.val_accuracy.append(val["accuracy"])
                postfix.update(val_loss=f"{val['loss']:.4f}", val_acc=f"{val['accuracy']:.4f}")
            bar.set_postfix(postfix, refresh=True)
    return history


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Count matrix of true against predicted labels.

    Parameters
    ----------
    y_true, y_pred : array of shape (N,)
        Integer labels in ``0 .. num_classes - 1`` (NumPy or CuPy).
    num_classes : int, optional
        Number of classes C; by default one more than the largest label seen.

    Returns
    -------
    counts : ndarray of shape (C, C), int64
        ``counts[i, j]`` is the number of samples of true class ``i`` predicted as ``j``.
    """
    y_true = np.asarray(backend.to_numpy(y_true)).astype(np.int64).ravel()
    y_pred = np.asarray(backend.to_numpy(y_pred)).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}"
        )
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if y_true.size and (
        min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= num_classes
    ):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    flat = np.bincount(num_classes * y_true + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)
