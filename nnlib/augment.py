r"""Data augmentation for small image datasets such as the sign digits.

A fully connected network sees each pixel as a separate input, so it does not know that a hand
moved two pixels to the left is the same hand. With a few hundred training photos it learns
where the hands happened to be. :func:`random_shifts` adds copies of the training images moved
by a few pixels, so the network is shown that position does not matter. (The sign-digits
reference classifier also standardizes each photo by itself,
:func:`nnlib.preprocessing.standardize_images`, so that lighting does not count as a feature.)

Shapes: N images of H x W pixels, flattened to D = H * W features.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["random_shifts"]


def random_shifts(
    X: Any,
    y: Any,
    image_shape: tuple[int, int],
    *,
    copies: int,
    max_shift: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The images followed by ``copies`` randomly shifted copies of each, with their labels.

    Each copy moves an image by a whole number of pixels drawn uniformly from
    ``-max_shift .. max_shift`` in each direction; the border pixels are repeated into the
    space it leaves (the photos' backgrounds are plain).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Flattened images, D = H * W.
    y : ndarray of shape (N,)
        Their labels.
    image_shape : tuple (H, W)
    copies : int
        Shifted copies per image (0 returns the data unchanged).
    max_shift : int
        Largest shift in pixels.
    seed : int, optional
        Seed of the shifts.

    Returns
    -------
    X_aug : ndarray of shape ((copies + 1) * N, D)
        The original images first, then the copies.
    y_aug : ndarray of shape ((copies + 1) * N,)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    H, W = image_shape
    if X.ndim != 2 or X.shape[1] != H * W:
        raise ValueError(
            f"random_shifts: X must be (N, {H * W}) for images of {H}x{W}; "
            f"got shape {tuple(X.shape)}"
        )
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"random_shifts: y must have {X.shape[0]} labels; got {y.shape[0]}")
    if copies < 0 or max_shift < 0:
        raise ValueError(
            f"random_shifts: copies and max_shift must be >= 0; got {copies} and {max_shift}"
        )
    N = X.shape[0]
    s = max_shift
    padded = np.pad(X.reshape(N, H, W), ((0, 0), (s, s), (s, s)), mode="edge")
    rng = np.random.default_rng(seed)
    rows = np.arange(H)[None, :, None]
    cols = np.arange(W)[None, None, :]
    images = [X]
    for _ in range(copies):
        dy = rng.integers(-s, s + 1, size=N)[:, None, None]
        dx = rng.integers(-s, s + 1, size=N)[:, None, None]
        # out[n, i, j] = image[n, i - dy, j - dx]: the picture moves by (dy, dx).
        shifted = padded[np.arange(N)[:, None, None], rows + s - dy, cols + s - dx]
        images.append(shifted.reshape(N, H * W))
    return np.concatenate(images), np.tile(y, copies + 1)
