"""Student submissions for exercise 07-backprop (dense_backward, loss_and_grads), each with what is wrong in it or how it is right."""

A = "07-backprop"

# The given (locked) cell of the notebook.
GIVEN = '''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)
'''

BACKWARD_OK = (
    GIVEN
    + '''

def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
'''
)

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="dense_backward",
        kind="mistake",
        what=(
            "db summed over the wrong axis: dout.sum(axis=1) gives one value per sample, "
            "shape (N,), instead of one per output unit, shape (M,)"
        ),
        source=GIVEN
        + '''

def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=1)
    return dx, dW, db
''',
    ),
    dict(
        assignment=A,
        function="dense_backward",
        kind="mistake",
        what=(
            "dW = dout.T @ x has shape (M, D), the transpose of W's shape (D, M) (should be "
            "x.T @ dout)"
        ),
        source=GIVEN
        + '''

def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = np.dot(dout, W.T)
    dW = np.dot(dout.T, x)
    db = np.sum(dout, axis=0)
    return dx, dW, db
''',
    ),
    dict(
        assignment=A,
        function="loss_and_grads",
        kind="mistake",
        what=(
            "divides by N twice: dlogits = (p - T) / N already carries the mean, and the "
            "student divides dW2, db2, dW1, db1 by N again (gradients N times too small; loss right)"
        ),
        source=BACKWARD_OK
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    N = X.shape[0]
    z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, cache2 = dense_forward(h, params["W2"], params["b2"])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_sum
    loss = -log_p[np.arange(N), y].mean()
    dz2 = np.exp(log_p)
    dz2[np.arange(N), y] -= 1
    dz2 /= N
    dh, dW2, db2 = dense_backward(dz2, cache2)
    dz1 = dh * (z1 > 0)
    _, dW1, db1 = dense_backward(dz1, cache1)
    grads = {"W1": dW1 / N, "b1": db1 / N, "W2": dW2 / N, "b2": db2 / N}
    return float(loss), grads
''',
    ),
    dict(
        assignment=A,
        function="loss_and_grads",
        kind="mistake",
        what=(
            "the gradient dict uses the keys 'dW1', 'db1', 'dW2', 'db2' instead of the keys of "
            "params ('W1', 'b1', 'W2', 'b2')"
        ),
        source=BACKWARD_OK
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    n = len(X)
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h1 = np.maximum(0, z1)
    z2, c2 = dense_forward(h1, params["W2"], params["b2"])
    m = z2.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z2 - m).sum(axis=1, keepdims=True))
    loss = float(np.mean(lse[:, 0] - z2[np.arange(n), y]))
    p = np.exp(z2 - lse)
    p[np.arange(n), y] -= 1
    dz2 = p / n
    dh1, dW2, db2 = dense_backward(dz2, c2)
    _, dW1, db1 = dense_backward(dh1 * (z1 > 0), c1)
    return loss, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
    ),
    dict(
        assignment=A,
        function="loss_and_grads",
        kind="mistake",
        what=(
            "backward through the ReLU multiplies by the pre-activation itself, dZ1 = dH * Z1, "
            "instead of by the 0/1 mask [Z1 > 0] (dW1 and db1 wrong; dW2, db2 and loss right)"
        ),
        source=BACKWARD_OK
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    N = X.shape[0]
    Z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    H = np.maximum(Z1, 0)
    logits, cache2 = dense_forward(H, params["W2"], params["b2"])
    Z = logits - logits.max(axis=1, keepdims=True)
    log_probs = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(N), y])
    T = np.zeros_like(logits)
    T[np.arange(N), y] = 1
    dZ2 = (np.exp(log_probs) - T) / N
    dH, dW2, db2 = dense_backward(dZ2, cache2)
    dZ1 = dH * np.where(Z1 > 0, Z1, 0)
    _, dW1, db1 = dense_backward(dZ1, cache1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="dense_backward",
        kind="correct",
        what="all three gradients with np.einsum ('nm,dm->nd', 'nd,nm->dm', 'nm->m')",
        source=GIVEN
        + '''

def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db
''',
    ),
    dict(
        assignment=A,
        function="dense_backward",
        kind="correct",
        what="np.matmul with swapaxes/transpose, db via ones-vector product ones(N) @ dout (same dtype)",
        source=GIVEN
        + '''

def dense_backward(dout, cache):
    """Gradients of the dense layer: dout (N, M), cache (x, W) -> (dx, dW, db)."""
    x, W = cache
    dx = np.matmul(dout, np.transpose(W))
    dW = np.matmul(np.transpose(x), dout)
    db = np.ones(dout.shape[0], dtype=dout.dtype) @ dout
    return dx, dW, db
''',
    ),
    dict(
        assignment=A,
        function="loss_and_grads",
        kind="correct",
        what=(
            "ReLU mask taken from the post-activation H > 0 (equivalent to Z1 > 0); one-hot "
            "target matrix; loss via log-sum-exp"
        ),
        source=BACKWARD_OK
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    N = X.shape[0]
    Z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    H = np.maximum(Z1, 0)
    logits, cache2 = dense_forward(H, params["W2"], params["b2"])
    C = logits.shape[1]
    T = (y[:, None] == np.arange(C)[None, :]).astype(logits.dtype)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(T * log_probs).sum() / N
    dZ2 = (np.exp(log_probs) - T) / N
    dH, dW2, db2 = dense_backward(dZ2, cache2)
    dZ1 = dH * (H > 0)
    _, dW1, db1 = dense_backward(dZ1, cache1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''',
    ),
    dict(
        assignment=A,
        function="loss_and_grads",
        kind="correct",
        what=(
            "max-shifted logits, log-sum-exp with np.logaddexp.reduce along the rows, softmax "
            "from it; "
            "ReLU backward with np.where(Z1 > 0, dH, 0)"
        ),
        source=BACKWARD_OK
        + '''

def loss_and_grads(X, y, params):
    """Loss and gradients of relu(X W1 + b1) W2 + b2 with softmax cross-entropy."""
    n = X.shape[0]
    rows = np.arange(n)
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h = np.where(z1 > 0, z1, 0)
    z2, c2 = dense_forward(h, params["W2"], params["b2"])
    s = z2 - z2.max(axis=1, keepdims=True)
    lse = np.logaddexp.reduce(s, axis=1)
    loss = np.sum(lse - s[rows, y]) / n
    dz2 = np.exp(s - lse[:, None])
    dz2[rows, y] -= 1
    dz2 = dz2 / n
    dh, dW2, db2 = dense_backward(dz2, c2)
    dz1 = np.where(z1 > 0, dh, 0)
    _, dW1, db1 = dense_backward(dz1, c1)
    grads = {}
    grads["W1"], grads["b1"], grads["W2"], grads["b2"] = dW1, db1, dW2, db2
    return float(loss), grads
''',
    ),
]
