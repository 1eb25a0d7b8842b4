"""Wrong implementations a student might write, one set per graded function.

Each entry of :data:`WRONG` is ``(function name, what is wrong, namespace)``; the namespace
holds the wrong function, and also the correct versions of the functions it is checked with
(a wrong ``relu_backward`` is checked with a correct ``relu_forward``), unless the mistake is
in how the two work together (a forward whose cache lacks what the backward needs).
"""

from __future__ import annotations

from types import SimpleNamespace

import answers
import numpy as np

#: The correct functions, which a wrong one is checked with and may call.
ok = SimpleNamespace(**answers.everything())

WRONG: list[tuple[str, str, dict]] = []

#: The words the report must contain for a mistake, by ``(function name, what is wrong)``.
WORDS: dict[tuple[str, str], str] = {}


def wrong(name: str, what: str, words: str, **others):
    """Register the decorated function as a wrong ``name`` whose report must contain
    ``words``; ``others`` replace its partners."""

    def register(fn):
        WRONG.append((name, what, {**vars(ok), **others, name: fn}))
        WORDS[(name, what)] = words
        return fn

    return register


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- 02-data ----------------------------------------------------------------------------------


@wrong("flatten", "one long vector", "one long vector")
def _(images):
    return images.reshape(-1)


@wrong("flatten", "batch axis last", "batch axis must come first")
def _(images):
    return images.reshape(-1, len(images))


@wrong("flatten", "column by column", "column by column")
def _(images):
    return images.transpose(0, 2, 1).reshape(len(images), -1)


@wrong("flatten", "normalises too", "flatten only reshapes")
def _(images):
    return images.reshape(len(images), -1) / 255


@wrong("flatten", "keeps the first row of each image", "only the first row")
def _(images):
    return images[:, 0, :]


@wrong("normalize", "divides by the batch maximum", "brightest pixel")
def _(images):
    return images.astype(np.float32) / images.max()


@wrong("normalize", "integer division", "integer division")
def _(images):
    return (images // 255).astype(np.float32)


@wrong("normalize", "float64 result", "return float32")
def _(images):
    return images / 255


@wrong("normalize", "standardises", "standardises")
def _(images):
    x = images.astype(np.float32)
    return (x - x.mean()) / x.std()


@wrong("normalize", "divides by 256", "divides by 256")
def _(images):
    return images.astype(np.float32) / 256


@wrong("one_hot", "one row per class", "one row per class")
def _(y, num_classes):
    return np.eye(num_classes)[y].T


@wrong("one_hot", "classes from the labels", "use num_classes")
def _(y, num_classes):
    return np.eye(y.max() + 1)[y]


@wrong("one_hot", "off by one", "one column off")
def _(y, num_classes):
    return np.eye(num_classes)[y - 1]


@wrong("one_hot", "sets whole columns", "whole columns")
def _(y, num_classes):
    T = np.zeros((len(y), num_classes))
    T[:, y] = 1
    return T


@wrong("train_val_split", "no shuffling: the last rows", "must be random")
def _(X, y, val_fraction=0.1, seed=0):
    # stratified, but each class's last rows: the same split whatever the seed
    val = np.concatenate(
        [
            c[len(c) - round(val_fraction * len(c)) :]
            for c in (np.flatnonzero(y == k) for k in np.unique(y))
        ]
    )
    train = np.setdiff1d(np.arange(len(X)), val)
    return (X[train], y[train]), (X[val], y[val])


@wrong("train_val_split", "ignores the seed", "default_rng(seed)")
def _(X, y, val_fraction=0.1, seed=0):
    # stratified, drawn from NumPy's global generator: the mistake is the unseeded RNG
    val = np.concatenate(
        [
            np.random.permutation(c)[: round(val_fraction * len(c))]  # noqa: NPY002
            for c in (np.flatnonzero(y == k) for k in np.unique(y))
        ]
    )
    train = np.setdiff1d(np.arange(len(X)), val)
    return (X[train], y[train]), (X[val], y[val])


@wrong("train_val_split", "X and y shuffled separately", "index X and y alike")
def _(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    k = round(val_fraction * len(X))
    return (X[k:], y[k:]), (X[:k], y[:k])


@wrong("train_val_split", "parts swapped", "asks for about")
def _(X, y, val_fraction=0.1, seed=0):
    train, val = ok.train_val_split(X, y, val_fraction, seed)
    return val, train


@wrong("train_val_split", "the validation set also stays in training", "exactly one part")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round(val_fraction * len(X))
    return (X, y), (X[order[:k]], y[order[:k]])


@wrong("train_val_split", "a plain shuffle, not stratified", "stratified split")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round(val_fraction * len(X))
    return (X[order[k:]], y[order[k:]]), (X[order[:k]], y[order[:k]])


@wrong("train_val_split", "1 - val_fraction held out", "asks for about")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round((1 - val_fraction) * len(X))
    return (X[order[k:]], y[order[k:]]), (X[order[:k]], y[order[:k]])


# --- 03-one-neuron ---------------------------------------------------------------------------


@wrong(
    "neuron_gradients", "integer labels promote dw to float64", "float64 but the input was float32"
)
def _(X, y, w, b):
    z = X @ w + b
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    error = (ok.neuron_forward(X, w, b) - y) / len(X)
    return float(loss), X.T @ error, float(error.sum())


@wrong("neuron_forward", "returns the logits", "apply the sigmoid")
def _(X, w, b):
    return X @ w + b


@wrong("neuron_forward", "sign flipped", "sign flipped")
def _(X, w, b):
    return 1 / (1 + np.exp(X @ w + b))


@wrong("neuron_forward", "forgets the bias", "bias b is missing")
def _(X, w, b):
    return 1 / (1 + np.exp(-(X @ w)))


@wrong("neuron_forward", "(N, 1) column", "must have shape (N,)")
def _(X, w, b):
    return 1 / (1 + np.exp(-(X @ w.reshape(-1, 1) + b)))


@wrong("neuron_gradients", "not divided by N", "not divided by N")
def _(X, y, w, b):
    loss, dw, db = ok.neuron_gradients(X, y, w, b)
    return loss, dw * len(X), db * len(X)


@wrong("neuron_gradients", "y - p", "(p - y)")
def _(X, y, w, b):
    loss, dw, db = ok.neuron_gradients(X, y, w, b)
    return loss, -dw, -db


@wrong("neuron_gradients", "loss from log(sigmoid): overflows", "not from log(sigmoid(z))")
def _(X, y, w, b):
    y = y.astype(X.dtype)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    error = (p - y) / len(X)
    return float(loss), X.T @ error, float(error.sum())


@wrong("neuron_gradients", "extra sigmoid derivative", "sigma'(z)")
def _(X, y, w, b):
    loss, _, _ = ok.neuron_gradients(X, y, w, b)
    p = ok.neuron_forward(X, w, b)
    error = (p - y) * p * (1 - p) / len(X)
    return loss, X.T @ error, float(error.sum())


# --- 04-feedforward ---------------------------------------------------------------------------


@wrong("dense_forward", "no bias", "bias b is missing")
def _(x, W, b):
    return x @ W, (x, W)


@wrong("dense_forward", "returns out only", "must return the pair (out, cache)")
def _(x, W, b):
    return x @ W + b


@wrong("dense_forward", "W transposed", "W transposed")
def _(x, W, b):
    return x @ W.T + b, (x, W)


@wrong("dense_forward", "element-wise product", "x @ W")
def _(x, W, b):
    return x * W + b, (x, W)


@wrong("dense_forward", "float64 result", "keep the input's dtype")
def _(x, W, b):
    return x.astype(np.float64) @ W + b, (x, W)


@wrong("mlp_forward", "ReLU on the output layer", "output layer too")
def _(X, params):
    h = X
    for i in range(1, len(params) // 2 + 1):
        h = np.maximum(h @ params[f"W{i}"] + params[f"b{i}"], 0)
    return h


@wrong("mlp_forward", "softmax on the output", "softmax probabilities")
def _(X, params):
    return ok.softmax(ok.mlp_forward(X, params))


@wrong("mlp_forward", "no nonlinearity", "no ReLU between the layers")
def _(X, params):
    h = X
    for i in range(1, len(params) // 2 + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
    return h


@wrong("mlp_forward", "two layers hard-coded", "any number of layers")
def _(X, params):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    return h @ params["W2"] + params["b2"]


@wrong("mlp_forward", "sigmoid hidden layers", "sigmoid between the layers")
def _(X, params):
    n = len(params) // 2
    h = X
    for i in range(1, n + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n:
            h = _sigmoid(h)
    return h


# --- 05-activations ---------------------------------------------------------------------------


@wrong("sigmoid_forward", "exp(z) instead of exp(-z)", "sign of the exponent")
def _(z):
    a = 1 / (1 + np.exp(z))
    return a, a


@wrong("sigmoid_forward", "tanh instead", "that is tanh")
def _(z):
    a = np.tanh(z)
    return a, a


@wrong("sigmoid_forward", "returns a only", "must return the pair (a, cache)")
def _(z):
    return 1 / (1 + np.exp(-z))


@wrong("sigmoid_forward", "overflows: exp(z) / (1 + exp(z))", "must not overflow")
def _(z):
    a = np.exp(z) / (1 + np.exp(z))
    return a, a


@wrong("sigmoid_forward", "float64 result", "keep the input's dtype")
def _(z):
    a = 1 / (1 + np.exp(-z.astype(np.float64)))
    return a, a


@wrong("sigmoid_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return cache * (1 - cache)


@wrong("sigmoid_backward", "derivative at the wrong point: sigma(a)", "wrong point")
def _(da, cache):
    s = _sigmoid(cache)
    return da * s * (1 - s)


def _sigmoid_caching_z(z):
    return _sigmoid(z), z


@wrong(
    "sigmoid_backward",
    "uses z (1 - z)",
    "derivative taken at z",
    sigmoid_forward=_sigmoid_caching_z,
)
def _(da, cache):
    return da * cache * (1 - cache)


@wrong("sigmoid_backward", "missing (1 - a)", "(1 - a) is missing")
def _(da, cache):
    return da * cache


@wrong("tanh_forward", "sigmoid instead", "that is the sigmoid")
def _(z):
    a = _sigmoid(z)
    return a, a


@wrong("tanh_forward", "overflows: exp ratio", "use np.tanh")
def _(z):
    a = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return a, a


@wrong("tanh_forward", "2 sigmoid(z) - 1", "2 * sigmoid(2z) - 1")
def _(z):
    a = 2 * _sigmoid(z) - 1
    return a, a


@wrong("tanh_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return 1 - cache**2


def _tanh_caching_z(z):
    return np.tanh(z), z


@wrong("tanh_backward", "uses 1 - z**2", "derivative taken at z", tanh_forward=_tanh_caching_z)
def _(da, cache):
    return da * (1 - cache**2)


@wrong("tanh_backward", "missing square", "square is missing")
def _(da, cache):
    return da * (1 - cache)


@wrong("relu_forward", "absolute value", "|z|")
def _(z):
    return np.abs(z), z


@wrong("relu_forward", "keeps the negative side", "keeps the negative side")
def _(z):
    return np.minimum(z, 0), z


@wrong("relu_forward", "indicator", "indicator")
def _(z):
    return (z > 0).astype(z.dtype), z


@wrong("relu_forward", "leaky", "leaky ReLU")
def _(z):
    return np.maximum(z, 0.01 * z), z


@wrong("relu_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    return (cache > 0).astype(da.dtype)


@wrong("relu_backward", "multiplies by z", "multiplies da by z")
def _(da, cache):
    return da * cache


@wrong("relu_backward", "negative side", "where z < 0")
def _(da, cache):
    return da * (cache < 0)


@wrong("leaky_relu_forward", "ignores alpha", "ignores alpha")
def _(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z), (z, alpha)


@wrong("leaky_relu_forward", "plain ReLU", "that is ReLU")
def _(z, alpha=0.01):
    return np.maximum(z, 0), (z, alpha)


@wrong("leaky_relu_forward", "alpha on the positive side", "positive side by alpha")
def _(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z), (z, alpha)


def _leaky_caching_z(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z), z


@wrong(
    "leaky_relu_backward",
    "alpha not in the cache",
    "ignores alpha",
    leaky_relu_forward=_leaky_caching_z,
)
def _(da, cache):
    return np.where(cache > 0, da, 0.01 * da)


@wrong("leaky_relu_backward", "ReLU's derivative", "ReLU's derivative")
def _(da, cache):
    z, alpha = cache
    return da * (z > 0)


@wrong("leaky_relu_backward", "upstream gradient ignored", "upstream gradient")
def _(da, cache):
    z, alpha = cache
    return np.where(z > 0, 1.0, alpha).astype(da.dtype)


@wrong("softmax", "no max-subtraction", "max-subtraction")
def _(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@wrong("softmax", "normalises columns", "axis=0")
def _(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@wrong("softmax", "normalises the whole array", "whole array")
def _(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@wrong("softmax", "subtracts the global maximum", "each row's maximum")
def _(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=1, keepdims=True)


@wrong("softmax", "no keepdims", "keepdims")
def _(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


# --- 06-losses --------------------------------------------------------------------------------


@wrong("binary_cross_entropy", "integer labels promote dlogits to float64", "y.astype(np.float32)")
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    return float(loss), (0.5 * (1 + np.tanh(0.5 * logits)) - y) / n


@wrong("binary_cross_entropy", "log of the sigmoid: overflows", "instead of log(sigmoid(z))")
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    p = _sigmoid(logits)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / n


@wrong("binary_cross_entropy", "sum instead of mean", "sums over the batch")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss * len(logits), dlogits * len(logits)


@wrong("binary_cross_entropy", "gradient not divided by N", "not divided by N")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss, dlogits * len(logits)


@wrong("binary_cross_entropy", "y of shape (N,) broadcast to (N, N)", "(N, N)")
def _(logits, y):
    n = len(logits)
    y = y.astype(logits.dtype)
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    return float(per.mean()), (_sigmoid(logits) - y) / n


@wrong("binary_cross_entropy", "y - p", "p - y")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss, -dlogits


@wrong(
    "softmax_cross_entropy",
    "log of the softmax without max-subtraction",
    "subtract each row's maximum",
)
def _(logits, y):
    n, c = logits.shape
    t = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-(t * np.log(p)).sum() / n), (p - t) / n


@wrong("softmax_cross_entropy", "sum instead of mean", "sums over the batch")
def _(logits, y):
    loss, dlogits = ok.softmax_cross_entropy(logits, y)
    return loss * len(logits), dlogits


@wrong("softmax_cross_entropy", "gradient not divided by N", "not divided by N")
def _(logits, y):
    loss, dlogits = ok.softmax_cross_entropy(logits, y)
    return loss, dlogits * len(logits)


@wrong("softmax_cross_entropy", "one-hot not subtracted", "one-hot targets are not subtracted")
def _(logits, y):
    loss, _ = ok.softmax_cross_entropy(logits, y)
    return loss, ok.softmax(logits) / len(logits)


@wrong("softmax_cross_entropy", "integer labels only", "one-hot")
def _(logits, y):
    n = len(logits)
    p = ok.softmax(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    p[np.arange(n), y] -= 1
    return float(loss), p / n


# --- 07-backprop ------------------------------------------------------------------------------


@wrong("loss_and_grads", "a float64 array promotes the gradients", "float64 but the input was")
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss, {k: g.astype(np.float64) for k, g in grads.items()}


@wrong("dense_backward", "dW transposed", "transposed")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@wrong("dense_backward", "db averaged", "averages over the batch")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


@wrong("dense_backward", "dx without transposing W", "W.T")
def _(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)


@wrong("dense_backward", "dW divided by N", "already carries the 1/N")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)


@wrong("dense_backward", "db summed over the wrong axis", "axis 1")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


@wrong("dense_backward", "db with keepdims", "without keepdims")
def _(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)


def _two_layer(X, y, params, *, mean=True, relu_grad=True, stable=True):
    z1 = X @ params["W1"] + params["b1"]
    h = np.maximum(z1, 0)
    logits = h @ params["W2"] + params["b2"]
    n = len(X)
    if stable:
        logits_ = logits - logits.max(axis=1, keepdims=True)
    else:
        logits_ = logits
    p = np.exp(logits_) / np.exp(logits_).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p.copy()
    d[np.arange(n), y] -= 1
    if mean:
        d /= n
    dh = d @ params["W2"].T
    dz1 = dh * (z1 > 0) if relu_grad else dh
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0), "W2": h.T @ d, "b2": d.sum(0)}
    return float(loss), grads


@wrong("loss_and_grads", "gradients not divided by N", "the batch size N")
def _(X, y, params):
    return _two_layer(X, y, params, mean=False)


@wrong("loss_and_grads", "ReLU derivative missing", "ReLU's derivative")
def _(X, y, params):
    return _two_layer(X, y, params, relu_grad=False)


@wrong("loss_and_grads", "softmax without max-subtraction", "subtracting each row's maximum")
def _(X, y, params):
    return _two_layer(X, y, params, stable=False)


@wrong("loss_and_grads", "bias gradients missing", "one gradient per parameter")
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss, {"W1": grads["W1"], "W2": grads["W2"]}


@wrong("loss_and_grads", "loss summed", "divide by N")
def _(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    return loss * len(X), grads


# --- 08-gradcheck -----------------------------------------------------------------------------


@wrong("numerical_gradient", "one-sided difference", "centred difference")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - base) / h
        x[i] = old
    return grad


@wrong("numerical_gradient", "divides by h, not 2h", "instead of 2 h")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / h
    return grad


@wrong("numerical_gradient", "x not restored", "restore each entry")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        grad[i] = (plus - minus) / (2 * h)
    return grad


@wrong("numerical_gradient", "vectors only", "whole rows")
def _(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@wrong("numerical_gradient", "a large step h = 1e-2", "too large")
def _(f, x, h=1e-5):
    return ok.numerical_gradient(f, x, h=1e-2)


@wrong("relative_error", "no denominator", "not divided by")
def _(a, b):
    return float(np.linalg.norm(a - b))


@wrong("relative_error", "element-wise maximum ratio", "element-wise ratio")
def _(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@wrong("relative_error", "divides by ||a|| only", "||a|| only")
def _(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


@wrong("relative_error", "NaN when both are zero", "both zero")
def _(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


# --- 09-training ------------------------------------------------------------------------------


@wrong("sgd_step", "moves uphill", "moves uphill")
def _(params, grads, lr):
    for key in params:
        params[key] += lr * grads[key]


@wrong("sgd_step", "ignores lr", "ignores lr")
def _(params, grads, lr):
    for key in params:
        params[key] -= grads[key]


@wrong("sgd_step", "returns a new dict", "in place")
def _(params, grads, lr):
    return {key: params[key] - lr * grads[key] for key in params}


@wrong("sgd_step", "updates the weights only", "params is not updated")
def _(params, grads, lr):
    for key in params:
        if key.startswith("W"):
            params[key] -= lr * grads[key]


@wrong("momentum_step", "PyTorch's form of the velocity", "PyTorch's form")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] + grads[key]
        params[key] -= lr * velocity[key]


@wrong("momentum_step", "velocity of the wrong sign", "wrong sign")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] + lr * grads[key]
        params[key] -= velocity[key]


@wrong("momentum_step", "old velocity dropped", "old velocity is dropped")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = -lr * grads[key]
        params[key] += velocity[key]


@wrong("momentum_step", "steps with the old velocity", "update velocity first")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        params[key] += velocity[key]
        velocity[key] = momentum * velocity[key] - lr * grads[key]


@wrong("momentum_step", "velocity kept in a local variable", "velocity is not updated")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        v = momentum * velocity[key] - lr * grads[key]
        params[key] += v


@wrong("momentum_step", "gradient damped by 1 - momentum", "(1 - momentum)")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] - (1 - momentum) * lr * grads[key]
        params[key] += velocity[key]


@wrong("momentum_step", "returns new dicts", "update the dicts in place")
def _(params, grads, velocity, lr, momentum=0.9):
    new_v = {k: momentum * velocity[k] - lr * grads[k] for k in params}
    return {k: params[k] + new_v[k] for k in params}, new_v


def _adam(params, grads, m, v, t, lr, beta1, beta2, eps, *, mode=""):
    for key in params:
        g = grads[key]
        m_new = beta1 * m[key] + (g if mode == "m without 1 - beta1" else (1 - beta1) * g)
        v_new = beta2 * v[key] + (1 - beta2) * (g if mode == "v of g" else g * g)
        if mode != "state not stored":
            m[key], v[key] = m_new, v_new
        step = t + 1 if mode == "t from 0" else t
        m_hat = m_new if mode == "no correction" else m_new / (1 - beta1**step)
        v_hat = v_new if mode in ("no correction", "m only") else v_new / (1 - beta2**step)
        if mode == "eps inside":
            params[key] -= lr * m_hat / np.sqrt(v_hat + eps)
        else:
            params[key] -= lr * m_hat / (np.sqrt(np.abs(v_hat)) + eps)


for _mode, _what, _words in [
    ("no correction", "no bias correction", "no bias correction"),
    ("m only", "only m bias-corrected", "v is not bias-corrected"),
    ("eps inside", "eps inside the square root", "inside the square root"),
    ("v of g", "v averages the gradient, not its square", "squared gradient"),
    ("m without 1 - beta1", "m adds the whole gradient", "beta1 * m + (1 - beta1)"),
    ("t from 0", "bias correction one step ahead", "t + 1"),
    ("state not stored", "m and v not stored", "m is not updated"),
]:

    def _adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, _mode=_mode):
        _adam(params, grads, m, v, t, lr, beta1, beta2, eps, mode=_mode)

    wrong("adam_step", _what, _words)(_adam_step)


def _loop(loss_and_grads, params, X, y, epochs, batch_size, lr, seed, *, mode):
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        if mode == "no shuffle":
            order = np.arange(len(X))
        if mode == "with replacement":
            order = rng.integers(0, len(X), size=len(X))
        if mode == "full batch":
            batches = [order]
        elif mode == "drops a batch":
            batches = [order[s : s + batch_size] for s in range(0, len(X) - batch_size, batch_size)]
        else:
            batches = [order[s : s + batch_size] for s in range(0, len(X), batch_size)]
        losses = []
        for batch in batches:
            labels = y[rng.permutation(batch)] if mode == "labels apart" else y[batch]
            loss, grads = loss_and_grads(X[batch], labels, params)
            if mode != "no update":
                ok.sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(losses[-1] if mode == "last loss" else float(np.mean(losses)))
    return history


for _mode, _what, _words in [
    ("full batch", "one step per epoch", "one step per epoch"),
    ("no shuffle", "the same order every epoch", "same order"),
    ("with replacement", "batches drawn with replacement", "appears twice in one epoch"),
    ("drops a batch", "skips samples every epoch", "loss_and_grads was called"),
    ("labels apart", "labels shuffled apart from X", "index X and y alike"),
    ("no update", "never updates the parameters", "not updated"),
    ("last loss", "returns the last batch's loss", "mean mini-batch loss"),
]:

    def _train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0, _mode=_mode):
        return _loop(loss_and_grads, params, X, y, epochs, batch_size, lr, seed, mode=_mode)

    wrong("train", _what, _words)(_train)


# --- 12-gpu ----------------------------------------------------------------------------------


@wrong("array_module", "returns the array's type", "expected numpy")
def _(x):
    return type(x)


@wrong("array_module", "uses nnlib's backend module", "nnlib.backend")
def _(x):
    from nnlib.backend import get_array_module

    return get_array_module(x)


@wrong("array_module", "returns the name", "expected numpy")
def _(x):
    return type(x).__module__


@wrong("accuracy", "counts instead of averaging", "counts the right predictions")
def _(logits, y):
    return float((logits.argmax(axis=1) == y).sum())


@wrong("accuracy", "argmax for one output unit", "argmax is always 0")
def _(logits, y):
    return float((logits.argmax(axis=1) == y).mean())


@wrong("accuracy", "returns a 0-d array", "0-d array")
def _(logits, y):
    return np.asarray(ok.accuracy(logits, y))


@wrong("accuracy", "error rate", "error rate")
def _(logits, y):
    return 1 - ok.accuracy(logits, y)


@wrong("accuracy", "per-sample correctness", "return one float")
def _(logits, y):
    return logits.argmax(axis=1) == y


# --- 13-regularization ------------------------------------------------------------------------


def _l2(params, lam, *, mode):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        weight = key.startswith("W") or mode == "biases"
        half = 1.0 if mode == "no half" else 0.5
        penalty += half * lam * float(np.sum(value**2)) if weight else 0.0
        factor = 2 * lam if mode == "2 lam" else lam
        if weight:
            grads[key] = factor * value
        elif mode != "no bias grads":
            grads[key] = np.zeros_like(value)
    if mode == "array":
        penalty = np.full(1, penalty)
    return penalty, grads


for _mode, _what, _words in [
    ("biases", "penalises the biases", "biases are penalised"),
    ("no half", "lam times the sum of squares", "the 1/2 is missing"),
    ("2 lam", "gradient 2 lam W", "2 lam W"),
    ("no bias grads", "no gradient for the biases", "grads lacks the keys"),
    ("array", "penalty as an array", "must be one number"),
]:

    def _l2_penalty(params, lam, _mode=_mode):
        return _l2(params, lam, mode=_mode)

    wrong("l2_penalty", _what, _words)(_l2_penalty)


def _dropout(x, p, train, rng, *, mode):
    if mode != "mask in evaluation" and (not train or p == 0):
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    r = rng.random(x.shape)
    keep = {"p keeps": r < p, "other mask": r < 1 - p}.get(mode, r >= p)
    scale = {"no scale": 1.0, "times 1 - p": 1 - p, "p keeps": 1 / p}.get(mode, 1 / (1 - p))
    mask = keep.astype(x.dtype) * x.dtype.type(scale)
    return (x * mask) if mode == "no cache" else (x * mask, mask)


for _mode, _what, _words in [
    ("no scale", "kept units not scaled", "not scaled: multiply them by 1 / (1 - p)"),
    ("times 1 - p", "scales by 1 - p", "it scales by 1 - p"),
    ("p keeps", "p read as the probability of keeping", "probability of dropping"),
    ("other mask", "mask drawn as rng.random < 1 - p", "rng.random(x.shape) >= p"),
    ("mask in evaluation", "the mask applied in evaluation", "dropout is the identity"),
    ("no cache", "returns only the output", "must return the pair"),
]:

    def _dropout_forward(x, p, *, train=True, rng=None, _mode=_mode):
        return _dropout(x, p, train, rng, mode=_mode)

    wrong("dropout_forward", _what, _words)(_dropout_forward)


@wrong("dropout_backward", "dout returned unchanged", "dout is returned as it is")
def _(dout, cache):
    return dout


@wrong("dropout_backward", "mask without the scale", "not scaled by 1 / (1 - p)")
def _(dout, cache):
    return dout if cache is None else dout * (cache > 0)


@wrong("dropout_backward", "scale without the mask", "the mask is not applied")
def _(dout, cache):
    return dout if cache is None else dout * cache.max()


# --- 14-deep-networks -------------------------------------------------------------------------


def _batchnorm(x, gamma, beta, train, running, momentum, eps, *, mode):
    d = x.shape[1]
    if running is not None:
        running.setdefault("mean", np.zeros(d, x.dtype))
        running.setdefault("var", np.ones(d, x.dtype))
    n = len(x)
    axis = 1 if mode == "axis 1" else 0
    mean, var = x.mean(axis, keepdims=True), x.var(axis, keepdims=True)
    if mode == "ddof 1":
        var = x.var(0, ddof=1, keepdims=True)
    if train and running is not None and mode != "no update":
        new = {
            "mean": x.mean(0),
            "var": x.var(0) * (1 if mode == "biased running" else n / (n - 1)),
        }
        for key in ("mean", "var"):
            keep, take = (
                (momentum, 1 - momentum)
                if mode == "momentum reversed"
                else (1 - momentum, momentum)
            )
            running[key][...] = keep * running[key] + take * new[key]
    if (not train and mode != "batch in evaluation") or mode == "running in training":
        mean, var = running["mean"], running["var"]
    scale = np.sqrt(var) + eps if mode == "eps outside" else np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) / scale
    return (gamma * x_hat + beta).astype(x.dtype), (x_hat, gamma, 1 / scale, train)


for _mode, _what, _words in [
    ("axis 1", "statistics over the features", "over the wrong axis"),
    ("eps outside", "eps outside the square root", "eps is added outside the square root"),
    ("ddof 1", "normalises with the unbiased variance", "unbiased variance (ddof=1)"),
    (
        "running in training",
        "running statistics used in training",
        "the running statistics are used",
    ),
    ("batch in evaluation", "batch statistics in evaluation", "running mean and variance"),
    ("no update", "running statistics not updated", "not updated in training"),
    ("biased running", "running variance biased", "unbiased batch variance"),
    ("momentum reversed", "momentum weighs the old statistics", "weight of the new batch"),
]:

    def _batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5,
                           _mode=_mode):  # fmt: skip
        return _batchnorm(x, gamma, beta, train, running, momentum, eps, mode=_mode)

    wrong("batchnorm_forward", _what, _words)(_batchnorm_forward)


def _batchnorm_grads(dout, cache, *, mode):
    x_hat, gamma, inv_std, train = cache
    n = len(dout)
    g = dout * gamma if mode != "no gamma" else dout
    dgamma = dout.sum(0) if mode == "dgamma of dout" else (dout * x_hat).sum(0)
    dbeta = dout.mean(0) if mode == "dbeta mean" else dout.sum(0)
    if mode == "first term":
        return g * inv_std, dgamma, dbeta
    mean_term = 0 if mode == "no mean term" else g.sum(0)
    var_term = 0 if mode == "no variance term" else x_hat * (g * x_hat).sum(0)
    return (n * g - mean_term - var_term) * inv_std / n, dgamma, dbeta


for _mode, _what, _words in [
    ("first term", "statistics treated as constants", "only the first term"),
    ("no mean term", "the term of the mean missing", "the term of the mean is missing"),
    ("no variance term", "the term of the variance missing", "the term of the variance is missing"),
    ("no gamma", "gamma left out of dx", "gamma is missing from dx"),
    ("dgamma of dout", "dgamma without x_hat", "dgamma is the sum of dout * x_hat"),
    ("dbeta mean", "dbeta averaged", "dbeta is the sum of dout"),
]:

    def _batchnorm_backward(dout, cache, _mode=_mode):
        return _batchnorm_grads(dout, cache, mode=_mode)

    wrong("batchnorm_backward", _what, _words)(_batchnorm_backward)


def _deep(X, y, params, activation, dropout, batchnorm, rng, *, mode):
    forward, backward = ok.ACTIVATIONS[activation]
    L = len([k for k in params if k.startswith("W")])
    h, caches = X, []
    for layer in range(1, L + 1):
        z, dense_cache = ok.dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        last = layer == L
        bn = act = drop = None
        if batchnorm and not last:
            z, bn = ok.batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        if not last or mode == "activation on logits":
            z, act = forward(z)
        if not last:
            z, drop = ok.dropout_forward(z, dropout, rng=rng)
        caches.append((dense_cache, bn, act, drop))
        h = z
    loss, dout = ok.softmax_cross_entropy(h, y)
    grads = {}
    for layer in range(L, 0, -1):
        dense_cache, bn, act, drop = caches[layer - 1]
        if mode != "no dropout backward":
            dout = ok.dropout_backward(dout, drop)
        if act is not None and mode != "no activation backward":
            dout = backward(dout, act)
        if bn is not None:
            dz, dgamma, dbeta = ok.batchnorm_backward(dout, bn)
            dout = dout if mode == "no batchnorm backward" else dz
            if mode != "no gamma grads":
                grads[f"gamma{layer}"], grads[f"beta{layer}"] = dgamma, dbeta
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = ok.dense_backward(dout, dense_cache)
    return loss, grads


for _mode, _what, _words in [
    ("no activation backward", "the activation's derivative skipped", "derivative is missing"),
    ("activation on logits", "the output layer activated", "the output layer has the activation"),
    (
        "no dropout backward",
        "dropout skipped in the backward pass",
        "dropout's backward is missing",
    ),
    ("no batchnorm backward", "batch normalization skipped backward", "normalization's backward"),
    ("no gamma grads", "no gradients for gamma and beta", "grads lacks the keys"),
]:

    def _deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False,
                             rng=None, _mode=_mode):  # fmt: skip
        return _deep(X, y, params, activation, dropout, batchnorm, rng, mode=_mode)

    wrong("deep_loss_and_grads", _what, _words)(_deep_loss_and_grads)


# --- reference use ----------------------------------------------------------------------------


def _reference_users():
    """Functions that hand their work to nnlib or the autograder, by several routes."""
    import importlib

    import nnlib.activations
    from autograder.checks import CHECKS
    from nnlib.activations import relu_forward as nnlib_relu

    def direct(z):
        return nnlib_relu(z)

    def through_module(z):
        return nnlib.activations.relu_forward(z)

    def imported_inside(z):
        from nnlib.activations import relu_forward

        return relu_forward(z)

    def by_import_module(z):
        return importlib.import_module("nnlib.activations").relu_forward(z)

    def helper(z):
        return getattr(nnlib.activations, "relu_" + "forward")(z)

    def through_helper(z):
        return helper(z)

    def through_autograder(z):
        return CHECKS["relu_forward"] and nnlib_relu(z)

    return {
        "direct import": direct,
        "module attribute": through_module,
        "import inside the function": imported_inside,
        "importlib": by_import_module,
        "helper function": through_helper,
        "autograder registry": through_autograder,
    }


REFERENCE_USERS = _reference_users()
