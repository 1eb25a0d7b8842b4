"""Student submissions for exercise 02-data (flatten, normalize, one_hot, train_val_split), each with what is wrong in it or how it is right."""

A = "02-data"

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="flatten",
        kind="mistake",
        what=(
            "np.squeeze after the reshape drops the batch axis when N == 1: a batch of one "
            "image comes back as shape (H*W,) instead of (1, H*W)"
        ),
        source='''
import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    n = images.shape[0]
    return np.squeeze(images.reshape(n, -1))
''',
    ),
    dict(
        assignment=A,
        function="flatten",
        kind="mistake",
        what=(
            "reshape with order='F' (Fortran/column-major): each image is read column by column, "
            "not row by row, so the pixels of a row end up scattered (wrong order of features)"
        ),
        source='''
import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    N, H, W = images.shape
    flat = np.empty((N, H * W), dtype=images.dtype)
    for i in range(N):
        flat[i] = images[i].reshape(H * W, order="F")
    return flat
''',
    ),
    dict(
        assignment=A,
        function="normalize",
        kind="mistake",
        what=(
            "divides by the largest value of the batch (images.max()) instead of 255: a dark "
            "batch is stretched to reach 1, and an all-black batch gives 0/0 = NaN"
        ),
        source='''
import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    x = images.astype(np.float32)
    return x / x.max()
''',
    ),
    dict(
        assignment=A,
        function="normalize",
        kind="mistake",
        what=(
            "returns float64: images / 255.0 on a uint8 array promotes to float64 and the "
            "result is never cast to float32 as the notebook requires"
        ),
        source='''
import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    return images / 255.0
''',
    ),
    dict(
        assignment=A,
        function="one_hot",
        kind="mistake",
        what=(
            "T[:, y] = 1 sets whole columns (every row gets a 1 in the column of every label "
            "present in the batch) instead of T[np.arange(N), y] = 1, one entry per row"
        ),
        source='''
import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    T = np.zeros((len(y), num_classes), dtype=np.float32)
    T[:, y] = 1
    return T
''',
    ),
    dict(
        assignment=A,
        function="train_val_split",
        kind="mistake",
        what=(
            "uses int(val_fraction * n) (truncation) instead of round(val_fraction * n) for "
            "each class's number of validation samples: e.g. n = 19, fraction 0.1 gives 1 "
            "instead of 2, so the validation part is too small"
        ),
        source='''
import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        k = int(val_fraction * len(members))
        val_idx.extend(members[:k])
        train_idx.extend(members[k:])
    train_idx = np.array(train_idx, dtype=np.int64)
    val_idx = np.array(val_idx, dtype=np.int64)
    return (X[train_idx], y[train_idx]), (X[val_idx], y[val_idx])
''',
    ),
    dict(
        assignment=A,
        function="train_val_split",
        kind="mistake",
        what=(
            "the seed is ignored: the per-class draw uses the global np.random.permutation, "
            "so two calls with the same seed give different splits (not reproducible)"
        ),
        source='''
import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    train_parts, val_parts = [], []
    for label in np.unique(y):
        idx = np.random.permutation(np.where(y == label)[0])
        n_val = round(val_fraction * len(idx))
        val_parts.append(idx[:n_val])
        train_parts.append(idx[n_val:])
    tr = np.concatenate(train_parts)
    va = np.concatenate(val_parts)
    return (X[tr], y[tr]), (X[va], y[va])
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="flatten",
        kind="correct",
        what="explicit loop over the images, ravel() of each (C order), stacked: same as reshape(N, -1)",
        source='''
import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    rows = [image.ravel() for image in images]
    if not rows:
        return images.reshape(0, images.shape[1] * images.shape[2])
    return np.stack(rows, axis=0)
''',
    ),
    dict(
        assignment=A,
        function="normalize",
        kind="correct",
        what="divides in float64 and casts the result back to float32 (identical values)",
        source='''
import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    as_double = np.asarray(images, dtype=np.float64)
    return (as_double / 255.0).astype(np.float32)
''',
    ),
    dict(
        assignment=A,
        function="normalize",
        kind="correct",
        what="np.divide(images, 255, dtype=np.float32): the division itself is done in float32",
        source='''
import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    return np.divide(images, 255, dtype=np.float32)
''',
    ),
    dict(
        assignment=A,
        function="one_hot",
        kind="correct",
        what="broadcast comparison y[:, None] == arange(num_classes), cast to float32",
        source='''
import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    classes = np.arange(num_classes)
    return (y[:, np.newaxis] == classes[np.newaxis, :]).astype(np.float32)
''',
    ),
    dict(
        assignment=A,
        function="one_hot",
        kind="correct",
        what=(
            "np.eye(num_classes)[y]: right values and shape, but float64 (the notebook states "
            "no dtype for one_hot; nnlib's default is float32)"
        ),
        source='''
import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    return np.eye(num_classes)[y]
''',
    ),
    dict(
        assignment=A,
        function="train_val_split",
        kind="correct",
        what=(
            "per class, rng.choice(members, size=round(f*n), replace=False) marks the "
            "validation samples in a boolean mask; both parts keep the original sample order "
            "(stratified, complete, reproducible, but not the same draw order as nnlib)"
        ),
        source='''
import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    rng = np.random.default_rng(seed)
    is_val = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        k = round(val_fraction * len(members))
        if k > 0:
            chosen = rng.choice(members, size=k, replace=False)
            is_val[chosen] = True
    return (X[~is_val], y[~is_val]), (X[is_val], y[is_val])
''',
    ),
]
