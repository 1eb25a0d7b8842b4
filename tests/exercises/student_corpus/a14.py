"""Student submissions for exercise 14-deep-networks, each with what is wrong in it or how it is right."""

A = "14-deep-networks"

# The building-blocks cell, pasted from the earlier chapters (correct).
BLOCKS = '''
import numpy as np


def dense_forward(x, W, b):
    """Dense layer: x (N, D), W (D, M), b (M,) -> (out (N, M), cache)."""
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the dense layer: (dx, dW, db)."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    return da * (cache > 0)


def leaky_relu_forward(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z), (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    return np.where(z > 0, da, alpha * da)


def tanh_forward(z):
    a = np.tanh(z)
    return a, a


def tanh_backward(da, cache):
    return da * (1 - cache ** 2)


def sigmoid_forward(z):
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return a, a


def sigmoid_backward(da, cache):
    return da * cache * (1 - cache)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits (N, C)) against integer labels y (N,)."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    sum_exp = np.exp(shifted).sum(axis=1, keepdims=True)
    log_p = shifted - np.log(sum_exp)
    loss = -log_p[np.arange(n), y].sum() / n
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout (chapter 13): keep a unit where rng.random(x.shape) >= p."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * (mask * x.dtype.type(scale)), (mask, scale)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    mask, scale = cache
    return dout * (mask * dout.dtype.type(scale))


def numerical_gradient(f, x, h=1e-5):
    """Centred differences of f() with respect to every entry of the array x (chapter 8)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx].item()
        x[idx] = old + h
        fp = float(f(x))
        x[idx] = old - h
        fm = float(f(x))
        x[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when both arrays are zero (chapter 8)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
}
'''

BN_FWD_OK = '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dtype=x.dtype))
        running.setdefault("var", np.ones(x.shape[1], dtype=x.dtype))
    if train:
        n = x.shape[0]
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''

BN_BWD_OK = '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = gamma * dout
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
'''

BN_OK = BN_FWD_OK + BN_BWD_OK

DEEP_OK = """

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    \"\"\"Loss and gradients of an L-layer fully connected network with softmax cross-entropy.\"\"\"
    L = len([k for k in params if k.startswith("W")])
    act_forward, act_backward = ACTIVATIONS[activation]
    if dropout > 0 and rng is None:
        rng = np.random.default_rng()
    h = X
    caches = []
    for l in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{l}"], params[f"beta{l}"], train=True)
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, train=True, rng=rng)
        caches.append((dense_cache, bn_cache, act_cache, drop_cache))
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for l in range(L - 1, 0, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[l - 1]
        dout = dropout_backward(dout, drop_cache)
        dout = act_backward(dout, act_cache)
        if batchnorm:
            dout, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dout, dense_cache)
    return loss, grads
"""


def _deep(old, new):
    """The correct network with one passage replaced (asserts the passage exists)."""
    assert old in DEEP_OK, old
    return BLOCKS + BN_OK + DEEP_OK.replace(old, new)


def _bn_fwd(old, new):
    assert old in BN_FWD_OK, old
    return "\nimport numpy as np\n" + BN_FWD_OK.replace(old, new) + BN_BWD_OK


def _bn_bwd(old, new):
    assert old in BN_BWD_OK, old
    return "\nimport numpy as np\n" + BN_FWD_OK + BN_BWD_OK.replace(old, new)


ENTRIES = [
    # ------------------------------------------------------------------ batchnorm_forward mistakes
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "the running variance is updated with the biased batch variance (divided by N), "
            "without the N / (N - 1) factor the notebook asks for (PyTorch's unbiased variance)"
        ),
        source=_bn_fwd(
            "momentum * var * (n / (n - 1))",
            "momentum * var",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "evaluation mode (train=False) still normalises with the batch's own mean and "
            "variance; the running statistics are never used for normalising"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dtype=x.dtype))
        running.setdefault("var", np.ones(x.shape[1], dtype=x.dtype))
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    if train and running is not None:
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
        running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''
        + BN_BWD_OK,
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "evaluation mode normalises with the running statistics but also updates them "
            "with the batch's statistics: train=False must leave running as it is"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dtype=x.dtype))
        running.setdefault("var", np.ones(x.shape[1], dtype=x.dtype))
    n = x.shape[0]
    batch_mu = x.mean(axis=0)
    batch_var = x.var(axis=0)
    if train:
        mu, var = batch_mu, batch_var
    else:
        mu, var = running["mean"].copy(), running["var"].copy()
    if running is not None:
        running["mean"] = (1 - momentum) * running["mean"] + momentum * batch_mu
        running["var"] = (1 - momentum) * running["var"] + momentum * batch_var * n / (n - 1)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''
        + BN_BWD_OK,
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "momentum convention flipped (Keras style): running = momentum * running + "
            "(1 - momentum) * batch statistic, instead of (1 - momentum) * running + "
            "momentum * batch statistic"
        ),
        source=_bn_fwd(
            """            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))""",
            """            running["mean"] = momentum * running["mean"] + (1 - momentum) * mu
            running["var"] = momentum * running["var"] + (1 - momentum) * var * (n / (n - 1))""",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "statistics over the wrong axis: mean and variance of each sample over its "
            "features (axis=1, keepdims=True) instead of each feature over the batch "
            "(axis=0); the (N, 1) statistics also broadcast silently into the running "
            "mean and variance, which become (N, D) arrays"
        ),
        source=_bn_fwd(
            """        mu = x.mean(axis=0)
        var = x.var(axis=0)""",
            """        mu = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)""",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "eps added outside the square root: (x - mu) / (sqrt(var) + eps) instead of "
            "(x - mu) / sqrt(var + eps); visible for features of small variance"
        ),
        source=_bn_fwd(
            "inv_std = 1 / np.sqrt(var + eps)",
            "inv_std = 1 / (np.sqrt(var) + eps)",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "when the running dict is empty it is replaced by a new local dict "
            "(running = {...}) instead of filled in place: the caller's dict stays empty, "
            "so the running statistics are never recorded"
        ),
        source=_bn_fwd(
            """    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dtype=x.dtype))
        running.setdefault("var", np.ones(x.shape[1], dtype=x.dtype))""",
            """    if running is not None and not running:
        running = {"mean": np.zeros(x.shape[1], dtype=x.dtype),
                   "var": np.ones(x.shape[1], dtype=x.dtype)}""",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="mistake",
        what=(
            "running=None (the default) is not handled in training: running.setdefault(...) "
            "on None raises AttributeError; only the update should be skipped"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    D = x.shape[1]
    running.setdefault("mean", np.zeros(D, dtype=x.dtype))
    running.setdefault("var", np.ones(D, dtype=x.dtype))
    if train:
        n = x.shape[0]
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
        running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''
        + BN_BWD_OK,
    ),
    # ------------------------------------------------------------------ batchnorm_backward mistakes
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="mistake",
        what=(
            "uses the evaluation formula dx = gamma * dout / sqrt(var + eps) in training too: "
            "ignores that the batch mean and variance depend on every sample (the two "
            "correction terms are missing)"
        ),
        source=_bn_bwd(
            """    if not train:
        return g * inv_std, dgamma, dbeta
""",
            """    return g * inv_std, dgamma, dbeta
""",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="mistake",
        what=(
            "always uses the training formula, ignoring the train flag of the cache: in "
            "evaluation mode dx must be gamma * dout / sqrt(var + eps)"
        ),
        source=_bn_bwd(
            """    if not train:
        return g * inv_std, dgamma, dbeta
""",
            "",
        ),
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="mistake",
        what=(
            "dgamma computed with the raw input x instead of the normalised x_hat: "
            "sum(dout * x) (the forward's cache was extended with x for this)"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dtype=x.dtype))
        running.setdefault("var", np.ones(x.shape[1], dtype=x.dtype))
    if train:
        n = x.shape[0]
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x, x_hat, gamma, inv_std, train)


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x, x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x).sum(axis=0)
    g = gamma * dout
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
''',
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="mistake",
        what=(
            "forgets gamma in g: uses g = dout instead of g = gamma * dout, so dx is wrong "
            "whenever gamma != 1 (dgamma and dbeta are right)"
        ),
        source=_bn_bwd("    g = gamma * dout\n", "    g = dout\n"),
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="mistake",
        what=(
            "drops the factor N on the first term: dx = (g - sum g - x_hat sum(g x_hat)) / "
            "(N sqrt(var + eps)) instead of (N g - ...)"
        ),
        source=_bn_bwd(
            "(n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))",
            "(g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))",
        ),
    ),
    # ------------------------------------------------------------------ deep_loss_and_grads mistakes
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "dropout is also applied to the logits of the last layer (and its gradient passed "
            "back through that mask); the last layer must have no dropout, and the extra mask "
            "also consumes the rng"
        ),
        source=_deep(
            """    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
""",
            """    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    logits, logit_drop = dropout_forward(logits, dropout, train=True, rng=rng)
    loss, dout = softmax_cross_entropy(logits, y)
    dout = dropout_backward(dout, logit_drop)
    grads = {}
""",
        ),
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "wrong order in a hidden layer: dense -> activation -> batch normalization "
            "(backward in the matching reverse order) instead of dense -> batch "
            "normalization -> activation"
        ),
        source=_deep(
            """        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{l}"], params[f"beta{l}"], train=True)
        h, act_cache = act_forward(z)
""",
            """        h, act_cache = act_forward(z)
        bn_cache = None
        if batchnorm:
            h, bn_cache = batchnorm_forward(h, params[f"gamma{l}"], params[f"beta{l}"], train=True)
""",
        ).replace(
            """        dout = act_backward(dout, act_cache)
        if batchnorm:
            dout, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dout, bn_cache)
""",
            """        if batchnorm:
            dout, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dout, bn_cache)
        dout = act_backward(dout, act_cache)
""",
        ),
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "the rng argument is not passed on: dropout_forward(h, dropout) draws every mask "
            "from a fresh unseeded generator, so a seeded rng does not reproduce the masks "
            "(loss and gradients change from call to call)"
        ),
        source=_deep(
            "h, drop_cache = dropout_forward(h, dropout, train=True, rng=rng)",
            "h, drop_cache = dropout_forward(h, dropout, train=True)",
        ),
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "the number of layers is taken as len(params) // 2, which counts the gamma and "
            "beta keys too: with batchnorm=True L comes out too large and the loop looks up "
            "parameters of layers that do not exist (KeyError, e.g. 'gamma3' or 'W4'); right "
            "only without batch normalization"
        ),
        source=_deep(
            'L = len([k for k in params if k.startswith("W")])',
            "L = len(params) // 2",
        ),
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "the activation argument is ignored: the hidden layers always use ReLU, so tanh, "
            "sigmoid and leaky_relu networks get the wrong loss and gradients"
        ),
        source=_deep(
            "act_forward, act_backward = ACTIVATIONS[activation]",
            "act_forward, act_backward = relu_forward, relu_backward",
        ),
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="mistake",
        what=(
            "batch normalization's backward is called but its dgamma and dbeta are thrown "
            "away: grads has no 'gamma{l}' / 'beta{l}' keys (dx is passed on correctly)"
        ),
        source=_deep(
            'dout, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dout, bn_cache)',
            "dout, dgamma, dbeta = batchnorm_backward(dout, bn_cache)",
        ),
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="batchnorm_forward",
        kind="correct",
        what=(
            "two-pass variance ((x - mu)**2).mean(0); running statistics updated in place on "
            "the arrays (*=, +=) after filling missing entries in x's dtype; cache a dict"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    N, D = x.shape
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(D, dtype=x.dtype)
        if "var" not in running:
            running["var"] = np.ones(D, dtype=x.dtype)
    if train:
        mean = x.sum(axis=0) / N
        centred = x - mean
        var = (centred ** 2).sum(axis=0) / N
        if running is not None:
            running["mean"] *= 1 - momentum
            running["mean"] += momentum * mean
            running["var"] *= 1 - momentum
            running["var"] += momentum * var * N / (N - 1)
    else:
        mean, var = running["mean"], running["var"]
        centred = x - mean
    std = np.sqrt(var + eps)
    x_hat = centred / std
    out = gamma * x_hat + beta
    return out, {"x_hat": x_hat, "gamma": gamma, "std": std, "train": train}


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, std = cache["x_hat"], cache["gamma"], cache["std"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not cache["train"]:
        return g / std, dgamma, dbeta
    dx = (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) / std
    return dx, dgamma, dbeta
''',
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="correct",
        what=(
            "staged (computational-graph) backward: the cache keeps x, mu, var, gamma, eps; "
            "dx from dvar and dmu step by step, equal to the closed form"
        ),
        source="\nimport numpy as np\n"
        + '''

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = len(x)
        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        if running is not None:
            running["mean"] = running["mean"] + momentum * (mu - running["mean"])
            unbiased = var * n / (n - 1)
            running["var"] = running["var"] + momentum * (unbiased - running["var"])
    else:
        mu = running["mean"]
        var = running["var"]
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, mu, var, gamma, eps, train)


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x, mu, var, gamma, eps, train = cache
    std = np.sqrt(var + eps)
    x_mu = x - mu
    x_hat = x_mu / std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if not train:
        return dx_hat / std, dgamma, dbeta
    n = x.shape[0]
    dvar = np.sum(dx_hat * x_mu, axis=0) * -0.5 * std ** -3
    dmu = -np.sum(dx_hat, axis=0) / std + dvar * -2.0 * np.mean(x_mu, axis=0)
    dx = dx_hat / std + dvar * 2.0 * x_mu / n + dmu / n
    return dx, dgamma, dbeta
''',
    ),
    dict(
        assignment=A,
        function="batchnorm_backward",
        kind="correct",
        what="closed form written with np.einsum for the two column sums, in the notebook's N g - ... form",
        source="\nimport numpy as np\n"
        + BN_FWD_OK
        + '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dbeta = np.einsum("nd->d", dout)
    dgamma = np.einsum("nd,nd->d", dout, x_hat)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    N = dout.shape[0]
    sum_g = np.einsum("nd->d", g)
    sum_gx = np.einsum("nd,nd->d", g, x_hat)
    dx = (N * g - sum_g - x_hat * sum_gx) * (inv_std / N)
    return dx, dgamma, dbeta
''',
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="correct",
        what=(
            "straightforward version: a list of per-layer cache tuples, forward dense -> BN "
            "(train) -> activation -> dropout(rng), backward in reverse order"
        ),
        source=BLOCKS + BN_OK + DEEP_OK,
    ),
    dict(
        assignment=A,
        function="deep_loss_and_grads",
        kind="correct",
        what=(
            "caches kept in a dict keyed by layer, activation chosen with if/elif instead of "
            "the ACTIVATIONS table, dropout skipped explicitly when p == 0 (no draw), the "
            "layers counted with a while loop over 'W{l}' keys"
        ),
        source=BLOCKS
        + BN_OK
        + """

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    \"\"\"Loss and gradients of an L-layer fully connected network with softmax cross-entropy.\"\"\"
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if activation == "relu":
        fwd, bwd = relu_forward, relu_backward
    elif activation == "leaky_relu":
        fwd, bwd = leaky_relu_forward, leaky_relu_backward
    elif activation == "tanh":
        fwd, bwd = tanh_forward, tanh_backward
    elif activation == "sigmoid":
        fwd, bwd = sigmoid_forward, sigmoid_backward
    else:
        raise ValueError(f"unknown activation {activation!r}")
    if dropout and rng is None:
        rng = np.random.default_rng()

    cache = {}
    a = X
    for l in range(1, L):
        z, cache[("dense", l)] = dense_forward(a, params["W%d" % l], params["b%d" % l])
        if batchnorm:
            z, cache[("bn", l)] = batchnorm_forward(
                z, params["gamma%d" % l], params["beta%d" % l], train=True
            )
        a, cache[("act", l)] = fwd(z)
        if dropout:
            a, cache[("drop", l)] = dropout_forward(a, dropout, train=True, rng=rng)
    logits, cache[("dense", L)] = dense_forward(a, params["W%d" % L], params["b%d" % L])

    loss, d = softmax_cross_entropy(logits, y)
    grads = dict.fromkeys(params)
    for l in range(L, 0, -1):
        if l < L:
            if dropout:
                d = dropout_backward(d, cache[("drop", l)])
            d = bwd(d, cache[("act", l)])
            if batchnorm:
                d, grads["gamma%d" % l], grads["beta%d" % l] = batchnorm_backward(
                    d, cache[("bn", l)]
                )
        d, grads["W%d" % l], grads["b%d" % l] = dense_backward(d, cache[("dense", l)])
    return loss, grads
""",
    ),
]
