"""Student submissions for 03-one-neuron: neuron_forward, neuron_gradients."""

A = "03-one-neuron"

ENTRIES = [
    # ----------------------------------------------------------- neuron_forward
    {
        "assignment": A,
        "function": "neuron_forward",
        "kind": "mistake",
        "what": (
            "Writes the sigmoid as e^z / (1 + e^z): for large positive logits e^z overflows to inf "
            "and inf / inf gives nan (float32 from z > ~89, float64 from z > ~710, so the "
            "|z| up to 1e4 case). Ordinary and zero inputs are right."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = X @ W + b
    ez = np.exp(z)
    return ez / (1 + ez)
''',
    },
    {
        "assignment": A,
        "function": "neuron_forward",
        "kind": "mistake",
        "what": (
            "Flattens the probabilities with .ravel() ('one probability per sample'): returns "
            "shape (N,) instead of the (N, 1) column the contract asks for. Values are right."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = X @ W + b
    probs = 0.5 * (1 + np.tanh(0.5 * z))
    return probs.ravel()
''',
    },
    {
        "assignment": A,
        "function": "neuron_forward",
        "kind": "correct",
        "what": (
            "Sigmoid by the two-branch formula on e^{-|z|} (1 / (1 + e) for z >= 0, e / (1 + e) "
            "otherwise), so no exponent is positive; the logits by np.dot plus the bias. Same "
            "values as the tanh form, finite for any z, dtype of X kept."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    z = np.dot(X, W) + b
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
''',
    },
    # -------------------------------------------------------- neuron_gradients
    {
        "assignment": A,
        "function": "neuron_gradients",
        "kind": "mistake",
        "what": (
            "Subtracts the labels y of shape (N,) from the (N, 1) probabilities without making "
            "them a column: p - y broadcasts to an (N, N) matrix, so dW = X.T @ dlogits has shape "
            "(D, N) and db shape (N,), and the values are wrong. Only a batch of one sample "
            "(N = 1) comes out right. (The loss is computed correctly from a column.)"
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    logits = X @ W + b
    return 0.5 * (1 + np.tanh(0.5 * logits))


def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    n = len(X)
    yf = y.astype(X.dtype)
    logits = X @ W + b
    y_col = yf.reshape(-1, 1)
    loss = np.mean(np.maximum(logits, 0) - logits * y_col + np.log1p(np.exp(-np.abs(logits))))
    probs = neuron_forward(X, W, b)
    dlogits = (probs - yf) / n
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)
''',
    },
    {
        "assignment": A,
        "function": "neuron_gradients",
        "kind": "mistake",
        "what": (
            "Never casts the integer labels to X's dtype: p - y with int64 y promotes float32 to "
            "float64, so for float32 inputs dW and db come back float64. Values are right and "
            "float64 inputs are fine; only the dtype of float32 inputs breaks the contract."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    logits = X @ W + b
    return 0.5 * (1 + np.tanh(0.5 * logits))


def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    y = y.reshape(-1, 1)
    logits = X @ W + b
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    dlogits = (neuron_forward(X, W, b) - y) / X.shape[0]
    dW = X.T @ dlogits
    db = np.sum(dlogits, axis=0)
    return float(loss), dW, db
''',
    },
    {
        "assignment": A,
        "function": "neuron_gradients",
        "kind": "mistake",
        "what": (
            "Computes the loss the textbook way from the probabilities, -mean(y log p + (1 - y) "
            "log(1 - p)): when |z| is large p rounds to exactly 0 or 1 and log(0) makes the loss "
            "inf (and 0 * -inf gives nan) - the |logits| up to 1e4 case, and in float32 already "
            "for |z| above ~17. The gradients, from p - y, are right."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    logits = X @ W + b
    return 0.5 * (1 + np.tanh(0.5 * logits))


def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    y = y.reshape(-1, 1).astype(X.dtype)
    p = neuron_forward(X, W, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dz = (p - y) / len(X)
    return float(loss), X.T @ dz, dz.sum(axis=0)
''',
    },
    {
        "assignment": A,
        "function": "neuron_gradients",
        "kind": "correct",
        "what": (
            "Stable loss through np.logaddexp(0, z) - z*y (= log(1 + e^z) - z y, no overflow), "
            "gradients with np.einsum; the labels cast to X's dtype first. Same values as the "
            "max/log1p form."
        ),
        "source": '''import numpy as np


def neuron_forward(X, W, b):
    """probs = sigmoid(X @ W + b) for X (N, D), W (D, 1), b (1,): shape (N, 1)."""
    logits = X @ W + b
    return 0.5 * (1 + np.tanh(0.5 * logits))


def neuron_gradients(X, y, W, b):
    """Mean BCE of the neuron on (X (N, D), y (N,)) and its gradients: (loss, dW, db)."""
    N = X.shape[0]
    t = y.astype(X.dtype)[:, None]
    z = X @ W + b
    loss = (np.logaddexp(0, z) - z * t).mean()
    dz = (neuron_forward(X, W, b) - t) / N
    dW = np.einsum("nd,nk->dk", X, dz)
    db = np.einsum("nk->k", dz)
    return float(loss), dW, db
''',
    },
]
