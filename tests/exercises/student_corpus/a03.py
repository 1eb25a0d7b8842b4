"""Student submissions for exercise 03-one-neuron (neuron_forward, neuron_gradients), each with what is wrong in it or how it is right."""

A = "03-one-neuron"

FORWARD_OK = '''
import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = X @ W + b
    return 0.5 * (1 + np.tanh(z / 2))
'''

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="neuron_forward",
        kind="mistake",
        what=(
            "tanh form without the halving: 0.5 * (1 + tanh(z)) is sigma(2z), not sigma(z) "
            "(right only at z = 0 and in the saturated tails)"
        ),
        source='''
import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = X @ W + b
    return 0.5 * (1.0 + np.tanh(z))
''',
    ),
    dict(
        assignment=A,
        function="neuron_forward",
        kind="mistake",
        what=(
            "flattens the logits with .ravel(): returns probs of shape (N,) instead of the "
            "column (N, 1)"
        ),
        source='''
import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = (X @ W).ravel() + b
    return 0.5 * (1 + np.tanh(0.5 * z))
''',
    ),
    dict(
        assignment=A,
        function="neuron_gradients",
        kind="mistake",
        what=(
            "db = dlogits.sum() returns a 0-d scalar, not an array of shape (1,) like b "
            "(should be dlogits.sum(axis=0))"
        ),
        source=FORWARD_OK
        + '''

def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    N = X.shape[0]
    z = X @ W + b
    y = y.reshape(-1, 1).astype(X.dtype)
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    p = neuron_forward(X, W, b)
    dlogits = (p - y) / N
    dW = X.T @ dlogits
    db = dlogits.sum()
    return float(loss), dW, db
''',
    ),
    dict(
        assignment=A,
        function="neuron_gradients",
        kind="mistake",
        what=(
            "the labels are reshaped to a column but never cast to X's dtype: int labels "
            "mixed into float32 arithmetic promote dlogits, dW and db to float64"
        ),
        source=FORWARD_OK
        + '''

def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    n = len(X)
    z = X @ W + b
    y_col = y.reshape(-1, 1)
    loss = (np.maximum(z, 0) - z * y_col + np.log1p(np.exp(-np.abs(z)))).sum() / n
    dlogits = (neuron_forward(X, W, b) - y_col) / n
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)
''',
    ),
    dict(
        assignment=A,
        function="neuron_gradients",
        kind="mistake",
        what=(
            "loss computed from the probabilities, -mean(y log p + (1-y) log(1-p)), not in the "
            "stable logit form: for |z| around 1e4 p rounds to exactly 0 or 1 and the loss is "
            "inf/nan (gradients are fine)"
        ),
        source=FORWARD_OK
        + '''

def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    N = X.shape[0]
    y = y.reshape(-1, 1).astype(X.dtype)
    p = neuron_forward(X, W, b)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dlogits = (p - y) / N
    dW = X.T @ dlogits
    db = np.sum(dlogits, axis=0)
    return float(loss), dW, db
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="neuron_forward",
        kind="correct",
        what=(
            "sigmoid as exp(-logaddexp(0, -z)) (= 1/(1+e^-z), never overflows), logits with "
            "einsum; float32 stays float32"
        ),
        source='''
import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = np.einsum("nd,dk->nk", X, W) + b
    return np.exp(-np.logaddexp(0, -z))
''',
    ),
    dict(
        assignment=A,
        function="neuron_forward",
        kind="correct",
        what="piecewise stable sigmoid with e = exp(-|z|) and np.where, as nnlib's",
        source='''
import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = np.dot(X, W) + b.reshape(1, 1)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
''',
    ),
    dict(
        assignment=A,
        function="neuron_gradients",
        kind="correct",
        what=(
            "loss as mean(logaddexp(0, z) - z*y) (softplus form, equal to the stable form), "
            "gradients with y cast and reshaped; loss returned as a Python float"
        ),
        source=FORWARD_OK
        + '''

def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    yc = np.reshape(y, (-1, 1)).astype(X.dtype)
    z = X @ W + b
    loss = float(np.mean(np.logaddexp(0, z) - z * yc))
    dlogits = (neuron_forward(X, W, b) - yc) / X.shape[0]
    dW = X.T @ dlogits
    db = dlogits.sum(axis=0)
    return loss, dW, db
''',
    ),
    dict(
        assignment=A,
        function="neuron_gradients",
        kind="correct",
        what=(
            "everything computed in float64 (X, W, b, y cast up), then dW and db cast back to "
            "X.dtype; dW via an explicit loop-free einsum, db via keepdims-free sum"
        ),
        source=FORWARD_OK
        + '''

def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    dtype = X.dtype
    X64, W64, b64 = X.astype(np.float64), W.astype(np.float64), b.astype(np.float64)
    t = y.astype(np.float64).reshape(-1, 1)
    z = X64 @ W64 + b64
    per_sample = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    loss = per_sample.sum() / len(t)
    p = neuron_forward(X64, W64, b64)
    dlogits = (p - t) / len(t)
    dW = np.einsum("nd,nk->dk", X64, dlogits)
    db = dlogits.sum(axis=0)
    return float(loss), dW.astype(dtype), db.astype(dtype)
''',
    ),
]
