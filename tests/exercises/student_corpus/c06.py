"""Student submissions for 06-losses: binary_cross_entropy, softmax_cross_entropy."""

A = "06-losses"

ENTRIES = [
    # ------------------------------------------------------ binary_cross_entropy
    {
        "assignment": A,
        "function": "binary_cross_entropy",
        "kind": "mistake",
        "what": (
            "Averages the loss over the batch but not its gradient: dlogits = p - y without the "
            "division by N. The loss is right; dlogits is N times too large (right only for a "
            "batch of one sample), so the batch given twice doubles each sample's gradient "
            "instead of halving it."
        ),
        "source": '''import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    y = y.reshape(-1, 1).astype(logits.dtype)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    probs = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), probs - y
''',
    },
    {
        "assignment": A,
        "function": "binary_cross_entropy",
        "kind": "mistake",
        "what": (
            "Uses the half-stable form of the loss, z - z*y + log(1 + e^-z): fine for z >= 0, but "
            "for a large negative logit e^-z overflows and the loss is inf (float32 from z < ~-89, "
            "float64 from z < ~-710: the |logits| up to 1e4 case). dlogits is right; ordinary "
            "inputs are right."
        ),
        "source": '''import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    n = logits.shape[0]
    y = y.reshape(n, 1).astype(logits.dtype)
    with np.errstate(over="ignore"):
        loss = np.sum(logits - logits * y + np.log1p(np.exp(-logits))) / n
    p = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), (p - y) / n
''',
    },
    {
        "assignment": A,
        "function": "binary_cross_entropy",
        "kind": "mistake",
        "what": (
            "Returns the loss as NumPy computed it (np.mean(...)) without float(): for float32 "
            "logits that is a numpy.float32 scalar, which is not a Python float as the contract "
            "requires (for float64 it happens to be numpy.float64, a float subclass). Values and "
            "dlogits are right."
        ),
        "source": '''import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    n = len(logits)
    y = np.reshape(y, (n, 1)).astype(logits.dtype)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    probs = 0.5 * (1 + np.tanh(0.5 * logits))
    dlogits = (probs - y) / n
    return loss, dlogits
''',
    },
    {
        "assignment": A,
        "function": "binary_cross_entropy",
        "kind": "correct",
        "what": (
            "Softplus written with np.where on the sign of z (z + log1p(e^-z) for z > 0, "
            "log1p(e^z) otherwise; both branches are evaluated, so overflow warnings are "
            "silenced with np.errstate), minus z*y; the sigmoid for dlogits by the same "
            "two-branch trick. Same loss and dlogits, finite for any z."
        ),
        "source": '''import numpy as np


def binary_cross_entropy(logits, y):
    """Mean BCE of logits (N, 1) against labels y (N,) or (N, 1): returns (loss, dlogits)."""
    z = logits
    N = z.shape[0]
    t = np.asarray(y).reshape(N, 1).astype(z.dtype)
    with np.errstate(over="ignore"):
        softplus = np.where(z > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    loss = (softplus - z * t).sum() / N
    return float(loss), (p - t) / N
''',
    },
    # ----------------------------------------------------- softmax_cross_entropy
    {
        "assignment": A,
        "function": "softmax_cross_entropy",
        "kind": "mistake",
        "what": (
            "Handles only integer labels: log_probs[np.arange(n), y] with one-hot y of shape "
            "(N, C) does fancy indexing with a 2-D array (wrong shape, wrong loss, or an "
            "IndexError) and dlogits[np.arange(n), y] -= 1 hits the wrong entries. Integer "
            "labels (N,) are right."
        ),
        "source": '''import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n
''',
    },
    {
        "assignment": A,
        "function": "softmax_cross_entropy",
        "kind": "mistake",
        "what": (
            "Builds the one-hot targets for integer labels with np.zeros((n, c)), float64 by "
            "default: for float32 logits with integer labels, dlogits comes back float64. Values "
            "are right; one-hot labels and float64 logits are fully right."
        ),
        "source": '''import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    n, c = logits.shape
    if y.ndim == 1:
        T = np.zeros((n, c))
        T[np.arange(n), y] = 1.0
    else:
        T = y.astype(logits.dtype)
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    loss = -np.sum(T * logp) / n
    return float(loss), (np.exp(logp) - T) / n
''',
    },
    {
        "assignment": A,
        "function": "softmax_cross_entropy",
        "kind": "mistake",
        "what": (
            "Takes the mean over all N * C entries of -T * log p (np.mean of the matrix) "
            "instead of summing over the classes and averaging over the samples: the loss is C "
            "times too small (right only for C = 1). dlogits = (p - T) / N is right."
        ),
        "source": '''import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    n, c = logits.shape
    if y.ndim == 1:
        T = np.zeros_like(logits)
        T[np.arange(n), y] = 1
    else:
        T = y.astype(logits.dtype)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = np.mean(-T * log_p)
    return float(loss), (np.exp(log_p) - T) / n
''',
    },
    {
        "assignment": A,
        "function": "softmax_cross_entropy",
        "kind": "correct",
        "what": (
            "One loop over the rows (per-sample log-sum-exp, then the target's log-probability "
            "as a dot product with the one-hot row); integer labels become one-hot rows with "
            "np.eye(C, dtype=logits.dtype)[y]. Same loss and dlogits, dtype kept, stable."
        ),
        "source": '''import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against y (N,) ints or (N, C) one-hot."""
    N, C = logits.shape
    if y.ndim == 1:
        T = np.eye(C, dtype=logits.dtype)[y]
    else:
        T = y.astype(logits.dtype)
    total = 0.0
    dlogits = np.empty_like(logits)
    for n in range(N):
        row = logits[n]
        m = row.max()
        lse = m + np.log(np.sum(np.exp(row - m)))
        log_p = row - lse
        total -= float(np.dot(T[n], log_p))
        dlogits[n] = (np.exp(log_p) - T[n]) / N
    return total / N, dlogits
''',
    },
]
