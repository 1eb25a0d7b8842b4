"""Student submissions for 04-feedforward: dense_forward, mlp_forward."""

A = "04-feedforward"

ENTRIES = [
    # ------------------------------------------------------------ dense_forward
    {
        "assignment": A,
        "function": "dense_forward",
        "kind": "mistake",
        "what": (
            "Loops over the samples into a buffer made with np.zeros((N, M)), whose default dtype "
            "is float64: float32 inputs give a float64 output. Values are right, and float64 "
            "inputs are fully right; only the dtype of float32 inputs is wrong."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    N, M = x.shape[0], W.shape[1]
    out = np.zeros((N, M))
    for n in range(N):
        out[n] = x[n] @ W + b
    return out, (x, W)
''',
    },
    {
        "assignment": A,
        "function": "dense_forward",
        "kind": "mistake",
        "what": (
            "Adds the bias as a column, b[:, None] (the z = Wx + b notation of the lecture, with "
            "samples as columns), to the row-major product x @ W of shape (N, M): (N, M) + (M, 1) "
            "broadcasts. When N != M and N != 1 it raises; for a single sample (N = 1) it returns "
            "an (M, M) matrix; for a square batch (N == M) the shape is right but b[m] is added "
            "to row m instead of column m."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = np.matmul(x, W) + b[:, None]
    return out, (x, W)
''',
    },
    {
        "assignment": A,
        "function": "dense_forward",
        "kind": "correct",
        "what": (
            "Column-vector convention of the lecture notes, done consistently: "
            "out = (W.T @ x.T + b[:, None]).T, i.e. each sample a column, the bias a column, "
            "transposed back to (N, M). Same values and dtype as x @ W + b."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    z = W.T @ x.T + b.reshape(-1, 1)  # (M, N): one column per sample
    return z.T, (x, W)
''',
    },
    # -------------------------------------------------------------- mlp_forward
    {
        "assignment": A,
        "function": "mlp_forward",
        "kind": "mistake",
        "what": (
            "Applies the ReLU after every layer, the last one included: the logits are clipped at "
            "0, so every negative logit becomes 0. Right only when all the last layer's outputs "
            "happen to be positive; wrong on ordinary inputs and for a one-layer network."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = x @ W + b
    return out, (x, W)


def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    h = X
    for layer in range(1, len(params) // 2 + 1):
        z, _ = dense_forward(h, params["W%d" % layer], params["b%d" % layer])
        h = np.maximum(z, 0)
    return h
''',
    },
    {
        "assignment": A,
        "function": "mlp_forward",
        "kind": "mistake",
        "what": (
            "Hard-codes a two-layer network (W1, b1, ReLU, W2, b2), the example of the notebook: "
            "a one-layer network raises KeyError for 'W2', and a three-layer network ignores "
            "W3, b3 and returns the hidden layer's pre-activations (wrong shape and values). "
            "Two-layer networks are right."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = x @ W + b
    return out, (x, W)


def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    z1, _ = dense_forward(X, params["W1"], params["b1"])
    h1 = np.maximum(0, z1)
    logits, _ = dense_forward(h1, params["W2"], params["b2"])
    return logits
''',
    },
    {
        "assignment": A,
        "function": "mlp_forward",
        "kind": "mistake",
        "what": (
            "Puts the ReLU at the start of every iteration instead of after each hidden layer, "
            "in place with np.maximum(h, 0, out=h) to save memory: on the first iteration h is "
            "X itself, so the input is clipped at 0 and the caller's X is overwritten; the hidden "
            "layers still get their ReLU (at the start of the next iteration) and the logits are "
            "left alone. Wrong logits and a mutated input whenever X has negative entries; right "
            "for non-negative X (e.g. pixels)."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = x @ W + b
    return out, (x, W)


def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    n_layers = len(params) // 2
    h = X
    for layer in range(1, n_layers + 1):
        np.maximum(h, 0, out=h)  # ReLU between the layers, in place to save memory
        h, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
    return h
''',
    },
    {
        "assignment": A,
        "function": "mlp_forward",
        "kind": "correct",
        "what": (
            "Counts the layers by looking up 'W1', 'W2', ... until one is missing (a while loop) "
            "and writes the ReLU as h * (h > 0); the last layer is left without activation. Same "
            "logits and dtype as the reference for any depth."
        ),
        "source": '''import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    out = x @ W + b
    return out, (x, W)


def mlp_forward(X, params):
    """Logits (N, C) of the ReLU network with weights params["W1"], params["b1"], ..."""
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    a = X
    for l in range(1, L + 1):
        a, _ = dense_forward(a, params[f"W{l}"], params[f"b{l}"])
        if l != L:
            a = a * (a > 0)
    return a
''',
    },
]
