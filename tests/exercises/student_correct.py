"""Correct implementations of every graded function, written as a student would."""

import numpy as np


def flatten(images):
    return images.reshape(len(images), -1)


def normalize(images):
    return images.astype(np.float32) / 255


def one_hot(y, num_classes):
    Y = np.zeros((len(y), num_classes), dtype=np.float32)
    Y[np.arange(len(y)), y] = 1
    return Y


def train_val_split(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        k = round(val_fraction * len(members))
        val.append(members[:k])
        train.append(members[k:])
    train, val = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))
    return (X[train], y[train]), (X[val], y[val])


def sigmoid_forward(z):
    a = 0.5 * (1 + np.tanh(0.5 * z))
    return a, a


def sigmoid_backward(da, cache):
    a = cache
    return da * a * (1 - a)


def tanh_forward(z):
    a = np.tanh(z)
    return a, a


def tanh_backward(da, cache):
    return da * (1 - cache**2)


def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    return da * (cache > 0)


def leaky_relu_forward(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z), (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    return np.where(z > 0, da, alpha * da)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def mlp_forward(X, params):
    n_layers = len(params) // 2
    h = X
    for i in range(1, n_layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers:
            h = np.maximum(h, 0)
    return h


def binary_cross_entropy(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    p = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), (p - y) / n


def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    if y.ndim == 1:
        t = np.zeros_like(logits)
        t[np.arange(n), y] = 1
    else:
        t = y
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(t * log_p).sum() / n
    return float(loss), (np.exp(log_p) - t) / n


def loss_and_grads(X, y, params):
    z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, cache2 = dense_forward(h, params["W2"], params["b2"])
    loss, dlogits = softmax_cross_entropy(logits, y)
    dh, dW2, db2 = dense_backward(dlogits, cache2)
    dz1 = dh * (z1 > 0)
    _, dW1, db1 = dense_backward(dz1, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def sgd_step(params, grads, lr):
    for key in params:
        params[key] -= lr * grads[key]


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] *= momentum
        velocity[key] -= lr * grads[key]
        params[key] += velocity[key]


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key]
        m[key] = beta1 * m[key] + (1 - beta1) * g
        v[key] = beta2 * v[key] + (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1**t)
        v_hat = v[key] / (1 - beta2**t)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            sgd_step(params, grads, lr)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return losses


def neuron_forward(X, W, b):
    return 0.5 * (1 + np.tanh(0.5 * (X @ W + b)))


def neuron_gradients(X, y, W, b):
    y = y.reshape(-1, 1).astype(X.dtype)
    logits = X @ W + b
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    dlogits = (neuron_forward(X, W, b) - y) / len(X)
    return float(loss), X.T @ dlogits, dlogits.sum(axis=0)


def get_array_module(*arrays):
    import sys

    on_gpu = any(type(a).__module__.startswith("cupy") for a in arrays)
    return sys.modules["cupy"] if on_gpu else np


def accuracy(logits, y):
    if logits.shape[1] == 1:
        predictions = (logits[:, 0] > 0).astype(y.dtype)
    else:
        predictions = logits.argmax(axis=1)
    return float((predictions == y).mean())


def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / 2 * float(np.sum(value**2))
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout if cache is None else dout * cache


def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    if running is not None:
        running.setdefault("mean", np.zeros(x.shape[1], x.dtype))
        running.setdefault("var", np.ones(x.shape[1], x.dtype))
    if train:
        mean, var = x.mean(axis=0), x.var(axis=0)
        if running is not None:
            n = len(x)
            running["mean"][...] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"][...] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = len(dout)
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n
    return dx, dgamma, dbeta


ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
}


def deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False, rng=None):
    act_forward, act_backward = ACTIVATIONS[activation]
    L = len([key for key in params if key.startswith("W")])
    h, caches = X, []
    for layer in range(1, L + 1):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        if layer == L:
            caches.append((dense_cache, None))
            break
        bn_cache = None
        if batchnorm:
            g, b = params[f"gamma{layer}"], params[f"beta{layer}"]
            z, bn_cache = batchnorm_forward(z, g, b)
        h, act_cache = act_forward(z)
        h, drop_cache = dropout_forward(h, dropout, rng=rng)
        caches.append((dense_cache, (bn_cache, act_cache, drop_cache)))
    loss, dout = softmax_cross_entropy(z, y)
    grads = {}
    for layer in range(L, 0, -1):
        dense_cache, hidden = caches[layer - 1]
        if hidden is not None:
            bn_cache, act_cache, drop_cache = hidden
            dout = act_backward(dropout_backward(dout, drop_cache), act_cache)
            if batchnorm:
                dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(
                    dout, bn_cache
                )
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads
