"""Student submissions for 14-deep-networks: batchnorm_forward, batchnorm_backward,
deep_loss_and_grads."""

A = "14-deep-networks"

# The reference batch normalization, as a student would paste it for the backward entries.
_BN_FORWARD = '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = len(x)
        mean, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''

_BN_BACKWARD = '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
'''

# Every building block deep_loss_and_grads calls (the chapter 14 cell, pasted by the student).
_BLOCKS = (
    _BN_FORWARD
    + _BN_BACKWARD
    + '''

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    return da * (cache > 0)


def leaky_relu_forward(z, alpha=0.01):
    return np.where(z > 0, z, z * z.dtype.type(alpha)), (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    return da * np.where(z > 0, 1, alpha).astype(da.dtype)


def tanh_forward(z):
    a = np.tanh(z)
    return a, a


def tanh_backward(da, cache):
    return da * (1 - cache * cache)


def sigmoid_forward(z):
    a = 0.5 * (1 + np.tanh(0.5 * z))
    return a, a


def sigmoid_backward(da, cache):
    return da * cache * (1 - cache)


def softmax_cross_entropy(logits, y):
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n


def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    scaled_mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, scaled_mask


def dropout_backward(dout, cache):
    return dout if cache is None else dout * cache


ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
}
'''
)


def _deep(body):
    return _BLOCKS + "\n\n" + body


ENTRIES = [
    # -------------------------------------------------------- batchnorm_forward
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Normalises with the unbiased variance (x.var(axis=0, ddof=1), a pandas/PyTorch "
            "'torch.var' habit) instead of the biased one: x_hat is scaled by sqrt((N - 1) / N), "
            "visibly wrong for small batches (N = 2 to 8) and still off by ~1/(2N) for large "
            "ones. The running variance is right (it uses the unbiased variance, as it should)."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        mean = x.mean(axis=0)
        var = x.var(axis=0, ddof=1)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var
    else:
        mean, var = running["mean"], running["var"]
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(var + eps), train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Keras' momentum convention: running = momentum * running + (1 - momentum) * batch "
            "instead of PyTorch's (1 - momentum) * running + momentum * batch, so with "
            "momentum = 0.1 the running statistics jump 90% of the way to the batch's. The output "
            "is right; the running mean and variance after a training step are wrong (unless "
            "momentum = 0.5)."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    N, D = x.shape
    if running is not None:
        running.setdefault("mean", np.zeros(D, x.dtype))
        running.setdefault("var", np.ones(D, x.dtype))
    if train:
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        if running is not None:
            running["mean"] = momentum * running["mean"] + (1 - momentum) * mu
            running["var"] = momentum * running["var"] + (1 - momentum) * var * N / (N - 1)
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Ignores train for the normalisation: always uses the batch's mean and variance, "
            "also in evaluation (train=False), where the running statistics must be used (it "
            "does leave them unchanged there). Training mode is right; evaluation output is "
            "wrong unless the running statistics happen to equal the batch's."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    n = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
        if train:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Adds eps after the square root, (x - mu) / (sqrt(var) + eps), instead of under it: "
            "for features with variance of order 1 the change is tiny (relative ~5e-6, visible "
            "in float64 but inside float32's tolerance), but for a nearly constant feature "
            "(variance ~1e-6 or less, not exactly constant) x_hat is several times larger than "
            "with sqrt(var + eps). Evaluation mode has the same error."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(x.shape[1], dtype=x.dtype)
        if "var" not in running:
            running["var"] = np.ones(x.shape[1], dtype=x.dtype)
    if train:
        n = x.shape[0]
        mean = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        mean, var = running["mean"], running["var"]
    std = np.sqrt(var) + x.dtype.type(eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, (x_hat, gamma, 1 / std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Centres x in place (x -= mean, to save memory) before scaling: the output and the "
            "running statistics are right, but the caller's x is left centred (in training and "
            "in evaluation)."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = len(x)
        mean, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x -= mean
    x_hat = x * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Assumes a running dict is always given: in training it reads running.get(...) and "
            "writes running['mean'] without checking for None, so running=None in training "
            "raises TypeError ('NoneType' object ...). An empty dict and a filled one are "
            "handled right, and so is evaluation."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    D = x.shape[1]
    if train:
        N = x.shape[0]
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        old_mean = running.get("mean", np.zeros(D, x.dtype))
        old_var = running.get("var", np.ones(D, x.dtype))
        running["mean"] = (1 - momentum) * old_mean + momentum * mu
        running["var"] = (1 - momentum) * old_var + momentum * var * N / (N - 1)
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "correct",
        "what": (
            "Centres once (xc = x - mu), takes the variance as mean(xc * xc), divides by the "
            "standard deviation instead of multiplying by its inverse, and updates the running "
            "arrays in place with *= and += (creating missing entries first, skipping None). "
            "Same output and running statistics."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    N, D = x.shape
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(D, dtype=x.dtype)
        if "var" not in running:
            running["var"] = np.ones(D, dtype=x.dtype)
    if train:
        mu = np.mean(x, axis=0)
        xc = x - mu
        var = np.mean(xc * xc, axis=0)
        if running is not None:
            running["mean"] *= 1 - momentum
            running["mean"] += momentum * mu
            running["var"] *= 1 - momentum
            running["var"] += momentum * var * (N / (N - 1))
    else:
        mu, var = running["mean"], running["var"]
        xc = x - mu
    std = np.sqrt(var + eps)
    x_hat = xc / std
    return gamma * x_hat + beta, (x_hat, gamma, 1 / std, train)
''',
    },
    # ------------------------------------------------------- batchnorm_backward
    {
        "assignment": A,
        "function": "batchnorm_backward",
        "kind": "mistake",
        "what": (
            "Treats the batch mean and variance as constants in training too: dx = gamma * dout "
            "/ sqrt(var + eps), the evaluation formula, missing the two terms through mu and "
            "sigma^2. dgamma and dbeta are right, and evaluation mode is right; dx in training "
            "is wrong on every ordinary input."
        ),
        "source": _BN_FORWARD
        + '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = dout * gamma * inv_std
    return dx, dgamma, dbeta
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_backward",
        "kind": "mistake",
        "what": (
            "Always uses the training formula, also for the cache of evaluation mode (the cache "
            "carries train but the backward step ignores it): in evaluation dx must be "
            "g / sqrt(var + eps) with the running statistics as constants. Training mode is "
            "right."
        ),
        "source": _BN_FORWARD
        + '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, _ = cache
    N = dout.shape[0]
    dxhat = dout * gamma
    dx = inv_std / N * (N * dxhat - dxhat.sum(axis=0) - x_hat * (dxhat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_backward",
        "kind": "mistake",
        "what": (
            "Forgets gamma in g: uses g = dout instead of gamma * dout in dx (both modes). dgamma "
            "and dbeta are right; dx is right only when gamma is all ones (as freshly "
            "initialised), wrong for any other gamma."
        ),
        "source": _BN_FORWARD
        + '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    if not train:
        return dout * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_backward",
        "kind": "correct",
        "what": (
            "The staged computational-graph backward pass (the CS231n way): the forward step "
            "caches x - mu, the standard deviation, x_hat, gamma and the mode, and the backward "
            "step goes through dvar, dmu and the centring one node at a time instead of the "
            "closed formula. Same dx, dgamma, dbeta within rounding, in both modes."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    N, D = x.shape
    if running is not None:
        running.setdefault("mean", np.zeros(D, x.dtype))
        running.setdefault("var", np.ones(D, x.dtype))
    if train:
        mu = x.mean(axis=0)
        xmu = x - mu
        var = (xmu ** 2).mean(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var * N / (N - 1)
    else:
        mu, var = running["mean"], running["var"]
        xmu = x - mu
    std = np.sqrt(var + eps)
    x_hat = xmu / std
    return gamma * x_hat + beta, (xmu, std, x_hat, gamma, train)


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    xmu, std, x_hat, gamma, train = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxhat = dout * gamma
    if not train:
        return dxhat / std, dgamma, dbeta
    ivar = 1 / std
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dstd = -divar / (std * std)
    dvar = 0.5 * dstd / std
    dsq = np.ones_like(dout) / N * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx2 = np.ones_like(dout) / N * dmu
    return dx1 + dx2, dgamma, dbeta
''',
    },
    # ------------------------------------------------------ deep_loss_and_grads
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Counts the layers as len(params) // 2: right without batch normalization, but with "
            "batchnorm=True the gamma and beta entries inflate the count (a two-layer network "
            "with one gamma/beta pair gives L = 3) and the function raises KeyError for a "
            "missing W. Shows only with batch normalization and at least one hidden layer."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len(params) // 2
    h, caches = X, []
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, rng=rng)
        caches.append((dense_cache, bn_cache, act_cache, drop_cache))
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for layer in range(L - 1, 0, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer - 1]
        dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Keeps the activation's output after dropout as the activation cache (h, _ = "
            "act_forward(z); h, drop = dropout(h); cache = h): for tanh and sigmoid, whose "
            "backward step reads a from the cache, the derivative is computed from the dropped "
            "and rescaled values (1 - (a/(1-p))^2 instead of 1 - a^2). Right without dropout "
            "and for relu / leaky_relu (whose cache is z); wrong for tanh or sigmoid with "
            "dropout > 0."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = sum(1 for key in params if key.startswith("W"))
    h, caches = X, []
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, rng=rng)
        if activation in ("tanh", "sigmoid"):
            act_cache = h  # the activation's output
        caches.append((dense_cache, bn_cache, act_cache, drop_cache))
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for layer in range(L - 1, 0, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer - 1]
        dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Forgets to pass rng on: calls dropout_forward(h, dropout) without rng=rng, so every "
            "mask comes from a fresh unseeded generator. The masks are not those drawn from the "
            "given rng layer after layer, and two calls with equally seeded generators give "
            "different losses and gradients. Right when dropout = 0."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    fwd, bwd = ACTIVATIONS[activation]
    L = len([k for k in params if k.startswith("W")])
    h, caches = X, []
    for l in range(1, L):
        z, dc = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        bc = None
        if batchnorm:
            z, bc = batchnorm_forward(z, params[f"gamma{l}"], params[f"beta{l}"])
        h, ac = fwd(z)
        h, drc = dropout_forward(h, dropout)
        caches.append((dc, bc, ac, drc))
    logits, lc = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, d = softmax_cross_entropy(logits, y)
    grads = {}
    d, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(d, lc)
    for l in range(L - 1, 0, -1):
        dc, bc, ac, drc = caches[l - 1]
        d = bwd(dropout_backward(d, drc), ac)
        if batchnorm:
            d, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(d, bc)
        d, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(d, dc)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Off by one in the backward loop, range(L - 1, 1, -1): the first layer is never "
            "reached, so grads has no W1, b1 (nor gamma1, beta1) for any network with a hidden "
            "layer. The loss and the other gradients are right; a one-layer network (L = 1) is "
            "right."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, {}
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, rng=rng)
        caches[layer] = (dense_cache, bn_cache, act_cache, drop_cache)
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    if L == 1:
        return loss, grads
    for layer in range(L - 1, 1, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer]
        dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Treats every layer alike, the last one included: the logits also go through the "
            "activation (and batch normalization / dropout when enabled are still only on hidden "
            "layers), e.g. relu(logits) or tanh(logits) before the softmax. Loss and all "
            "gradients are wrong on ordinary inputs, a one-layer network too."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, []
    for layer in range(1, L + 1):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = drop_cache = None
        if batchnorm and layer < L:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, act_cache = act_forward(z)
        if layer < L:
            h, drop_cache = dropout_forward(h, dropout, rng=rng)
        caches.append((dense_cache, bn_cache, act_cache, drop_cache))
    loss, dout = softmax_cross_entropy(h, y)
    grads = {}
    for layer in range(L, 0, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer - 1]
        dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
        if bn_cache is not None:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Puts batch normalization after the activation (dense -> activation -> batchnorm -> "
            "dropout) instead of between the dense layer and the activation, and backpropagates "
            "in the matching (wrong) order. Without batchnorm it is right; with batchnorm=True "
            "the loss and every gradient differ."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, []
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        a, act_cache = act_forward(z)
        bn_cache = None
        if batchnorm:
            a, bn_cache = batchnorm_forward(a, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, drop_cache = dropout_forward(a, dropout, rng=rng)
        caches.append((dense_cache, act_cache, bn_cache, drop_cache))
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for layer in range(L - 1, 0, -1):
        dense_cache, act_cache, bn_cache, drop_cache = caches[layer - 1]
        dout = dropout_backward(dout, drop_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout = act_backward(dout, act_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "correct",
        "what": (
            "PyTorch-like structure: builds a list of small layer objects (dicts holding a "
            "forward and a backward closure and the parameter names they own), runs them "
            "forward, then walks the list in reverse collecting gradients. Same order of "
            "operations (dense, batchnorm, activation, dropout with masks drawn from rng layer "
            "after layer), same loss and gradients."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_f, act_b = ACTIVATIONS[activation]
    n_layers = max(int(k[1:]) for k in params if k.startswith("W"))

    def dense_layer(l):
        def forward(h):
            return dense_forward(h, params[f"W{l}"], params[f"b{l}"])

        def backward(d, cache):
            dx, dW, db = dense_backward(d, cache)
            return dx, {f"W{l}": dW, f"b{l}": db}

        return {"forward": forward, "backward": backward}

    def bn_layer(l):
        def forward(h):
            return batchnorm_forward(h, params[f"gamma{l}"], params[f"beta{l}"])

        def backward(d, cache):
            dx, dgamma, dbeta = batchnorm_backward(d, cache)
            return dx, {f"gamma{l}": dgamma, f"beta{l}": dbeta}

        return {"forward": forward, "backward": backward}

    act_layer = {"forward": act_f, "backward": lambda d, cache: (act_b(d, cache), {})}
    drop_layer = {
        "forward": lambda h: dropout_forward(h, dropout, rng=rng),
        "backward": lambda d, cache: (dropout_backward(d, cache), {}),
    }

    layers = []
    for l in range(1, n_layers):
        layers.append(dense_layer(l))
        if batchnorm:
            layers.append(bn_layer(l))
        layers.append(act_layer)
        layers.append(drop_layer)
    layers.append(dense_layer(n_layers))

    h, caches = X, []
    for layer in layers:
        h, cache = layer["forward"](h)
        caches.append(cache)
    loss, d = softmax_cross_entropy(h, y)
    grads = {}
    for layer, cache in zip(reversed(layers), reversed(caches)):
        d, g = layer["backward"](d, cache)
        grads.update(g)
    return loss, grads
'''),
    },
]

ENTRIES += [
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Updates the running variance with the biased batch variance (the one used for the "
            "normalisation), forgetting the factor N / (N - 1) that PyTorch and the contract "
            "apply. The output and the running mean are right; the running variance after a "
            "training step is too small by the factor (N - 1) / N on the batch's share (most "
            "visible for small batches)."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        mean, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_forward",
        "kind": "mistake",
        "what": (
            "Normalises each sample over its features (mean and variance over axis=1, layer "
            "normalization) instead of each feature over the batch (axis=0); the statistics have "
            "shape (N,) and are broadcast with keepdims. Output wrong on every ordinary input, "
            "and the running statistics get (N,)-shaped updates (a shape error unless N == D). "
            "Evaluation with given running statistics is right."
        ),
        "source": '''import numpy as np


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, D) with gamma, beta (D,): (out, cache)."""
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = x.shape[1]
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean[:, 0]
            running["var"] = (1 - momentum) * running["var"] + momentum * var[:, 0] * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
''',
    },
    {
        "assignment": A,
        "function": "batchnorm_backward",
        "kind": "mistake",
        "what": (
            "Swaps the two parameter gradients: returns sum(dout) as dgamma and sum(dout * x_hat) "
            "as dbeta (beta is the one that is added, gamma the one that multiplies x_hat). dx is "
            "right; dgamma and dbeta are wrong on every ordinary input, in both modes."
        ),
        "source": _BN_FORWARD
        + '''

def batchnorm_backward(dout, cache):
    """Gradients of batch normalization: dout (N, D), cache -> (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std, train = cache
    dgamma = dout.sum(axis=0)
    dbeta = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
''',
    },
    {
        "assignment": A,
        "function": "deep_loss_and_grads",
        "kind": "mistake",
        "what": (
            "Keeps one cache per kind of step (a dict with the keys 'dense', 'bn', 'act', "
            "'drop') instead of one per layer, so each hidden layer's forward step overwrites "
            "the previous layer's cache, and the backward loop uses the last hidden layer's "
            "caches for every hidden layer. Right for networks with at most one hidden layer "
            "(L <= 2); with two or more hidden layers the gradients of the earlier layers are "
            "wrong (or a shape error when the hidden sizes differ)."
        ),
        "source": _deep('''def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    """Loss and gradients of an L-layer fully connected network with softmax cross-entropy."""
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h = X
    cache = {}
    for layer in range(1, L):
        z, cache["dense"] = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        cache["bn"] = None
        if batchnorm:
            z, cache["bn"] = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, cache["act"] = act_forward(z)
        h, cache["drop"] = dropout_forward(h, dropout, rng=rng)
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for layer in range(L - 1, 0, -1):
        dout = act_backward(dropout_backward(dout, cache["drop"]), cache["act"])
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, cache["bn"])
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache["dense"])
    return loss, grads
'''),
    },
]
