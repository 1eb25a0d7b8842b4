"""Student submissions for 14-deep-networks: batchnorm_forward, batchnorm_backward,
deep_loss_and_grads."""

_BN_FWD = '''
def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
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

_BN_BWD = '''
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
'''

_BLOCKS = '''
import numpy as np

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
''' + _BN_FWD + _BN_BWD

ENTRIES = [
    # ---------------------------------------------------------------- batchnorm_forward
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Running variance updated with the biased batch variance (x.var(axis=0)), without '
              'the factor N / (N - 1) the notebook asks for (PyTorch\'s unbiased estimate).',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        mu, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var
    else:
        mu, var = running["mean"], running["var"]
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std, train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Keras\'s momentum convention: running = momentum * running + (1 - momentum) * batch, '
              'where the notebook (PyTorch) has (1 - momentum) * running + momentum * batch.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = x.shape[0]
        mu, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = momentum * running["mean"] + (1 - momentum) * mu
            running["var"] = momentum * running["var"] + (1 - momentum) * var * n / (n - 1)
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Normalises with x.std(axis=0) + eps instead of sqrt(var + eps): eps added outside '
              'the root, visibly different for features of small variance.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = len(x)
        mean, std = x.mean(axis=0), x.std(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * std ** 2 * n / (n - 1)
    else:
        mean, std = running["mean"], np.sqrt(running["var"])
    x_hat = (x - mean) / (std + x.dtype.type(eps))
    return gamma * x_hat + beta, (x_hat, gamma, 1 / (std + x.dtype.type(eps)), train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Statistics over the wrong axis (axis=1, each sample over its features, as in layer '
              'normalization) instead of each feature over the batch.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        if running is not None:
            n = len(x)
            running["mean"] = (1 - momentum) * running["mean"] + momentum * x.mean(axis=0)
            running["var"] = (1 - momentum) * running["var"] + momentum * x.var(axis=0) * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Evaluation mode still normalises with the batch statistics (the running dict is '
              'created and left alone, but never used to normalise).',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    n = len(x)
    mean, var = x.mean(axis=0), x.var(axis=0)
    if train and running is not None:
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='mistake',
         what='Missing running entries start as np.zeros(D) / np.ones(D), float64: after a training '
              'step the running statistics of a float32 network are float64, and evaluation with '
              'them gives a float64 output for float32 x.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    D = x.shape[1]
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(D)
        if "var" not in running:
            running["var"] = np.ones(D)
    if train:
        n = len(x)
        mean, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(var + eps), train)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='correct',
         what='Centres first and computes the variance as the mean of squared deviations, updates '
              'the running statistics in place with *= and += on the stored arrays (after creating '
              'them in x\'s dtype), and uses np.reciprocal(np.sqrt(...)).',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    N, D = x.shape
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(D, dtype=x.dtype)
        if "var" not in running:
            running["var"] = np.ones(D, dtype=x.dtype)
    if train:
        mu = x.sum(axis=0) / N
        xc = x - mu
        var = (xc * xc).sum(axis=0) / N
        if running is not None:
            running["mean"] = running["mean"] * (1 - momentum) + mu * momentum
            running["var"] = running["var"] * (1 - momentum) + var * (N / (N - 1)) * momentum
    else:
        mu, var = running["mean"], running["var"]
        xc = x - mu
    inv_std = np.reciprocal(np.sqrt(var + x.dtype.type(eps)))
    x_hat = xc * inv_std
    out = x_hat * gamma + beta
    return out, (x_hat, gamma, inv_std, train)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.einsum("nd,nd->d", dout, x_hat)
    dxhat = dout * gamma
    if not train:
        return dxhat * inv_std, dgamma, dbeta
    dx = inv_std * (dxhat - dxhat.mean(axis=0) - x_hat * (dxhat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
'''),
    # ---------------------------------------------------------------- batchnorm_backward
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='mistake',
         what='Treats the batch variance as a constant: dx = (g - mean(g)) / sqrt(var + eps), '
              'missing the - x_hat * sum(g * x_hat) term.',
         source='''
import numpy as np
''' + _BN_FWD + '''

def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    dx = (g - g.mean(axis=0)) * inv_std
    return dx, dgamma, dbeta
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='mistake',
         what='dgamma and dbeta swapped (dgamma = sum dout, dbeta = sum dout * x_hat).',
         source='''
import numpy as np
''' + _BN_FWD + '''

def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta, dgamma = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='mistake',
         what='Forgets gamma in dx (uses g = dout instead of gamma * dout): right only when gamma '
              'is all ones.',
         source='''
import numpy as np
''' + _BN_FWD + '''

def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    if not train:
        return dout * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='mistake',
         what='The cache does not record the mode, so evaluation mode also gets the training formula '
              '(the batch statistics treated as functions of x).',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
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
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    n = len(dout)
    g = dout * gamma
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='mistake',
         what='Divides by N - 1 instead of N in the training formula (the unbiased-variance '
              'factor from the running statistics carried into the gradient).',
         source='''
import numpy as np
''' + _BN_FWD + '''

def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / (n - 1)
    return dx, dgamma, dbeta
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='correct',
         what='The step-by-step computational-graph backward (through xmu, var, sqrtvar, ivar) from '
              'a cache of the raw intermediates, instead of the compact formula.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        n = x.shape[0]
        mu = x.mean(axis=0)
        xmu = x - mu
        var = (xmu ** 2).mean(axis=0)
        if running is not None:
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mu
            running["var"] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        xmu = x - running["mean"]
        var = running["var"]
    sqrtvar = np.sqrt(var + x.dtype.type(eps))
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    return gamma * xhat + beta, dict(xhat=xhat, xmu=xmu, ivar=ivar, sqrtvar=sqrtvar, gamma=gamma, train=train)


def batchnorm_backward(dout, cache):
    xhat, xmu, ivar, sqrtvar, gamma = cache["xhat"], cache["xmu"], cache["ivar"], cache["sqrtvar"], cache["gamma"]
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    if not cache["train"]:
        return dxhat * ivar, dgamma, dbeta
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 * ivar * dsqrtvar
    dsq = np.ones_like(dout) / N * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx2 = np.ones_like(dout) / N * dmu
    return dx1 + dx2, dgamma, dbeta
'''),
    # ---------------------------------------------------------------- deep_loss_and_grads
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Counts the layers as len(params) // 2: right without batch normalization, but with '
              'gamma and beta keys the count doubles and the loop asks for W layers that do not exist.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len(params) // 2
    h, caches = X, []
    for layer in range(1, L):
        z, dc = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bc = None
        if batchnorm:
            z, bc = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, ac = act_forward(z)
        h, drc = dropout_forward(h, dropout, rng=rng)
        caches.append((dc, bc, ac, drc))
    logits, last = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last)
    for layer in range(L - 1, 0, -1):
        dc, bc, ac, drc = caches[layer - 1]
        dout = act_backward(dropout_backward(dout, drc), ac)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bc)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dc)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Batch normalization placed after the activation (dense, activation, batchnorm, '
              'dropout) instead of between the dense layer and the activation.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = sum(1 for k in params if k.startswith("W"))
    h, caches = X, []
    for l in range(1, L):
        z, dc = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        a, ac = act_forward(z)
        bc = None
        if batchnorm:
            a, bc = batchnorm_forward(a, params[f"gamma{l}"], params[f"beta{l}"])
        h, drc = dropout_forward(a, dropout, rng=rng)
        caches.append((dc, ac, bc, drc))
    logits, last = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, d = softmax_cross_entropy(logits, y)
    grads = {}
    d, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(d, last)
    for l in range(L - 1, 0, -1):
        dc, ac, bc, drc = caches[l - 1]
        d = dropout_backward(d, drc)
        if batchnorm:
            d, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(d, bc)
        d = act_backward(d, ac)
        d, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(d, dc)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Dropout applied to the pre-activation (dense, batchnorm, dropout, activation): the '
              'same as the stated order for ReLU and leaky ReLU (positive scaling commutes with '
              'them), but different for tanh and the sigmoid.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([k for k in params if k.startswith("W")])
    h, caches = X, []
    for layer in range(1, L):
        z, dc = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bc = None
        if batchnorm:
            z, bc = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        z, drc = dropout_forward(z, dropout, rng=rng)
        h, ac = act_forward(z)
        caches.append((dc, bc, ac, drc))
    logits, last = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last)
    for layer in range(L - 1, 0, -1):
        dc, bc, ac, drc = caches[layer - 1]
        dout = dropout_backward(act_backward(dout, ac), drc)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bc)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dc)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Ignores the rng argument and draws each dropout mask from a fresh '
              'np.random.default_rng(): the masks are not those of the given generator and two '
              'calls with equally seeded generators give different losses.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, []
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout)
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
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Backward loop reads the caches with the layer number as index (caches[layer] for '
              'layer L-1 .. 1): each hidden layer is backpropagated through the next layer\'s caches '
              '(an IndexError for the last hidden layer); one-layer networks still work.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
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
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer]
        dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='mistake',
         what='Forgets the activation derivative: the forward pass applies the activation but the '
              'backward pass only goes through dropout and batchnorm (the dense layers see the '
              'gradient of the activations as if it were that of the pre-activations).',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, _ = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, []
    for layer in range(1, L):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if batchnorm:
            z, bn_cache = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        h, _ = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, rng=rng)
        caches.append((dense_cache, bn_cache, drop_cache))
    logits, last_cache = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dout = softmax_cross_entropy(logits, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, last_cache)
    for layer in range(L - 1, 0, -1):
        dense_cache, bn_cache, drop_cache = caches[layer - 1]
        dout = dropout_backward(dout, drop_cache)
        if batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='correct',
         what='Backward through the activation first and dropout second (the reverse of the '
              'forward order): both are element-wise products, so the order does not matter; caches '
              'kept in a dict keyed by layer; layer count from the W keys with a while loop.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    fwd, bwd = ACTIVATIONS[activation]
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    cache = {}
    h = X
    for l in range(1, L):
        z, cache[("dense", l)] = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        if batchnorm:
            z, cache[("bn", l)] = batchnorm_forward(z, params[f"gamma{l}"], params[f"beta{l}"])
        h, cache[("act", l)] = fwd(z)
        h, cache[("drop", l)] = dropout_forward(h, dropout, rng=rng)
    logits, cache[("dense", L)] = dense_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, d = softmax_cross_entropy(logits, y)
    grads = {}
    d, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(d, cache[("dense", L)])
    for l in reversed(range(1, L)):
        d = dropout_backward(bwd(d, cache[("act", l)]), cache[("drop", l)])
        if batchnorm:
            d, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(d, cache[("bn", l)])
        d, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(d, cache[("dense", l)])
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='deep_loss_and_grads', kind='correct',
         what='Recursive formulation: a helper runs layer l forward, recurses for the rest of the '
              'network, and backpropagates on the way back; grads filled in the order the recursion '
              'unwinds.',
         source=_BLOCKS + '''

def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    fwd, bwd = ACTIVATIONS[activation]
    L = max(int(k[1:]) for k in params if k.startswith("W"))
    grads = {}

    def run(h, l):
        z, dcache = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        if l == L:
            loss, dz = softmax_cross_entropy(z, y)
        else:
            if batchnorm:
                z_n, bcache = batchnorm_forward(z, params[f"gamma{l}"], params[f"beta{l}"])
            else:
                z_n, bcache = z, None
            a, acache = fwd(z_n)
            a, drcache = dropout_forward(a, dropout, rng=rng)
            loss, da = run(a, l + 1)
            dz = bwd(dropout_backward(da, drcache), acache)
            if batchnorm:
                dz, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dz, bcache)
        dh, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dcache)
        return loss, dh

    loss, _ = run(X, 1)
    return loss, grads
'''),
    dict(assignment='14-deep-networks', function='batchnorm_forward', kind='correct',
         what='Computes the normalisation in float64 (x.astype(np.float64)) and casts the output and '
              'the running statistics back to x\'s dtype; the cache keeps float64 intermediates and the '
              'backward step casts its results back too.',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    dt = x.dtype
    x64 = x.astype(np.float64)
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], dt))
        running.setdefault("var", np.ones(x.shape[1], dt))
    if train:
        n = x.shape[0]
        mu = x64.mean(axis=0)
        var = ((x64 - mu) ** 2).mean(axis=0)
        if running is not None:
            running["mean"] = ((1 - momentum) * running["mean"] + momentum * mu).astype(dt)
            running["var"] = ((1 - momentum) * running["var"] + momentum * var * n / (n - 1)).astype(dt)
    else:
        mu = running["mean"].astype(np.float64)
        var = running["var"].astype(np.float64)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x64 - mu) * inv_std
    out = gamma.astype(np.float64) * x_hat + beta
    return out.astype(dt), (x_hat, gamma.astype(np.float64), inv_std, train, dt)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train, dt = cache
    d = dout.astype(np.float64)
    dgamma = (d * x_hat).sum(axis=0)
    dbeta = d.sum(axis=0)
    g = d * gamma
    if train:
        n = d.shape[0]
        dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    else:
        dx = g * inv_std
    return dx.astype(dt), dgamma.astype(dt), dbeta.astype(dt)
'''),
    dict(assignment='14-deep-networks', function='batchnorm_backward', kind='correct',
         what='Caches x, the batch mean and variance and eps instead of x_hat, recomputes x_hat in '
              'the backward step, and writes dx as inv_std * (g - mean(g) - x_hat * mean(g * x_hat)) '
              'with np.mean (the notebook\'s formula divided through by N).',
         source='''
import numpy as np

def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        if "mean" not in running:
            running["mean"] = np.zeros(x.shape[1], x.dtype)
        if "var" not in running:
            running["var"] = np.ones(x.shape[1], x.dtype)
    if train:
        mean, var = np.mean(x, axis=0), np.var(x, axis=0)
        if running is not None:
            n = x.shape[0]
            running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"] = (1 - momentum) * running["var"] + momentum * (n / (n - 1)) * var
    else:
        mean, var = running["mean"], running["var"]
    out = gamma * (x - mean) / np.sqrt(var + x.dtype.type(eps)) + beta
    return out, (x, mean, var, x.dtype.type(eps), gamma, train)


def batchnorm_backward(dout, cache):
    x, mean, var, eps, gamma, train = cache
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    g = gamma * dout
    if not train:
        return g * inv_std, dgamma, dbeta
    dx = inv_std * (g - np.mean(g, axis=0) - x_hat * np.mean(g * x_hat, axis=0))
    return dx, dgamma, dbeta
'''),
]
