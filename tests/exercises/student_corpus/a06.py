"""Student submissions for exercise 06-losses, each with what is wrong in it or how it is right."""

A = "06-losses"

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="binary_cross_entropy",
        kind="mistake",
        what=(
            "sign error in the stable form: max(z, 0) + z*y + log(1 + e^-|z|) instead of "
            "max(z, 0) - z*y + ...: the loss is wrong whenever y = 1 (dlogits is right)"
        ),
        source='''
import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    n = logits.shape[0]
    y = y.reshape(n, 1).astype(logits.dtype)
    loss = np.sum(np.maximum(logits, 0) + logits * y + np.log1p(np.exp(-np.abs(logits)))) / n
    e = np.exp(-np.abs(logits))
    p = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    return float(loss), (p - y) / n
''',
    ),
    dict(
        assignment=A,
        function="binary_cross_entropy",
        kind="mistake",
        what=(
            "flattens logits and labels to (N,) to dodge the (N, N) broadcast and never "
            "reshapes back: dlogits comes out with shape (N,) instead of the logits' (N, 1)"
        ),
        source='''
import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    z = logits.ravel()
    t = y.ravel().astype(z.dtype)
    loss = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
    p = 0.5 * (1 + np.tanh(0.5 * z))
    dlogits = (p - t) / len(z)
    return float(loss), dlogits
''',
    ),
    dict(
        assignment=A,
        function="softmax_cross_entropy",
        kind="mistake",
        what=(
            "one-hot labels are not handled: y is always used as integer indices, "
            "probs[np.arange(N), y] with an (N, C) one-hot y picks the wrong entries / wrong "
            "shape (IndexError or garbage)"
        ),
        source='''
import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_sum - shifted[np.arange(n), y])
    probs = np.exp(shifted - log_sum[:, None])
    probs[np.arange(n), y] -= 1
    return float(loss), probs / n
''',
    ),
    dict(
        assignment=A,
        function="softmax_cross_entropy",
        kind="mistake",
        what=(
            "loss taken as -log(p) of the (max-shifted) softmax probabilities instead of the "
            "log-sum-exp form: for logits of 1e4 the true class's probability underflows to 0 "
            "and the loss is inf (dlogits is right)"
        ),
        source='''
import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    N, C = logits.shape
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    if y.ndim == 1:
        T = np.zeros_like(p)
        T[np.arange(N), y] = 1
    else:
        T = y.astype(p.dtype)
    loss = -np.sum(T * np.log(p)) / N
    return float(loss), (p - T) / N
''',
    ),
    dict(
        assignment=A,
        function="softmax_cross_entropy",
        kind="mistake",
        what=(
            "one-hot labels converted to class indices with y.argmax(axis=0) (wrong axis): "
            "gives one index per class (shape (C,)) instead of one per sample, argmax(axis=1); "
            "integer labels are handled correctly"
        ),
        source='''
import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    if y.ndim == 2:
        y = y.argmax(axis=0)
    N = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(N), y] -= 1
    return float(loss), dlogits / N
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="binary_cross_entropy",
        kind="correct",
        what=(
            "loss as mean(logaddexp(0, z) - z*y) (softplus, stable), p = exp(-logaddexp(0, -z)); "
            "y reshaped with np.reshape(y, (-1, 1)) and cast"
        ),
        source='''
import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    t = np.reshape(y, (-1, 1)).astype(logits.dtype)
    loss = np.mean(np.logaddexp(0, logits) - logits * t)
    p = np.exp(-np.logaddexp(0, -logits))
    dlogits = (p - t) / logits.shape[0]
    return float(loss), dlogits
''',
    ),
    dict(
        assignment=A,
        function="softmax_cross_entropy",
        kind="correct",
        what=(
            "always builds a one-hot target matrix (from integer labels by fancy indexing) and "
            "uses the one-hot formula with the log-sum-exp log-probabilities"
        ),
        source='''
import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    N, C = logits.shape
    if y.ndim == 1:
        targets = np.zeros((N, C), dtype=logits.dtype)
        targets[np.arange(N), y] = 1
    else:
        targets = y.astype(logits.dtype)
    z = logits - np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    log_probs = z - lse
    loss = -np.sum(targets * log_probs) / N
    dlogits = (np.exp(log_probs) - targets) / N
    return float(loss), dlogits
''',
    ),
    dict(
        assignment=A,
        function="softmax_cross_entropy",
        kind="correct",
        what=(
            "everything in float64, dlogits cast back to the logits' dtype; integer labels "
            "handled with np.take_along_axis"
        ),
        source='''
import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    z = logits.astype(np.float64)
    n = z.shape[0]
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))
    log_p = z - log_norm
    probs = np.exp(log_p)
    if np.ndim(y) == 1:
        picked = np.take_along_axis(log_p, y.reshape(-1, 1).astype(np.int64), axis=1)
        loss = -picked.sum() / n
        grad = probs.copy()
        grad[np.arange(n), y] -= 1.0
    else:
        t = np.asarray(y, dtype=np.float64)
        loss = -(t * log_p).sum() / n
        grad = probs - t
    return float(loss), (grad / n).astype(logits.dtype)
''',
    ),
]
