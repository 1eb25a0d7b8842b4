"""Student submissions for exercise 05-activations, each with what is wrong in it or how it is right."""

A = "05-activations"

SIGMOID_FWD_OK = '''
import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    a = 0.5 * (1 + np.tanh(0.5 * z))
    return a, a
'''

TANH_FWD_OK = '''
import numpy as np


def tanh_forward(z):
    """tanh of z (any shape): returns (a, cache)."""
    a = np.tanh(z)
    return a, a
'''

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="sigmoid_backward",
        kind="mistake",
        what=(
            "forward caches a = sigmoid(z) but the backward treats the cache as z and applies "
            "the sigmoid again: dz = da * s(a) * (1 - s(a)) with s = sigmoid of the cached "
            "activation, instead of da * a * (1 - a)"
        ),
        source='''
import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return a, a


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    s, _ = sigmoid_forward(cache)
    return da * s * (1 - s)
''',
    ),
    dict(
        assignment=A,
        function="sigmoid_forward",
        kind="mistake",
        what=(
            "computes the sigmoid in float64 (z.astype(np.float64)) and never casts back: "
            "float32 in gives float64 out (the notebook asks to keep the input's dtype)"
        ),
        source='''
import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    z64 = z.astype(np.float64)
    e = np.exp(-np.abs(z64))
    a = np.where(z64 >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return a, a


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    a = cache
    return da * a * (1 - a)
''',
    ),
    dict(
        assignment=A,
        function="tanh_backward",
        kind="mistake",
        what=(
            "the cache already holds a = tanh(z), but the backward takes tanh of it again: "
            "dz = da * (1 - tanh(a)**2) instead of da * (1 - a**2)"
        ),
        source=TANH_FWD_OK
        + '''

def tanh_backward(da, cache):
    """Gradient through tanh: dz = da * (1 - a**2)."""
    return da * (1 - np.tanh(cache) ** 2)
''',
    ),
    dict(
        assignment=A,
        function="relu_backward",
        kind="mistake",
        what=(
            "mask z >= 0: the derivative at exactly z = 0 is taken as 1, but the notebook "
            "says it is 0 (da leaks through where z == 0)"
        ),
        source='''
import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    z = cache
    return da * (z >= 0)
''',
    ),
    dict(
        assignment=A,
        function="relu_forward",
        kind="mistake",
        what=(
            "np.max(z, 0) instead of np.maximum(z, 0): np.max reduces along axis 0 and returns "
            "the column maxima (shape z.shape[1:]), not the element-wise max with 0"
        ),
        source='''
import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    a = np.max(z, 0)
    return a, z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    z = cache
    return np.where(z > 0, da, 0)
''',
    ),
    dict(
        assignment=A,
        function="leaky_relu_backward",
        kind="mistake",
        what=(
            "alpha is not carried in the cache: the backward has its own default alpha=0.01, "
            "so for a forward with alpha=0.2 the negative side gets 0.01 * da instead of 0.2 * da"
        ),
        source='''
import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    return np.where(z > 0, z, alpha * z), z


def leaky_relu_backward(da, cache, alpha=0.01):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    z = cache
    return np.where(z > 0, da, alpha * da)
''',
    ),
    dict(
        assignment=A,
        function="softmax",
        kind="mistake",
        what=(
            "subtracts the maximum of each column (axis=0) instead of each row: rows are "
            "shifted by different amounts per class, so the probabilities are wrong (and large "
            "logits can still overflow)"
        ),
        source='''
import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=1, keepdims=True)
''',
    ),
    dict(
        assignment=A,
        function="softmax",
        kind="mistake",
        what=(
            "row sums without keepdims: e / e.sum(axis=1) divides (N, C) by an (N,) vector, "
            "which broadcasts along the columns: an error when N != C, silently wrong "
            "(column c divided by row c's sum) when N == C"
        ),
        source='''
import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1)
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="sigmoid_forward",
        kind="correct",
        what="sigmoid as 0.5 * (1 + tanh(z / 2)), cache a; backward da * a * (1 - a)",
        source=SIGMOID_FWD_OK
        + '''

def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    a = cache
    return da * (a * (1 - a))
''',
    ),
    dict(
        assignment=A,
        function="sigmoid_backward",
        kind="correct",
        what=(
            "cache is z (not a); the backward recomputes the sigmoid from z with the stable "
            "exp(-|z|) form; float32 kept"
        ),
        source='''
import numpy as np


def _sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    return _sig(z), z


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    a = _sig(cache)
    return da * a * (1 - a)
''',
    ),
    dict(
        assignment=A,
        function="tanh_backward",
        kind="correct",
        what="dz = da * (1 - a) * (1 + a), the factored form of 1 - a**2",
        source=TANH_FWD_OK
        + '''

def tanh_backward(da, cache):
    """Gradient through tanh: dz = da * (1 - a**2)."""
    a = cache
    return da * (1 - a) * (1 + a)
''',
    ),
    dict(
        assignment=A,
        function="relu_backward",
        kind="correct",
        what=(
            "forward caches a boolean mask z > 0 instead of z; backward multiplies da by the "
            "mask cast to da's dtype"
        ),
        source='''
import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    positive = z > 0
    a = np.where(positive, z, 0)
    return a, positive


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    return da * cache.astype(da.dtype)
''',
    ),
    dict(
        assignment=A,
        function="leaky_relu_forward",
        kind="correct",
        what=(
            "copy of z with the non-positive entries scaled in place (a[z <= 0] *= alpha); the "
            "cache is a dict with the mask and alpha; backward does the same on a copy of da"
        ),
        source='''
import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    a = z.copy()
    negative = ~(z > 0)
    a[negative] *= alpha
    return a, {"negative": negative, "alpha": alpha}


def leaky_relu_backward(da, cache):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    dz = da.copy()
    dz[cache["negative"]] *= cache["alpha"]
    return dz
''',
    ),
    dict(
        assignment=A,
        function="softmax",
        kind="correct",
        what=(
            "log-softmax first (z - max - log(sum exp(z - max))) then exp; row by row "
            "stable, float32 kept"
        ),
        source='''
import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(log_p)
''',
    ),
    dict(
        assignment=A,
        function="softmax",
        kind="correct",
        what="explicit loop over rows, each row shifted by its own max; output array preallocated with z's dtype",
        source='''
import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        row = np.exp(z[i] - np.max(z[i]))
        out[i] = row / row.sum()
    return out
''',
    ),
]
