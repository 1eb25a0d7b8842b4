"""Student submissions for exercise 13-regularization, each with what is wrong in it or how it is right."""

A = "13-regularization"

DROPOUT_FWD_OK = '''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    out = x * keep * x.dtype.type(scale)
    return out, (keep, scale)
'''

ENTRIES = [
    # ------------------------------------------------------------------ l2_penalty mistakes
    dict(
        assignment=A,
        function="l2_penalty",
        kind="mistake",
        what=(
            "penalises every parameter, biases included: the penalty sums the squares of the "
            "b's too and the bias gradients are lam * b instead of zeros"
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        penalty += 0.5 * lam * float(np.sum(value ** 2))
        grads[key] = lam * value
    return penalty, grads
''',
    ),
    dict(
        assignment=A,
        function="l2_penalty",
        kind="mistake",
        what=(
            "forgets the factor 1/2 in the penalty: lam * sum(W**2) (twice the right value) "
            "while the gradient lam * W is right, so penalty and gradient disagree"
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    weights = [k for k in params if k.startswith("W")]
    penalty = lam * sum(float((params[k] * params[k]).sum()) for k in weights)
    grads = {k: (lam * v if k in weights else np.zeros_like(v)) for k, v in params.items()}
    return penalty, grads
''',
    ),
    dict(
        assignment=A,
        function="l2_penalty",
        kind="mistake",
        what=(
            "the gradient dict only has the weight keys: the biases are skipped instead of "
            "getting zero arrays, so grads lacks the keys 'b1', 'b2', ..."
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.0
    grads = {}
    for name in params:
        if name.startswith("W"):
            W = params[name]
            penalty += lam / 2 * float(np.sum(W * W))
            grads[name] = lam * W
    return penalty, grads
''',
    ),
    dict(
        assignment=A,
        function="l2_penalty",
        kind="mistake",
        what=(
            "bias gradients are the Python scalar 0 instead of zero arrays of the bias's shape "
            "(np.zeros_like(b))"
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    total = 0.0
    grads = {}
    for key, value in params.items():
        if key.startswith("W"):
            total += np.sum(np.square(value))
            grads[key] = lam * value
        else:
            grads[key] = 0
    return float(0.5 * lam * total), grads
''',
    ),
    # ------------------------------------------------------------------ dropout_forward mistakes
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "mask drawn as rng.random(x.shape) < p: keeps a unit with probability p (p taken "
            "as the keep probability) instead of >= p, dropping with probability p"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) < p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "non-inverted scaling in training: the kept units are multiplied by (1 - p) "
            "instead of divided by it"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = rng.random(x.shape) >= p
    scale = 1 - p
    out = np.where(mask, x * scale, 0).astype(x.dtype)
    return out, (mask, scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "evaluation mode mixes in classic dropout: with train=False it returns x * (1 - p) "
            "instead of x unchanged (inverted dropout already scaled in training)"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train:
        return x * (1 - p), None
    if p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "the rng argument is ignored: a fresh unseeded np.random.default_rng() draws the "
            "mask every time, so a seeded rng does not give its mask (not reproducible)"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    generator = np.random.default_rng()
    mask = generator.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return x * mask * scale, (mask, scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "mask drawn with shape x.shape[1] (one value per feature) and broadcast over the "
            "batch: every sample drops the same units, and the draw is not "
            "rng.random(x.shape)"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape[1]) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * mask * scale, (mask, scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="mistake",
        what=(
            "applies the mask in place (x *= mask * scale) and returns x: the caller's input "
            "array is overwritten with the dropped-out values (in a network this corrupts the "
            "activation's cache, e.g. tanh's and sigmoid's cached a, so the backward pass uses "
            "the wrong values)"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    x *= mask * x.dtype.type(scale)
    return x, (mask, scale)
''',
    ),
    # ------------------------------------------------------------------ dropout_backward mistakes
    dict(
        assignment=A,
        function="dropout_backward",
        kind="mistake",
        what=(
            "forgets the 1/(1 - p) scale in the backward step: dx = dout * mask, while the "
            "forward scaled the kept units"
        ),
        source=DROPOUT_FWD_OK
        + '''

def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    mask, _ = cache
    return dout * mask
''',
    ),
    dict(
        assignment=A,
        function="dropout_backward",
        kind="mistake",
        what=(
            "does not handle the evaluation cache: with cache None (train=False or p = 0) the "
            "unpacking mask, scale = cache raises TypeError instead of returning dout"
        ),
        source=DROPOUT_FWD_OK
        + '''

def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    mask, scale = cache
    return dout * mask * dout.dtype.type(scale)
''',
    ),
    dict(
        assignment=A,
        function="dropout_backward",
        kind="mistake",
        what=(
            "the forward caches (p, rng) instead of the mask and the backward draws a new mask "
            "from the rng: it is a different mask from the forward's (the generator has moved "
            "on), so the gradient flows through the wrong units"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * mask * x.dtype.type(scale), (p, rng)


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    p, rng = cache
    mask = rng.random(dout.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return dout * mask * dout.dtype.type(scale)
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="l2_penalty",
        kind="correct",
        what=(
            "two passes: penalty with np.vdot(W, W) over the 'W' keys (float), gradients by a "
            "dict comprehension with np.zeros_like for the rest"
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    squares = sum(float(np.vdot(v, v)) for k, v in params.items() if k.startswith("W"))
    penalty = 0.5 * lam * squares
    grads = {
        k: (lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in params.items()
    }
    return penalty, grads
''',
    ),
    dict(
        assignment=A,
        function="l2_penalty",
        kind="correct",
        what=(
            "squares summed in float64 with np.einsum over ravelled weights, gradient lam * W "
            "kept in the weight's dtype, zeros (same dtype and shape) for biases"
        ),
        source='''
import numpy as np


def l2_penalty(params, lam):
    """(lam / 2) * sum of squared weights, and its gradient for every key of params."""
    penalty = 0.0
    grads = {}
    for name, value in params.items():
        if name[0] == "W":
            flat = value.ravel().astype(np.float64)
            penalty += 0.5 * lam * float(np.einsum("i,i->", flat, flat))
            grads[name] = (lam * value).astype(value.dtype)
        else:
            grads[name] = np.zeros(value.shape, dtype=value.dtype)
    return penalty, grads
''',
    ),
    dict(
        assignment=A,
        function="dropout_forward",
        kind="correct",
        what=(
            "np.where(keep, x * scale, 0) with scale cast to x's dtype; the cache is the float "
            "mask keep * scale (already scaled), p == 1 guarded"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if train is False or p == 0:
        return x, None
    rng = rng if rng is not None else np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scale = x.dtype.type(0.0 if p >= 1 else 1.0 / (1.0 - p))
    out = np.where(keep, x * scale, x.dtype.type(0))
    return out, keep.astype(x.dtype) * scale


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    return dout * cache
''',
    ),
    dict(
        assignment=A,
        function="dropout_backward",
        kind="correct",
        what=(
            "cache is a dict {'mask', 'p'}; backward recomputes the scale from p and uses "
            "np.where(mask, dout / (1 - p), 0) in dout's dtype"
        ),
        source='''
import numpy as np


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout of x (N, D): (out, cache)."""
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    if p == 1:
        return np.zeros_like(x), {"mask": mask, "p": p}
    out = np.where(mask, x / x.dtype.type(1 - p), x.dtype.type(0))
    return out, {"mask": mask, "p": p}


def dropout_backward(dout, cache):
    """Gradient through dropout: dout (N, D), cache from dropout_forward -> dx (N, D)."""
    if cache is None:
        return dout
    mask, p = cache["mask"], cache["p"]
    if p == 1:
        return np.zeros_like(dout)
    return np.where(mask, dout / dout.dtype.type(1 - p), dout.dtype.type(0))
''',
    ),
    # ------------------------------------------------------------------ classifier
    dict(
        assignment=A,
        function="train_regularized_classifier",
        kind="mistake",
        what=(
            "shifted_copies stacks the images copy by copy (all N images shifted, then all N again, ...) but builds the copies' labels with np.repeat(y, copies) (y0, y0, y0, y0, y1, ...): most shifted images get another image's label, so the network trains on wrong labels (about 68% test accuracy instead of 91%+)"
        ),
        source="""
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)

def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)

def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    sum_exp = np.exp(shifted).sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sum_exp)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n

def l2_penalty(params, lam):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += 0.5 * lam * float(np.sum(value * value))
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * mask * x.dtype.type(scale), (mask, scale)

def dropout_backward(dout, cache):
    if cache is None:
        return dout
    mask, scale = cache
    return dout * mask * dout.dtype.type(scale)

def shifted_copies(X, y, copies, rng):
    images = X.reshape(-1, 28, 28)
    Xs = [X]
    for _ in range(copies):
        moved = np.empty_like(images)
        for i in range(len(images)):
            dy, dx = rng.integers(-2, 3, size=2)
            moved[i] = np.roll(images[i], (dy, dx), axis=(0, 1))
        Xs.append(moved.reshape(len(X), -1))
    return np.concatenate(Xs), np.concatenate([y, np.repeat(y, copies)])

def train_regularized_classifier(X_train, y_train):
    rng = np.random.default_rng(0)
    X, y = shifted_copies(np.asarray(X_train, np.float32), np.asarray(y_train), 4, rng)
    D, H, C = 784, 256, 10
    params = {
        "W1": (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32),
        "b1": np.zeros(H, np.float32),
        "W2": (rng.standard_normal((H, C)) * np.sqrt(2 / H)).astype(np.float32),
        "b2": np.zeros(C, np.float32),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu, p_drop, lam, epochs, bs = 0.05, 0.9, 0.3, 1e-4, 20, 64
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), bs):
            idx = order[start:start + bs]
            z1, c1 = dense_forward(X[idx], params["W1"], params["b1"])
            h = np.maximum(z1, 0)
            h_drop, dcache = dropout_forward(h, p_drop, rng=rng)
            logits, c2 = dense_forward(h_drop, params["W2"], params["b2"])
            _, dlogits = softmax_cross_entropy(logits, y[idx])
            dh, dW2, db2 = dense_backward(dlogits, c2)
            dh = dropout_backward(dh, dcache)
            _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
            _, pen = l2_penalty(params, lam)
            grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
            for k in params:
                velocity[k] = mu * velocity[k] - lr * (grads[k] + pen[k])
                params[k] += velocity[k]
    return params

def predict_regularized(model, X):
    h = np.maximum(np.asarray(X, np.float32) @ model["W1"] + model["b1"], 0)
    h, _ = dropout_forward(h, 0.3, train=False)
    return (h @ model["W2"] + model["b2"]).argmax(axis=1)
""",
    ),
    dict(
        assignment=A,
        function="train_regularized_classifier",
        kind="mistake",
        what=(
            "predict_regularized calls dropout_forward(h, 0.3) in training mode (train defaults to True): at prediction time units are dropped at random and the rest scaled, so predictions are noisy and not reproducible, instead of evaluation mode (no dropout)"
        ),
        source="""
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)

def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)

def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    sum_exp = np.exp(shifted).sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sum_exp)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n

def l2_penalty(params, lam):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += 0.5 * lam * float(np.sum(value * value))
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * mask * x.dtype.type(scale), (mask, scale)

def dropout_backward(dout, cache):
    if cache is None:
        return dout
    mask, scale = cache
    return dout * mask * dout.dtype.type(scale)

def shifted_copies(X, y, copies, rng):
    images = X.reshape(-1, 28, 28)
    Xs, ys = [X], [y]
    for _ in range(copies):
        moved = np.empty_like(images)
        for i in range(len(images)):
            dy, dx = rng.integers(-2, 3, size=2)
            moved[i] = np.roll(images[i], (dy, dx), axis=(0, 1))
        Xs.append(moved.reshape(len(X), -1))
        ys.append(y)
    return np.concatenate(Xs), np.concatenate(ys)

def train_regularized_classifier(X_train, y_train):
    rng = np.random.default_rng(0)
    X, y = shifted_copies(np.asarray(X_train, np.float32), np.asarray(y_train), 4, rng)
    D, H, C = 784, 256, 10
    params = {
        "W1": (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32),
        "b1": np.zeros(H, np.float32),
        "W2": (rng.standard_normal((H, C)) * np.sqrt(2 / H)).astype(np.float32),
        "b2": np.zeros(C, np.float32),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu, p_drop, lam, epochs, bs = 0.05, 0.9, 0.3, 1e-4, 20, 64
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), bs):
            idx = order[start:start + bs]
            z1, c1 = dense_forward(X[idx], params["W1"], params["b1"])
            h = np.maximum(z1, 0)
            h_drop, dcache = dropout_forward(h, p_drop, rng=rng)
            logits, c2 = dense_forward(h_drop, params["W2"], params["b2"])
            _, dlogits = softmax_cross_entropy(logits, y[idx])
            dh, dW2, db2 = dense_backward(dlogits, c2)
            dh = dropout_backward(dh, dcache)
            _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
            _, pen = l2_penalty(params, lam)
            grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
            for k in params:
                velocity[k] = mu * velocity[k] - lr * (grads[k] + pen[k])
                params[k] += velocity[k]
    return params

def predict_regularized(model, X):
    h = np.maximum(np.asarray(X, np.float32) @ model["W1"] + model["b1"], 0)
    h, _ = dropout_forward(h, 0.3)
    return (h @ model["W2"] + model["b2"]).argmax(axis=1)
""",
    ),
    dict(
        assignment=A,
        function="train_regularized_classifier",
        kind="correct",
        what=(
            "784 -> 256 -> 10 ReLU network trained on the 1,000 images plus 4 np.roll-shifted copies each (up to 2 px), inverted dropout 0.3 on the hidden layer, L2 1e-4 via l2_penalty, momentum SGD lr 0.05, 20 epochs of batches of 64; prediction in evaluation mode; about 93-94% test accuracy"
        ),
        source="""
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)

def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)

def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    sum_exp = np.exp(shifted).sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sum_exp)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n

def l2_penalty(params, lam):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += 0.5 * lam * float(np.sum(value * value))
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * mask * x.dtype.type(scale), (mask, scale)

def dropout_backward(dout, cache):
    if cache is None:
        return dout
    mask, scale = cache
    return dout * mask * dout.dtype.type(scale)

def shifted_copies(X, y, copies, rng):
    images = X.reshape(-1, 28, 28)
    Xs, ys = [X], [y]
    for _ in range(copies):
        moved = np.empty_like(images)
        for i in range(len(images)):
            dy, dx = rng.integers(-2, 3, size=2)
            moved[i] = np.roll(images[i], (dy, dx), axis=(0, 1))
        Xs.append(moved.reshape(len(X), -1))
        ys.append(y)
    return np.concatenate(Xs), np.concatenate(ys)

def train_regularized_classifier(X_train, y_train):
    rng = np.random.default_rng(0)
    X, y = shifted_copies(np.asarray(X_train, np.float32), np.asarray(y_train), 4, rng)
    D, H, C = 784, 256, 10
    params = {
        "W1": (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32),
        "b1": np.zeros(H, np.float32),
        "W2": (rng.standard_normal((H, C)) * np.sqrt(2 / H)).astype(np.float32),
        "b2": np.zeros(C, np.float32),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu, p_drop, lam, epochs, bs = 0.05, 0.9, 0.3, 1e-4, 20, 64
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), bs):
            idx = order[start:start + bs]
            z1, c1 = dense_forward(X[idx], params["W1"], params["b1"])
            h = np.maximum(z1, 0)
            h_drop, dcache = dropout_forward(h, p_drop, rng=rng)
            logits, c2 = dense_forward(h_drop, params["W2"], params["b2"])
            _, dlogits = softmax_cross_entropy(logits, y[idx])
            dh, dW2, db2 = dense_backward(dlogits, c2)
            dh = dropout_backward(dh, dcache)
            _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
            _, pen = l2_penalty(params, lam)
            grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
            for k in params:
                velocity[k] = mu * velocity[k] - lr * (grads[k] + pen[k])
                params[k] += velocity[k]
    return params

def predict_regularized(model, X):
    h = np.maximum(np.asarray(X, np.float32) @ model["W1"] + model["b1"], 0)
    h, _ = dropout_forward(h, 0.3, train=False)
    return (h @ model["W2"] + model["b2"]).argmax(axis=1)
""",
    ),
]
