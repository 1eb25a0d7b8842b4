r"""Preparing data for a network: one-hot labels, standardised features, a validation split.

Shapes: N samples, D features, C classes. ``X`` is ``(N, D)``, labels ``y`` are ints ``(N,)``.

Standardisation is fitted on the training set only and then applied, unchanged, to the
validation and test sets: statistics computed on the test set would leak it into training.
:func:`standardize_images` is the other kind, each image by its own pixels: it needs no
statistics of a training set.

>>> mean, std = fit_standardizer(X_train)            # doctest: +SKIP
>>> X_train, X_test = standardize(X_train, mean, std), standardize(X_test, mean, std)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib._validate import require_float_array
from nnlib.backend import get_array_module, to_numpy


def one_hot(y: Any, num_classes: int, dtype: str = "float32") -> Any:
    r"""Return the one-hot encoding of integer labels.

    .. math:: Y_{ic} = 1 \text{ if } y_i = c \text{ else } 0

    Parameters
    ----------
    y : array of shape (N,)
        Integer labels in ``0 .. num_classes - 1``.
    num_classes : int
        C, the number of classes.
    dtype : str
        dtype of the result.

    Returns
    -------
    Y : array of shape (N, C)
        One row per sample, with a single 1 in the column of its label.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    xp = get_array_module(y)
    _require_labels("one_hot", y)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise TypeError(f"one_hot: num_classes must be an int; got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be at least 1; got {num_classes}")
    if y.size and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(
            f"one_hot: labels must lie in 0..{num_classes - 1} for num_classes={num_classes}; "
            f"got labels from {int(y.min())} to {int(y.max())}"
        )
    Y = xp.zeros((y.shape[0], num_classes), dtype=dtype)
    Y[xp.arange(y.shape[0]), y] = 1
    return Y


def fit_standardizer(X_train: Any, eps: float = 1e-8) -> tuple[Any, Any]:
    r"""Return the per-feature mean and standard deviation of the training set.

    .. math:: \mu_j = \frac{1}{N} \sum_i X_{ij}, \qquad
              \sigma_j = \sqrt{\frac{1}{N} \sum_i (X_{ij} - \mu_j)^2}

    A feature that is (nearly) constant, such as MNIST's always-black border pixels, gets
    :math:`\sigma_j = 1` instead: dividing by a tiny number would blow up any test value that
    differs from the constant.

    Parameters
    ----------
    X_train : array of shape (N, D)
        Training features, float32 or float64.
    eps : float
        Standard deviations below ``eps`` are replaced by 1.

    Returns
    -------
    mean : array of shape (D,)
    std : array of shape (D,)
    """
    xp = get_array_module(X_train)
    require_float_array("fit_standardizer", "X_train", X_train, ndim=2)
    if X_train.shape[0] == 0:
        raise ValueError("fit_standardizer: X_train must have at least one row; got 0")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = xp.where(std < eps, xp.ones_like(std), std)
    return mean, std


def standardize(X: Any, mean: Any, std: Any) -> Any:
    r"""Return the features shifted and scaled by statistics from :func:`fit_standardizer`.

    .. math:: Z_{ij} = \frac{X_{ij} - \mu_j}{\sigma_j}

    Parameters
    ----------
    X : array of shape (N, D)
        Features of any split (training, validation or test).
    mean : array of shape (D,)
        :math:`\mu`, fitted on the training set.
    std : array of shape (D,)
        :math:`\sigma`, fitted on the training set.

    Returns
    -------
    Z : array of shape (N, D)
        In the dtype of ``X``.
    """
    require_float_array("standardize", "X", X, ndim=2)
    D = X.shape[1]
    for name, stat in (("mean", mean), ("std", std)):
        if tuple(getattr(stat, "shape", ())) != (D,):
            raise ValueError(
                f"standardize: {name} must have shape ({D},) to match X of shape "
                f"{tuple(X.shape)}; got {tuple(getattr(stat, 'shape', ()))}"
            )
    return ((X - mean) / std).astype(X.dtype, copy=False)


def standardize_images(X: Any, eps: float = 1e-3) -> Any:
    r"""Give every image zero mean and unit standard deviation over its own pixels.

    .. math::

        x_{nd} \leftarrow \frac{x_{nd} - \bar x_n}{s_n + \epsilon}, \qquad
        \bar x_n = \frac1D \sum_d x_{nd}, \quad s_n^2 = \frac1D \sum_d (x_{nd} - \bar x_n)^2

    Needs no statistics of a training set, so a saved model only has to remember that it was
    applied.

    Parameters
    ----------
    X : array of shape (N, D)
        Flattened images (NumPy or CuPy).
    eps : float, optional
        Keeps a uniform image (s = 0) finite.

    Returns
    -------
    X_std : array of shape (N, D)
        Same dtype as ``X``.
    """
    if X.ndim != 2:
        raise ValueError(f"standardize_images: X must be (N, D); got shape {tuple(X.shape)}")
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True)
    return ((X - mean) / (std + eps)).astype(X.dtype, copy=False)


def stratified_split_indices(y: Any, fraction: float, seed: int = 0) -> tuple[Any, Any]:
    """Return indices that split samples in two, with each class in the same proportions.

    For each class with n samples, ``round(fraction * n)`` of them, drawn at random, go to the
    second part. The same ``y``, ``fraction`` and ``seed`` always give the same split.

    Parameters
    ----------
    y : array of shape (N,)
        Integer labels.
    fraction : float
        The share of each class that goes to the second part, in (0, 1).
    seed : int
        Seed of the random draw.

    Returns
    -------
    first : array of shape (N - K,)
        Indices of the first part (such as a training set), in random order.
    second : array of shape (K,)
        Indices of the second part (such as a validation or test set), in random order.
    """
    _require_labels("stratified_split_indices", y)
    if not 0 < fraction < 1:
        raise ValueError(f"the split fraction must lie strictly between 0 and 1; got {fraction}")
    labels = to_numpy(y)
    rng = np.random.default_rng(seed)
    first, second = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_second = round(fraction * len(members))
        second.append(members[:n_second])
        first.append(members[n_second:])
    first = rng.permutation(np.concatenate(first)) if first else np.array([], dtype=np.int64)
    second = rng.permutation(np.concatenate(second)) if second else np.array([], dtype=np.int64)
    if len(first) == 0 or len(second) == 0:
        raise ValueError(
            f"a split with fraction {fraction} of {len(labels)} samples leaves "
            f"{len(first)} and {len(second)} samples in the two parts; both must be non-empty"
        )
    return first, second


def train_val_split(
    X: Any, y: Any, val_fraction: float = 0.1, seed: int = 0
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """Split a training set into a smaller training set and a stratified validation set.

    Parameters
    ----------
    X : array of shape (N, D)
        Features.
    y : array of shape (N,)
        Integer labels; each class keeps its share in both parts.
    val_fraction : float
        The share of each class that goes to the validation set, in (0, 1).
    seed : int
        Seed of the random draw: the same seed gives the same split.

    Returns
    -------
    (X_train, y_train), (X_val, y_val)
        ``X_train`` of shape (N - K, D) and ``X_val`` of shape (K, D), K about
        ``val_fraction * N``; the labels alongside.
    """
    if getattr(X, "shape", (None,))[0] != getattr(y, "shape", (None,))[0]:
        raise ValueError(
            f"train_val_split: X and y must have the same number of rows; got X of shape "
            f"{tuple(getattr(X, 'shape', ()))} and y of shape {tuple(getattr(y, 'shape', ()))}"
        )
    train, val = stratified_split_indices(y, val_fraction, seed)
    # X and y may live on different backends: index each with indices of its own kind.
    xp, y_xp = get_array_module(X), get_array_module(y)
    return (
        (X[xp.asarray(train)], y[y_xp.asarray(train)]),
        (X[xp.asarray(val)], y[y_xp.asarray(val)]),
    )


def _require_labels(fn: str, y: Any) -> None:
    dtype = getattr(y, "dtype", None)
    if dtype is None or getattr(y, "ndim", None) != 1 or dtype.kind not in "iu":
        described = (
            f"{dtype} array of shape {tuple(y.shape)}" if dtype is not None else type(y).__name__
        )
        raise TypeError(f"{fn}: y must be an integer array of shape (N,); got {described}")
