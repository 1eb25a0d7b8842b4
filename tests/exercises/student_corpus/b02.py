"""Student submissions for 02-data: flatten, normalize, one_hot, train_val_split."""

ENTRIES = [
    dict(assignment='02-data', function='flatten', kind='mistake',
         what='order="F" in the reshape: each image is read column by column instead of row by row '
              '(NumPy\'s default C order).',
         source='''
import numpy as np

def flatten(images):
    n = images.shape[0]
    return images.reshape(n, -1, order="F")
'''),
    dict(assignment='02-data', function='flatten', kind='mistake',
         what='np.squeeze on the result "to tidy the shape": a batch of one image becomes shape '
              '(H * W,) instead of (1, H * W).',
         source='''
import numpy as np

def flatten(images):
    return np.squeeze(images.reshape(images.shape[0], -1))
'''),
    dict(assignment='02-data', function='flatten', kind='correct',
         what='Explicit target shape (N, H * W) from images.shape with np.reshape.',
         source='''
import numpy as np

def flatten(images):
    n, h, w = images.shape
    return np.reshape(images, (n, h * w))
'''),
    dict(assignment='02-data', function='normalize', kind='mistake',
         what='Divides by the largest value in the batch (images.max()) instead of 255: other '
              'values whenever the batch has no pure white pixel, and 0/0 = nan for an all-black batch.',
         source='''
import numpy as np

def normalize(images):
    images = images.astype(np.float32)
    return images / images.max()
'''),
    dict(assignment='02-data', function='normalize', kind='mistake',
         what='images / 255.0 without a cast: uint8 divided by a float gives float64, not float32.',
         source='''
import numpy as np

def normalize(images):
    return images / 255.0
'''),
    dict(assignment='02-data', function='normalize', kind='correct',
         what='np.divide(images, 255, dtype=np.float32): one ufunc call computing in float32.',
         source='''
import numpy as np

def normalize(images):
    return np.divide(images, 255, dtype=np.float32)
'''),
    dict(assignment='02-data', function='normalize', kind='correct',
         what='Divides in float64 and casts back to float32 at the end.',
         source='''
import numpy as np

def normalize(images):
    return (images / 255.0).astype(np.float32)
'''),
    dict(assignment='02-data', function='one_hot', kind='mistake',
         what='Number of classes taken from the labels (np.eye(y.max() + 1)[y]): a batch missing the '
              'highest classes gets too few columns.',
         source='''
import numpy as np

def one_hot(y, num_classes):
    return np.eye(y.max() + 1, dtype=np.float32)[y]
'''),
    dict(assignment='02-data', function='one_hot', kind='mistake',
         what='T[:, y] = 1 instead of T[np.arange(N), y] = 1: sets whole columns, so every row gets '
              'a 1 in every class that appears in the batch.',
         source='''
import numpy as np

def one_hot(y, num_classes):
    T = np.zeros((len(y), num_classes), dtype=np.float32)
    T[:, y] = 1
    return T
'''),
    dict(assignment='02-data', function='one_hot', kind='correct',
         what='Broadcast comparison of a label column with np.arange(num_classes), cast to float32.',
         source='''
import numpy as np

def one_hot(y, num_classes):
    return (y[:, None] == np.arange(num_classes)).astype(np.float32)
'''),
    dict(assignment='02-data', function='one_hot', kind='correct',
         what='Loop over the rows setting T[i, label] = 1.',
         source='''
import numpy as np

def one_hot(y, num_classes):
    T = np.zeros((y.shape[0], num_classes), dtype=np.float32)
    for i, label in enumerate(y):
        T[i, label] = 1.0
    return T
'''),
    dict(assignment='02-data', function='train_val_split', kind='mistake',
         what='int(val_fraction * n) instead of round(val_fraction * n): truncates, so a class of '
              '15 samples at 0.1 gives 1 validation sample instead of 2, and classes whose share is '
              'below 1 get none.',
         source='''
import numpy as np

def train_val_split(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        k = int(val_fraction * len(members))
        val.append(members[:k])
        train.append(members[k:])
    train, val = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))
    return (X[train], y[train]), (X[val], y[val])
'''),
    dict(assignment='02-data', function='train_val_split', kind='mistake',
         what='Not stratified: one permutation of all samples and the first round(f * N) go to '
              'validation, so class shares drift and a rare class can be missing.',
         source='''
import numpy as np

def train_val_split(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    k = round(val_fraction * len(y))
    val, train = order[:k], order[k:]
    return (X[train], y[train]), (X[val], y[val])
'''),
    dict(assignment='02-data', function='train_val_split', kind='mistake',
         what='Seeds the global generator (np.random.seed(seed); np.random.permutation) instead of '
              'drawing from np.random.default_rng(seed): reproducible, but not the split the '
              'notebook specifies, and it changes NumPy\'s global random state as a side effect.',
         source='''
import numpy as np

def train_val_split(X, y, val_fraction=0.1, seed=0):
    np.random.seed(seed)
    train, val = [], []
    for label in np.unique(y):
        members = np.random.permutation(np.flatnonzero(y == label))
        k = round(val_fraction * len(members))
        val.append(members[:k])
        train.append(members[k:])
    train, val = np.random.permutation(np.concatenate(train)), np.random.permutation(np.concatenate(val))
    return (X[train], y[train]), (X[val], y[val])
'''),
    dict(assignment='02-data', function='train_val_split', kind='correct',
         what='The same draws written differently: rng.shuffle on a copy of each class\'s indices '
              '(the same stream as rng.permutation of that array), the count as int(np.round(...)) '
              '(NumPy rounds halves to even like Python\'s round), boolean masks to pick the rows.',
         source='''
import numpy as np

def train_val_split(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    train_parts, val_parts = [], []
    for c in np.unique(y):
        idx = np.where(y == c)[0].copy()
        rng.shuffle(idx)
        n_val = int(np.round(val_fraction * idx.size))
        val_parts.append(idx[:n_val])
        train_parts.append(idx[n_val:])
    train_idx = np.concatenate(train_parts)
    rng.shuffle(train_idx)
    val_idx = np.concatenate(val_parts)
    rng.shuffle(val_idx)
    return (X[train_idx], y[train_idx]), (X[val_idx], y[val_idx])
'''),
]
