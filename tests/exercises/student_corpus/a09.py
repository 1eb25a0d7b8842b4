"""Student submissions for exercise 09-training (sgd_step, momentum_step, adam_step, train), each with what is wrong in it or how it is right."""

A = "09-training"

SGD_OK = '''
import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in params:
        params[key] -= lr * grads[key]
'''

ENTRIES = [
    # ------------------------------------------------------------------ sgd_step mistakes
    dict(
        assignment=A,
        function="sgd_step",
        kind="mistake",
        what=(
            "params[key] = params[key] - lr * grads[key] rebinds the dict entry to a new array "
            "instead of updating the existing array in place: any other reference to the old "
            "parameter array (a model holding it) keeps the old values"
        ),
        source='''
import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in params:
        params[key] = params[key] - lr * grads[key]
''',
    ),
    dict(
        assignment=A,
        function="sgd_step",
        kind="mistake",
        what=(
            "loops over zip(params.values(), grads.values()) and rebinds the loop variable "
            "p = p - lr * g: nothing is updated at all"
        ),
        source='''
import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for p, g in zip(params.values(), grads.values()):
        p = p - lr * g
''',
    ),
    # ------------------------------------------------------------------ momentum_step mistakes
    dict(
        assignment=A,
        function="momentum_step",
        kind="mistake",
        what=(
            "PyTorch's form v = mu*v + g, theta -= lr*v instead of the notebook's "
            "v = mu*v - lr*g, theta += v: the stored velocity is wrong (no lr, opposite sign), "
            "and from a nonzero earlier velocity the parameter step differs too"
        ),
        source='''
import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        velocity[key] *= momentum
        velocity[key] += grads[key]
        params[key] -= lr * velocity[key]
''',
    ),
    dict(
        assignment=A,
        function="momentum_step",
        kind="mistake",
        what=(
            "the parameters are moved by the old velocity before it is updated (params += v; "
            "then v = mu*v - lr*g): the step uses last step's velocity, the current gradient "
            "only enters at the next step"
        ),
        source='''
import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        params[key] += velocity[key]
        velocity[key] *= momentum
        velocity[key] -= lr * grads[key]
''',
    ),
    dict(
        assignment=A,
        function="momentum_step",
        kind="mistake",
        what=(
            "sign error: v = mu*v + lr*g, then params += v: the parameters climb the gradient "
            "(velocity has the opposite sign)"
        ),
        source='''
import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key, g in grads.items():
        velocity[key][...] = momentum * velocity[key] + lr * g
        params[key] += velocity[key]
''',
    ),
    # ------------------------------------------------------------------ adam_step mistakes
    dict(
        assignment=A,
        function="adam_step",
        kind="mistake",
        what=(
            "no bias correction: the step uses m / (sqrt(v) + eps) instead of "
            "m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
''',
    ),
    dict(
        assignment=A,
        function="adam_step",
        kind="mistake",
        what=(
            "eps inside the square root, sqrt(v_hat + eps), instead of sqrt(v_hat) + eps: "
            "visibly different where v_hat is small (gradients of size ~1e-4 or less)"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key][...] = beta1 * m[key] + (1 - beta1) * g
        v[key][...] = beta2 * v[key] + (1 - beta2) * g ** 2
        m_hat = m[key] / (1 - beta1 ** t)
        v_hat = v[key] / (1 - beta2 ** t)
        params[key] -= lr * m_hat / np.sqrt(v_hat + eps)
''',
    ),
    dict(
        assignment=A,
        function="adam_step",
        kind="mistake",
        what=(
            "the bias-corrected means are written back into m and v (m[key] /= 1 - beta1**t, "
            "v[key] /= 1 - beta2**t): the step itself is right, but the stored running means "
            "are inflated and every later step compounds the correction"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * np.square(g)
        m[key] /= 1 - beta1 ** t
        v[key] /= 1 - beta2 ** t
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
''',
    ),
    dict(
        assignment=A,
        function="adam_step",
        kind="mistake",
        what=(
            "bias correction misparenthesised: divides by (1 - beta1)**t and (1 - beta2)**t "
            "instead of 1 - beta1**t and 1 - beta2**t"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        m[key] *= beta1
        m[key] += (1 - beta1) * grads[key]
        v[key] *= beta2
        v[key] += (1 - beta2) * grads[key] ** 2
        m_hat = m[key] / (1 - beta1) ** t
        v_hat = v[key] / (1 - beta2) ** t
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)
''',
    ),
    # ------------------------------------------------------------------ train mistakes
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "np.random.default_rng(seed) is created inside the epoch loop: every epoch gets "
            "the same permutation instead of a new order from one generator for the whole run"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    N = X.shape[0]
    history = []
    for epoch in range(epochs):
        rng = np.random.default_rng(seed)
        order = rng.permutation(N)
        losses = []
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "drops the last, smaller mini-batch: range(0, N - batch_size + 1, batch_size) "
            "skips the N % batch_size samples at the end of each permutation, so an epoch "
            "does not visit every sample (and N < batch_size trains on nothing)"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    n = len(X)
    epoch_losses = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        batch_losses = []
        for start in range(0, n - batch_size + 1, batch_size):
            batch = perm[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            batch_losses.append(loss)
        epoch_losses.append(float(np.mean(batch_losses)) if batch_losses else float("nan"))
    return epoch_losses
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "X is indexed with the shuffled indices but y with the unshuffled slice "
            "y[start:start + batch_size]: the labels do not belong to the samples of the batch"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        total, count = 0.0, 0
        for start in range(0, len(X), batch_size):
            xb = X[order[start:start + batch_size]]
            yb = y[start:start + batch_size]
            loss, grads = loss_and_grads(xb, yb, params)
            sgd_step(params, grads, lr)
            total += loss
            count += 1
        history.append(total / count)
    return history
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "returns the loss of every mini-batch (one flat list of epochs * batches values) "
            "instead of one mean loss per epoch"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            losses.append(float(loss))
    return losses
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "the seed is ignored: the order comes from the global np.random.permutation, so "
            "the mini-batches are neither those of default_rng(seed) nor reproducible"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    n = X.shape[0]
    history = []
    for _ in range(epochs):
        order = np.random.permutation(n)
        batch_losses = []
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            sgd_step(params, grads, lr)
            batch_losses.append(loss)
        history.append(sum(batch_losses) / len(batch_losses))
    return history
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="mistake",
        what=(
            "the SGD step builds a new dict (params = {k: params[k] - lr * grads[k]}) inside "
            "train: later batches use the local copy, but the caller's params dict and arrays "
            "are never updated"
        ),
        source='''
import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in params:
        params[key] -= lr * grads[key]


def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            params = {k: params[k] - lr * grads[k] for k in params}
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="sgd_step",
        kind="correct",
        what="np.subtract(p, lr * g, out=p) on each array, iterating over params.items()",
        source='''
import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for name, p in params.items():
        np.subtract(p, lr * grads[name], out=p)
''',
    ),
    dict(
        assignment=A,
        function="momentum_step",
        kind="correct",
        what="velocity updated in place with *= and -=, then params += velocity, per key",
        source='''
import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key, p in params.items():
        v = velocity[key]
        v *= momentum
        v -= lr * grads[key]
        p += v
''',
    ),
    dict(
        assignment=A,
        function="momentum_step",
        kind="correct",
        what="new velocity computed out of place, then copied into the existing array with v[...] = ...; params updated with np.add(..., out=)",
        source='''
import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        new_v = momentum * velocity[key] - lr * grads[key]
        velocity[key][...] = new_v
        np.add(params[key], velocity[key], out=params[key])
''',
    ),
    dict(
        assignment=A,
        function="adam_step",
        kind="correct",
        what=(
            "the Adam paper's efficient form: step size lr * sqrt(1 - beta2**t) / (1 - beta1**t) "
            "and eps scaled by sqrt(1 - beta2**t), algebraically identical to the notebook's "
            "bias-corrected update"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    c1 = 1 - beta1 ** t
    c2 = 1 - beta2 ** t
    step_size = lr * np.sqrt(c2) / c1
    eps_hat = eps * np.sqrt(c2)
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * (g * g)
        params[key] -= step_size * m[key] / (np.sqrt(v[key]) + eps_hat)
''',
    ),
    dict(
        assignment=A,
        function="adam_step",
        kind="correct",
        what=(
            "moments written back with m[key][...] = ..., bias-corrected copies m_hat and v_hat "
            "kept separate, update applied with np.subtract(out=)"
        ),
        source='''
import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for name in params:
        g = grads[name]
        m[name][...] = beta1 * m[name] + (1 - beta1) * g
        v[name][...] = beta2 * v[name] + (1 - beta2) * np.square(g)
        m_hat = m[name] / (1 - beta1 ** t)
        v_hat = v[name] / (1 - beta2 ** t)
        np.subtract(params[name], lr * m_hat / (np.sqrt(v_hat) + eps), out=params[name])
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="correct",
        what=(
            "order made with idx = np.arange(N); rng.shuffle(idx) (the same draw as "
            "rng.permutation(N)), batches walked with a while loop, running sum of the batch "
            "losses divided by the number of batches"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    N = len(X)
    means = []
    for epoch in range(epochs):
        idx = np.arange(N)
        rng.shuffle(idx)
        start, total, batches = 0, 0.0, 0
        while start < N:
            sel = idx[start:start + batch_size]
            loss, grads = loss_and_grads(X[sel], y[sel], params)
            sgd_step(params, grads, lr)
            total += float(loss)
            batches += 1
            start += batch_size
        means.append(total / batches)
    return means
''',
    ),
    dict(
        assignment=A,
        function="train",
        kind="correct",
        what=(
            "permutation drawn once per epoch from one generator, batches as a list made with "
            "range(0, N, batch_size) slices, X and y shuffled together with np.take"
        ),
        source=SGD_OK
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    history = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        batches = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        epoch_losses = []
        for b in batches:
            loss, grads = loss_and_grads(np.take(X, b, axis=0), np.take(y, b, axis=0), params)
            sgd_step(params, grads, lr)
            epoch_losses.append(loss)
        history.append(float(np.mean(epoch_losses)))
    return history
''',
    ),
]
