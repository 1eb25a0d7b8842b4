"""Student submissions for 02-data: flatten, normalize, one_hot, train_val_split."""

A = "02-data"

ENTRIES = [
    # ------------------------------------------------------------------ flatten
    {
        "assignment": A,
        "function": "flatten",
        "kind": "mistake",
        "what": (
            "Squeezes the result (np.squeeze after the reshape, to 'clean up' the shape): for a "
            "batch of one image the batch axis disappears and the result has shape (H*W,) instead "
            "of (1, H*W). Batches of more than one image are right."
        ),
        "source": '''import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    n, h, w = images.shape
    return np.squeeze(images.reshape(n, h * w))
''',
    },
    {
        "assignment": A,
        "function": "flatten",
        "kind": "mistake",
        "what": (
            "Reads each image column by column: the reshape uses order='F' (Fortran order, a "
            "habit from MATLAB), which keeps the batch axis but puts each image's pixels in "
            "column-major order, i.e. the image transposed. Shape and dtype are right; the values differ for every image "
            "that is not symmetric (x[i, j] != x[j, i]), i.e. on any ordinary input."
        ),
        "source": '''import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    # column by column, as in MATLAB
    return images.reshape(len(images), -1, order="F")
''',
    },
    {
        "assignment": A,
        "function": "flatten",
        "kind": "correct",
        "what": (
            "Loops over the images and copies each image's ravel() (C order) into a row of a "
            "buffer made with np.empty((N, H*W), dtype=images.dtype): a new array, identical to "
            "the reshape, dtype kept."
        ),
        "source": '''import numpy as np


def flatten(images):
    """Return images of shape (N, H, W) as rows of shape (N, H * W)."""
    n = images.shape[0]
    X = np.empty((n, images.shape[1] * images.shape[2]), dtype=images.dtype)
    for i in range(n):
        X[i] = images[i].ravel()
    return X
''',
    },
    # ---------------------------------------------------------------- normalize
    {
        "assignment": A,
        "function": "normalize",
        "kind": "mistake",
        "what": (
            "Divides by the largest pixel of the batch (images.max()) instead of 255: values are "
            "wrong whenever the brightest pixel of the batch is not 255, and an all-black batch "
            "gives 0/0 = nan everywhere. The dtype is float32 as required."
        ),
        "source": '''import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    x = images.astype(np.float32)
    return x / x.max()
''',
    },
    {
        "assignment": A,
        "function": "normalize",
        "kind": "mistake",
        "what": (
            "Returns float64: images / 255.0 on a uint8 array promotes to float64 and the result "
            "is never cast to float32. The values are right; only the dtype breaks the contract "
            "(float32 required), on every input."
        ),
        "source": '''import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    return images / 255.0
''',
    },
    {
        "assignment": A,
        "function": "normalize",
        "kind": "correct",
        "what": (
            "np.divide(images, 255, dtype=np.float32): the ufunc casts the uint8 pixels to "
            "float32 and divides in float32, no intermediate float64 and no astype call."
        ),
        "source": '''import numpy as np


def normalize(images):
    """Return uint8 pixels (any shape) as float32 values in [0, 1]."""
    return np.divide(images, 255, dtype=np.float32)
''',
    },
    # ------------------------------------------------------------------ one_hot
    {
        "assignment": A,
        "function": "one_hot",
        "kind": "mistake",
        "what": (
            "Takes the number of classes from the labels (np.eye(y.max() + 1)[y]) and ignores "
            "num_classes: a batch that misses the highest classes gets too few columns "
            "(e.g. y = [0, 2] with num_classes = 5 gives shape (2, 3)). Right only when the highest "
            "class, num_classes - 1, is present in y."
        ),
        "source": '''import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    return np.eye(y.max() + 1, dtype=np.float32)[y]
''',
    },
    {
        "assignment": A,
        "function": "one_hot",
        "kind": "mistake",
        "what": (
            "Indexes only the columns, T[:, y] = 1, instead of the pairs (n, y[n]): every row "
            "gets a 1 in the column of every label present in the batch. Right only for a batch "
            "of one label (N = 1) or a batch whose labels are all equal."
        ),
        "source": '''import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    T = np.zeros((len(y), num_classes), dtype=np.float32)
    T[:, y] = 1
    return T
''',
    },
    {
        "assignment": A,
        "function": "one_hot",
        "kind": "correct",
        "what": (
            "Rows of the identity, np.eye(num_classes)[y]: right values and shape, but the dtype "
            "is float64 where nnlib returns float32. The notebook's contract for one_hot states "
            "the shape and the 0/1 values but no dtype, so this is a permitted choice."
        ),
        "source": '''import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    return np.eye(num_classes)[y]
''',
    },
    {
        "assignment": A,
        "function": "one_hot",
        "kind": "correct",
        "what": (
            "Broadcast comparison of the labels as a column with np.arange(num_classes), cast to "
            "float32: (y[:, None] == classes).astype(np.float32)."
        ),
        "source": '''import numpy as np


def one_hot(y, num_classes):
    """Return integer labels y of shape (N,) as one-hot rows of shape (N, num_classes)."""
    classes = np.arange(num_classes)
    return (np.asarray(y).reshape(-1, 1) == classes).astype(np.float32)
''',
    },
    # ---------------------------------------------------------- train_val_split
    {
        "assignment": A,
        "function": "train_val_split",
        "kind": "mistake",
        "what": (
            "Not stratified: one permutation of all N samples and the first round(val_fraction * N) "
            "go to validation, so each class's share in the two parts is left to chance (a rare "
            "class can be missing from the validation set). Shapes are plausible; the split "
            "differs from the stratified one for essentially every input with several classes."
        ),
        "source": '''import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    k = round(val_fraction * len(X))
    val, train = order[:k], order[k:]
    return (X[train], y[train]), (X[val], y[val])
''',
    },
    {
        "assignment": A,
        "function": "train_val_split",
        "kind": "mistake",
        "what": (
            "Rounds the per-class count with int(val_fraction * n + 0.5) (round half up) instead "
            "of Python's round(), which rounds halves to even: whenever val_fraction * n is "
            "exactly k + 0.5 with k even (n = 5, 25 or 45 with val_fraction 0.1, n = 10 with "
            "0.25) one sample too many goes to validation. Other class sizes give the reference "
            "split (e.g. n = 15 with 0.1: both give 2)."
        ),
        "source": '''import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    rng = np.random.default_rng(seed)
    train_parts, val_parts = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        k = int(val_fraction * len(members) + 0.5)
        val_parts.append(members[:k])
        train_parts.append(members[k:])
    train = rng.permutation(np.concatenate(train_parts))
    val = rng.permutation(np.concatenate(val_parts))
    return (X[train], y[train]), (X[val], y[val])
''',
    },
    {
        "assignment": A,
        "function": "train_val_split",
        "kind": "mistake",
        "what": (
            "Seeds NumPy's global generator (np.random.seed(seed), np.random.permutation) instead "
            "of drawing with np.random.default_rng(seed): the split is stratified and "
            "reproducible, but it is not the split the contract prescribes, and it changes the "
            "global random state as a side effect. Differs on every input."
        ),
        "source": '''import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    np.random.seed(seed)
    train_parts, val_parts = [], []
    for label in np.unique(y):
        members = np.random.permutation(np.flatnonzero(y == label))
        k = round(val_fraction * len(members))
        val_parts.append(members[:k])
        train_parts.append(members[k:])
    train = np.random.permutation(np.concatenate(train_parts))
    val = np.random.permutation(np.concatenate(val_parts))
    return (X[train], y[train]), (X[val], y[val])
''',
    },
    {
        "assignment": A,
        "function": "train_val_split",
        "kind": "correct",
        "what": (
            "Same draws as the reference in the same order (classes in sorted order, one "
            "permutation per class, then one of each part), written with a dict of boolean masks, "
            "np.where and Python lists; the counts use round() as specified."
        ),
        "source": '''import numpy as np


def train_val_split(X, y, val_fraction=0.1, seed=0):
    """Split (X, y) into ((X_train, y_train), (X_val, y_val)), each class in its share."""
    rng = np.random.default_rng(seed)
    masks = {int(c): (y == c) for c in sorted(set(y.tolist()))}
    val_idx, train_idx = [], []
    for c, mask in masks.items():
        idx = np.where(mask)[0]
        idx = rng.permutation(idx)
        n_val = round(val_fraction * idx.size)
        val_idx.extend(idx[:n_val].tolist())
        train_idx.extend(idx[n_val:].tolist())
    train_idx = rng.permutation(np.array(train_idx, dtype=np.int64))
    val_idx = rng.permutation(np.array(val_idx, dtype=np.int64))
    X_train, y_train = X[train_idx], y[train_idx]
    X_val, y_val = X[val_idx], y[val_idx]
    return (X_train, y_train), (X_val, y_val)
''',
    },
]
