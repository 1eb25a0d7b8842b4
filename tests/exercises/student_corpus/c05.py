"""Student submissions for 05-activations."""

A = "05-activations"

ENTRIES = [
    # ---------------------------------------------------------------- sigmoid
    {
        "assignment": A,
        "function": "sigmoid_forward",
        "kind": "mistake",
        "what": (
            "Clips z to [-10, 10] before 1 / (1 + e^-z) 'to avoid overflow' (a tip from a forum): "
            "for |z| > 10 the output is sigma(+-10) instead of sigma(z), e.g. 0.9999546 instead of "
            "1 at z = 1e4 and 4.5e-5 instead of ~0 at z = -1e4. Ordinary inputs (|z| < 10) and "
            "z = 0 are right."
        ),
        "source": '''import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    z = np.clip(z, -10, 10)
    a = 1 / (1 + np.exp(-z))
    return a, a


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    a = cache
    return da * a * (1 - a)
''',
    },
    {
        "assignment": A,
        "function": "sigmoid_forward",
        "kind": "correct",
        "what": (
            "Stable two-branch sigmoid written with boolean masks: 1 / (1 + e^-z) on z >= 0 and "
            "e^z / (1 + e^z) on z < 0, filled into np.empty_like(z); no exponent is positive, "
            "dtype of z kept, cache is a."
        ),
        "source": '''import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    a = np.empty_like(z)
    pos = z >= 0
    a[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    a[~pos] = ez / (1 + ez)
    return a, a


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    a = cache
    return da * a * (1 - a)
''',
    },
    {
        "assignment": A,
        "function": "sigmoid_backward",
        "kind": "mistake",
        "what": (
            "Treats the cache as z although the forward step cached a = sigma(z): the backward "
            "step applies the sigmoid again, dz = da * s * (1 - s) with s = sigma(a). Wrong on "
            "every input (at z = 0 it gives 0.235 * da instead of 0.25 * da)."
        ),
        "source": '''import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    a = 0.5 * (1 + np.tanh(0.5 * z))
    return a, a


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    s = 0.5 * (1 + np.tanh(0.5 * cache))  # sigma(z)
    return da * s * (1 - s)
''',
    },
    # ------------------------------------------------------------------- tanh
    {
        "assignment": A,
        "function": "tanh_forward",
        "kind": "mistake",
        "what": (
            "Writes tanh from its definition, (e^z - e^-z) / (e^z + e^-z): for large |z| both "
            "exponentials overflow and inf / inf = nan (float32 from |z| > ~89, float64 from "
            "|z| > ~710): the |z| up to 1e4 case. Ordinary inputs and z = 0 are right."
        ),
        "source": '''import numpy as np


def tanh_forward(z):
    """tanh of z (any shape): returns (a, cache)."""
    ep, em = np.exp(z), np.exp(-z)
    a = (ep - em) / (ep + em)
    return a, a


def tanh_backward(da, cache):
    """Gradient through tanh: dz = da * (1 - a**2)."""
    a = cache
    return da * (1 - a * a)
''',
    },
    {
        "assignment": A,
        "function": "tanh_backward",
        "kind": "mistake",
        "what": (
            "The forward step caches z (not a) and the backward step then uses the table's "
            "formula 1 - a**2 on the cache, i.e. 1 - z**2 instead of 1 - tanh(z)**2. Right only "
            "at z = 0; wrong on ordinary inputs and hugely wrong (about -1e8 * da) for |z| up to "
            "1e4."
        ),
        "source": '''import numpy as np


def tanh_forward(z):
    """tanh of z (any shape): returns (a, cache)."""
    return np.tanh(z), z


def tanh_backward(da, cache):
    """Gradient through tanh: dz = da * (1 - a**2)."""
    return da * (1 - cache ** 2)
''',
    },
    # ------------------------------------------------------------------- relu
    {
        "assignment": A,
        "function": "relu_forward",
        "kind": "mistake",
        "what": (
            "Zeroes the negative entries of z in place (z[z < 0] = 0) and returns z: the values "
            "are right but the caller's array is modified whenever it has negative entries."
        ),
        "source": '''import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    z[z < 0] = 0
    return z, z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    return da * (cache > 0)
''',
    },
    {
        "assignment": A,
        "function": "relu_forward",
        "kind": "correct",
        "what": (
            "a = z * (z > 0): multiplies by the boolean mask, so negative entries become -0.0 "
            "(equal to 0 in every comparison); dtype of z kept, input untouched."
        ),
        "source": '''import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    return z * (z > 0), z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    z = cache
    return da * (z > 0)
''',
    },
    {
        "assignment": A,
        "function": "relu_backward",
        "kind": "mistake",
        "what": (
            "dz = da, then dz[z <= 0] = 0: dz is the same array as da, so the upstream gradient "
            "passed in is overwritten (zeroed where z <= 0). The returned values are right; the "
            "caller's da is modified whenever z has entries <= 0."
        ),
        "source": '''import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    z = cache
    dz = da
    dz[z <= 0] = 0
    return dz
''',
    },
    {
        "assignment": A,
        "function": "relu_backward",
        "kind": "correct",
        "what": (
            "np.where(z > 0, da, 0): the Python 0 does not promote, so float32 stays float32; "
            "the derivative at exactly z = 0 is 0, as the notebook says."
        ),
        "source": '''import numpy as np


def relu_forward(z):
    """max(0, z) element-wise: returns (a, cache)."""
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    """Gradient through ReLU: da where z > 0, else 0."""
    return np.where(cache > 0, da, 0)
''',
    },
    # ------------------------------------------------------------- leaky relu
    {
        "assignment": A,
        "function": "leaky_relu_forward",
        "kind": "mistake",
        "what": (
            "Multiplies z by np.where(z > 0, 1, alpha): that slope array is built from Python "
            "numbers, so it is float64, and float32 inputs give a float64 output. Values are "
            "right; float64 inputs are fully right."
        ),
        "source": '''import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    slope = np.where(z > 0, 1, alpha)
    return z * slope, (z, alpha)


def leaky_relu_backward(da, cache):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    z, alpha = cache
    return np.where(z > 0, da, alpha * da)
''',
    },
    {
        "assignment": A,
        "function": "leaky_relu_backward",
        "kind": "mistake",
        "what": (
            "The cache holds only z, so the backward step falls back on the default slope 0.01: "
            "with alpha = 0.2 (or any alpha other than 0.01) the gradient of the negative entries "
            "is 0.01 * da instead of alpha * da. Right for the default alpha."
        ),
        "source": '''import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    return np.where(z > 0, z, alpha * z), z


def leaky_relu_backward(da, cache):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    z = cache
    alpha = 0.01
    return np.where(z > 0, da, alpha * da)
''',
    },
    {
        "assignment": A,
        "function": "leaky_relu_backward",
        "kind": "correct",
        "what": (
            "Copy-and-scale style on both sides: the forward copies z and multiplies the entries "
            "z <= 0 by alpha in place (on the copy), the backward copies da and does the same; "
            "alpha travels in the cache (z, alpha). Same values, dtype kept, inputs untouched."
        ),
        "source": '''import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    a = z.copy()
    a[z <= 0] *= alpha
    return a, (z, alpha)


def leaky_relu_backward(da, cache):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    z, alpha = cache
    dz = da.copy()
    dz[z <= 0] *= alpha
    return dz
''',
    },
    # ---------------------------------------------------------------- softmax
    {
        "assignment": A,
        "function": "softmax",
        "kind": "mistake",
        "what": (
            "Forgets keepdims in the row sum: e / e.sum(axis=1) divides an (N, C) array by an "
            "(N,) vector, which broadcasts along the columns. For a single row (N = 1) that "
            "happens to be right; for N != C (N > 1) it raises; for a square batch (N == C) it "
            "silently divides column j by the sum of row j, so rows no longer sum to 1. (The "
            "max is subtracted correctly.)"
        ),
        "source": '''import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)
''',
    },
    {
        "assignment": A,
        "function": "softmax",
        "kind": "mistake",
        "what": (
            "Subtracts the largest logit of the whole batch (z.max()) instead of each row's: no "
            "overflow, but a row whose entries are all far below the batch maximum underflows to "
            "all zeros and gives 0/0 = nan (rows 1000 apart, or a row at -1e4 next to one at "
            "+1e4). Right when all rows are on a similar scale."
        ),
        "source": '''import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=1, keepdims=True)
''',
    },
    {
        "assignment": A,
        "function": "softmax",
        "kind": "correct",
        "what": (
            "Computes in float64 (z.astype(np.float64)) through the log-sum-exp, "
            "exp(z - m - log(sum(exp(z - m)))), and casts the probabilities back to z's dtype "
            "at the end; for float32 inputs it is slightly more accurate than the reference, "
            "within float32 precision."
        ),
        "source": '''import numpy as np


def softmax(z):
    """Row-wise softmax of logits z (N, C)."""
    z64 = np.asarray(z, dtype=np.float64)
    m = z64.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z64 - m).sum(axis=1, keepdims=True))
    return np.exp(z64 - lse).astype(z.dtype)
''',
    },
]

ENTRIES += [
    {
        "assignment": A,
        "function": "sigmoid_backward",
        "kind": "correct",
        "what": (
            "Different cache: the forward step caches z instead of a, and the backward step "
            "recomputes s = sigma(z) (tanh form, no overflow) and returns da * s * (1 - s). The "
            "notebook lets the cache be chosen freely; same dz."
        ),
        "source": '''import numpy as np


def sigmoid_forward(z):
    """Sigmoid of z (any shape): returns (a, cache)."""
    return 0.5 * (1 + np.tanh(0.5 * z)), z


def sigmoid_backward(da, cache):
    """Gradient through the sigmoid: dz = da * a * (1 - a)."""
    s = 0.5 * (1 + np.tanh(0.5 * cache))
    return da * (s * (1 - s))
''',
    },
    {
        "assignment": A,
        "function": "tanh_backward",
        "kind": "correct",
        "what": (
            "The forward step caches the pair (z, a) (PyTorch-style 'save for backward' of input "
            "and output) and the backward step unpacks it and returns da * (1 - np.square(a)). "
            "Same dz, dtype kept."
        ),
        "source": '''import numpy as np


def tanh_forward(z):
    """tanh of z (any shape): returns (a, cache)."""
    a = np.tanh(z)
    return a, (z, a)


def tanh_backward(da, cache):
    """Gradient through tanh: dz = da * (1 - a**2)."""
    _, a = cache
    return da * (1 - np.square(a))
''',
    },
    {
        "assignment": A,
        "function": "leaky_relu_forward",
        "kind": "correct",
        "what": (
            "Builds the slope array from the two boolean masks, (z > 0) + alpha * (z <= 0), "
            "casts it to z's dtype (so float32 stays float32) and multiplies; alpha kept in the "
            "cache for the backward step. Same values."
        ),
        "source": '''import numpy as np


def leaky_relu_forward(z, alpha=0.01):
    """z where z > 0, else alpha * z: returns (a, cache)."""
    slope = ((z > 0) + alpha * (z <= 0)).astype(z.dtype)
    return z * slope, (z, alpha)


def leaky_relu_backward(da, cache):
    """Gradient through leaky ReLU: da where z > 0, else alpha * da."""
    z, alpha = cache
    return np.where(z > 0, da, alpha * da)
''',
    },
]
