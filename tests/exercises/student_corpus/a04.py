"""Student submissions for exercise 04-feedforward (dense_forward, mlp_forward), each with what is wrong in it or how it is right."""

A = "04-feedforward"

DENSE_OK = '''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)
'''

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="dense_forward",
        kind="mistake",
        what=(
            "the cache is the triple (x, W, b) instead of the pair (x, W) the notebook "
            "specifies (chapter 7's backward unpacks x, W = cache); out itself is right"
        ),
        source='''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = np.matmul(x, W) + b
    cache = (x, W, b)
    return out, cache
''',
    ),
    dict(
        assignment=A,
        function="dense_forward",
        kind="mistake",
        what=(
            "bias added as b.reshape(-1, 1), a column of shape (M, 1): it broadcasts against "
            "(N, M) only when N == M (then bias m is added to row m instead of column m) and "
            "raises a broadcasting error otherwise"
        ),
        source='''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = x @ W
    out = out + b.reshape(-1, 1)
    return out, (x, W)
''',
    ),
    dict(
        assignment=A,
        function="mlp_forward",
        kind="mistake",
        what=(
            "applies the ReLU after the last layer too: negative logits are clipped to 0 "
            "(the logits must have no activation)"
        ),
        source=DENSE_OK
        + '''

def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    L = sum(1 for key in params if key.startswith("W"))
    h = X
    for layer in range(1, L + 1):
        z, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        h = np.maximum(z, 0)
    return h
''',
    ),
    dict(
        assignment=A,
        function="mlp_forward",
        kind="mistake",
        what=(
            "hard-codes a two-layer network (W1, b1, W2, b2): a one-layer network raises "
            "KeyError and a three-layer one ignores W3/b3 (returns the second hidden layer's "
            "pre-activations)"
        ),
        source=DENSE_OK
        + '''

def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    h, _ = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(h, 0)
    logits, _ = dense_forward(h, params["W2"], params["b2"])
    return logits
''',
    ),
    dict(
        assignment=A,
        function="mlp_forward",
        kind="mistake",
        what=(
            "counts the layers as len(params) (the number of keys, 2L) with range(1, "
            "len(params) // 2): off by one, the last layer is never applied and the ReLU "
            "output of layer L-1 is returned (a one-layer network returns X itself)"
        ),
        source=DENSE_OK
        + '''

def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    out = X
    for i in range(1, len(params) // 2):
        out, _ = dense_forward(out, params["W" + str(i)], params["b" + str(i)])
        out = np.maximum(0, out)
    return out
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="dense_forward",
        kind="correct",
        what="out with np.einsum('nd,dm->nm') plus b; cache (x, W)",
        source='''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = np.einsum("nd,dm->nm", x, W) + b[np.newaxis, :]
    return out, (x, W)
''',
    ),
    dict(
        assignment=A,
        function="dense_forward",
        kind="correct",
        what="np.dot then an in-place += b on the fresh product array; cache (x, W)",
        source='''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = np.dot(x, W)
    out += b
    cache = (x, W)
    return out, cache
''',
    ),
    dict(
        assignment=A,
        function="mlp_forward",
        kind="correct",
        what=(
            "while loop that keeps going while the next layer's key exists; ReLU via "
            "np.where(z > 0, z, 0) on every layer but the last"
        ),
        source=DENSE_OK
        + '''

def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    h = X
    layer = 1
    while f"W{layer + 1}" in params:
        z, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        h = np.where(z > 0, z, 0)
        layer += 1
    logits, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
    return logits
''',
    ),
    dict(
        assignment=A,
        function="mlp_forward",
        kind="correct",
        what="recursive helper over the layer number; ReLU with np.maximum(z, 0, out=z) on the fresh pre-activation",
        source=DENSE_OK
        + '''

def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    n_layers = len([k for k in params if k[0] == "W"])

    def run(h, layer):
        z, _ = dense_forward(h, params["W%d" % layer], params["b%d" % layer])
        if layer == n_layers:
            return z
        np.maximum(z, 0, out=z)
        return run(z, layer + 1)

    return run(X, 1)
''',
    ),
]
