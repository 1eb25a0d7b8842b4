"""Student submissions for 13-regularization: l2_penalty, dropout_forward, dropout_backward."""

A = "13-regularization"

_DROPOUT_FORWARD = '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scaled_mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, scaled_mask
'''

ENTRIES = [
    # --------------------------------------------------------------- l2_penalty
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "mistake",
        "what": (
            "Penalises every parameter, biases included (sum over all of params.values()), and "
            "gives the biases the gradient lam * b instead of 0. Right only when every bias is "
            "zero (e.g. freshly initialised) or lam = 0."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.5 * lam * sum(float(np.sum(p ** 2)) for p in params.values())
    grads = {key: lam * p for key, p in params.items()}
    return penalty, grads
''',
    },
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "mistake",
        "what": (
            "Written for the two-layer network of the notebook: uses params['W1'] and "
            "params['W2'] by name and returns grads for W1, b1, W2, b2 only. For three or four "
            "layers W3, W4 are neither penalised nor in grads (missing keys); for one layer it "
            "raises KeyError. Two-layer networks are right."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    W1, W2 = params["W1"], params["W2"]
    penalty = lam / 2 * (float(np.sum(W1 * W1)) + float(np.sum(W2 * W2)))
    grads = {
        "W1": lam * W1,
        "b1": np.zeros_like(params["b1"]),
        "W2": lam * W2,
        "b2": np.zeros_like(params["b2"]),
    }
    return penalty, grads
''',
    },
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "mistake",
        "what": (
            "Makes the biases' zero gradients with np.zeros(value.shape), float64 by default: "
            "for float32 parameters the bias gradients come back float64. Penalty and weight "
            "gradients are right; float64 parameters are fully right."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += 0.5 * lam * float((value ** 2).sum())
            grads[key] = lam * value
        else:
            grads[key] = np.zeros(value.shape)
    return penalty, grads
''',
    },
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "mistake",
        "what": (
            "Drops the factor 1/2 in the penalty, lam * sum ||W||^2, while keeping the gradient "
            "lam * W: the penalty is twice the contract's value (and no longer matches its own "
            "gradient). Gradients are right; the penalty is right only for lam = 0 or all-zero "
            "weights."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    weights = [k for k in params if k.startswith("W")]
    penalty = lam * sum(float(np.sum(np.square(params[k]))) for k in weights)
    grads = {k: (lam * v if k in weights else np.zeros_like(v)) for k, v in params.items()}
    return penalty, grads
''',
    },
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "correct",
        "what": (
            "Accumulates the sum of squares in float64 (np.square(W, dtype=np.float64) summed, "
            "then float()), gradients lam * W in W's dtype and np.zeros_like for the rest, built "
            "with a dict comprehension. Same penalty (slightly more accurate for float32) and "
            "gradients."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    is_weight = {key: key.startswith("W") for key in params}
    total = 0.0
    for key, value in params.items():
        if is_weight[key]:
            total += float(np.sum(np.square(value, dtype=np.float64)))
    grads = {
        key: (value * lam if is_weight[key] else np.zeros_like(value))
        for key, value in params.items()
    }
    return lam / 2 * total, grads
''',
    },
    # ---------------------------------------------------------- dropout_forward
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Reads p as the probability of keeping a unit (the keep_prob convention of the "
            "original paper and TensorFlow 1): mask = rng.random(shape) < p and out = x * mask / "
            "p. With the same rng it keeps exactly the units the contract drops and scales by "
            "1/p instead of 1/(1 - p). Wrong for every p in (0, 1) (even p = 0.5, where the "
            "scale is right but the complementary units are kept); p = 0 and evaluation are "
            "handled."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) < p).astype(x.dtype) / x.dtype.type(p)
    return x * mask, mask
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Ignores the rng it is given and draws from the global generator "
            "(np.random.rand(*x.shape) >= p): the mask is not the seeded mask the tests expect "
            "and two calls with equally seeded generators give different outputs. Evaluation and "
            "p = 0 are right."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    mask = (np.random.rand(*x.shape) >= p) / x.dtype.type(1 - p)
    mask = mask.astype(x.dtype)
    return x * mask, mask
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Checks only p == 0 and ignores train: in evaluation (train=False) it still drops and "
            "rescales units instead of returning x. Training mode is right."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    scale = x.dtype.type(1 / (1 - p))
    return x * mask * scale, mask * scale
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Applies the mask in place, x *= mask (to avoid a copy), and returns x: the output "
            "values are right but the caller's array is overwritten in training mode (dropped "
            "units zeroed, kept ones scaled)."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    x *= mask
    return x, mask
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Divides the boolean mask by (1 - p), a Python float, which gives a float64 mask, "
            "and float32 inputs then give a float64 output in training mode. Mask and values "
            "are right; float64 inputs, evaluation and p = 0 are fully right."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "mistake",
        "what": (
            "Draws one mask of shape (D,) (rng.random(x.shape[1])) and broadcasts it over the "
            "batch, so every sample drops the same units, and the draws are not "
            "rng.random(x.shape). Right only for a batch of one sample (N = 1)."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape[1]) >= p
    mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask
''',
    },
    {
        "assignment": A,
        "function": "dropout_forward",
        "kind": "correct",
        "what": (
            "Caches the boolean mask and the scale separately, (keep, 1 / (1 - p)), and writes "
            "the output as np.where(keep, x / (1 - p), 0), which stays in x's dtype (a Python "
            "float divisor and a Python 0 do not promote). Same mask and output."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    out = np.where(keep, x * scale, 0).astype(x.dtype, copy=False)
    return out, (keep, scale)


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    keep, scale = cache
    return np.where(keep, dout * scale, 0).astype(dout.dtype, copy=False)
''',
    },
    # --------------------------------------------------------- dropout_backward
    {
        "assignment": A,
        "function": "dropout_backward",
        "kind": "mistake",
        "what": (
            "The forward step caches the boolean keep-mask and the backward step multiplies by "
            "it alone, forgetting the 1/(1 - p) scale the forward step applied: dx is (1 - p) "
            "times too small on the kept units in training mode. Evaluation is right."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    return x * keep / x.dtype.type(1 - p), keep


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    return dout * cache
''',
    },
    {
        "assignment": A,
        "function": "dropout_backward",
        "kind": "mistake",
        "what": (
            "No case for the evaluation cache: the forward step returns (x, None) in evaluation "
            "and for p = 0, and the backward step multiplies dout * None, which raises "
            "TypeError. Training mode is right."
        ),
        "source": _DROPOUT_FORWARD
        + '''

def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    return dout * cache
''',
    },
    {
        "assignment": A,
        "function": "dropout_backward",
        "kind": "correct",
        "what": (
            "The forward step caches (keep, scale) and the backward step is "
            "np.where(keep, dout * scale, 0) in dout's dtype; with the evaluation cache None it "
            "returns dout unchanged."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    out = np.where(keep, x * scale, 0).astype(x.dtype, copy=False)
    return out, (keep, scale)


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    keep, scale = cache
    return np.where(keep, dout * scale, 0).astype(dout.dtype, copy=False)
''',
    },
]

ENTRIES += [
    {
        "assignment": A,
        "function": "l2_penalty",
        "kind": "mistake",
        "what": (
            "Returns gradients only for the weight matrices: the biases, which have no penalty, "
            "are left out of grads instead of getting zero arrays, so grads lacks the 'b' keys "
            "of params (adding it to the loss's grads key by key then fails). The penalty and "
            "the weight gradients are right."
        ),
        "source": '''import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.0
    grads = {}
    for key, W in params.items():
        if key[0] == "W":
            penalty += float(np.sum(W * W))
            grads[key] = lam * W
    return lam / 2 * penalty, grads
''',
    },
    {
        "assignment": A,
        "function": "dropout_backward",
        "kind": "mistake",
        "what": (
            "The forward step is right and caches (keep, p); the backward step rescales by 1/p "
            "instead of 1/(1 - p) (mixing up the drop and keep probabilities): dx is wrong on "
            "the kept units for every p other than 0.5 in training mode. Evaluation is right."
        ),
        "source": '''import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    out = x * keep.astype(x.dtype) / x.dtype.type(1 - p)
    return out, (keep, p)


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    keep, p = cache
    return dout * keep.astype(dout.dtype) / dout.dtype.type(p)
''',
    },
]
