"""Student submissions for 07-backprop: dense_backward, loss_and_grads."""

A = "07-backprop"

_DENSE = '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
'''

ENTRIES = [
    # ----------------------------------------------------------- dense_backward
    {
        "assignment": A,
        "function": "dense_backward",
        "kind": "mistake",
        "what": (
            "dW = dout.T @ x, the transpose of the right gradient, shape (M, D) instead of (D, M). "
            "For a square weight matrix (D == M) the shape is right and the values are silently "
            "transposed; otherwise the shape is wrong. dx and db are right."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = dout @ W.T
    dW = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dW, db
''',
    },
    {
        "assignment": A,
        "function": "dense_backward",
        "kind": "mistake",
        "what": (
            "db = np.sum(dout, axis=0, keepdims=True): the right numbers, but of shape (1, M) "
            "instead of b's shape (M,). dx and dW are right."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    return np.dot(dout, W.T), np.dot(x.T, dout), np.sum(dout, axis=0, keepdims=True)
''',
    },
    {
        "assignment": A,
        "function": "dense_backward",
        "kind": "correct",
        "what": (
            "All three gradients with np.einsum ('nm,dm->nd', 'nd,nm->dm', 'nm->m'); same "
            "values, shapes and dtype as the matrix products."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db
''',
    },
    # ----------------------------------------------------------- loss_and_grads
    {
        "assignment": A,
        "function": "loss_and_grads",
        "kind": "mistake",
        "what": (
            "Backpropagates through the ReLU with the mask of the upstream gradient, dz1 = dh * "
            "(dh > 0), instead of the mask of the pre-activation z1 > 0 (the wrong cache entry): "
            "dW1 and db1 are wrong on ordinary inputs (gradient kept where z1 <= 0 and dropped "
            "where dh < 0). The loss, dW2 and db2 are right."
        ),
        "source": _DENSE
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, cache2 = dense_forward(h, params["W2"], params["b2"])
    n = X.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    dlogits /= n
    dh, dW2, db2 = dense_backward(dlogits, cache2)
    dz1 = dh * (dh > 0)
    _, dW1, db1 = dense_backward(dz1, cache1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''',
    },
    {
        "assignment": A,
        "function": "loss_and_grads",
        "kind": "mistake",
        "what": (
            "Computes the loss by the naive route, softmax probabilities then -log p of the "
            "target: with logits about 1e4 the max-shifted softmax rounds the target's "
            "probability to 0 and log(0) = -inf, so the loss is inf. The gradients (from the "
            "probabilities) are right; ordinary inputs are right."
        ),
        "source": _DENSE
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    N = len(X)
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    a1 = np.maximum(z1, 0)
    scores, c2 = dense_forward(a1, params["W2"], params["b2"])
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(probs[np.arange(N), y]))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    da1, dW2, db2 = dense_backward(dscores, c2)
    dz1 = da1 * (z1 > 0)
    _, dW1, db1 = dense_backward(dz1, c1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''',
    },
    {
        "assignment": A,
        "function": "loss_and_grads",
        "kind": "mistake",
        "what": (
            "Builds the one-hot targets with np.eye(C)[y] (float64) and never casts them: for "
            "float32 parameters and inputs, dlogits and hence all four gradients come back "
            "float64 (and the loss is computed in float64). Values are right; float64 inputs "
            "are fully right."
        ),
        "source": _DENSE
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    n = X.shape[0]
    z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, cache2 = dense_forward(h, params["W2"], params["b2"])
    T = np.eye(logits.shape[1])[y]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(T * log_probs).sum() / n
    dlogits = (np.exp(log_probs) - T) / n
    dh, dW2, db2 = dense_backward(dlogits, cache2)
    _, dW1, db1 = dense_backward(dh * (z1 > 0), cache1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''',
    },
    {
        "assignment": A,
        "function": "loss_and_grads",
        "kind": "correct",
        "what": (
            "Masks the ReLU with the activation h > 0 instead of z1 > 0 (the same set, since "
            "h = max(z1, 0)), builds one-hot targets in the parameters' dtype with "
            "np.eye(C, dtype=...), and writes the backward pass inline with the transposes rather "
            "than through dense_backward. Same loss and gradients."
        ),
        "source": _DENSE
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(X @ W1 + b1, 0)
    logits = h @ W2 + b2
    T = np.eye(logits.shape[1], dtype=logits.dtype)[y]
    shifted = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(np.sum(lse[:, 0] - np.sum(T * shifted, axis=1)) / N)
    dlogits = (np.exp(shifted - lse) - T) / N
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dh = dlogits @ W2.T
    dz1 = dh * (h > 0)
    return loss, {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": dW2, "b2": db2}
''',
    },
]
