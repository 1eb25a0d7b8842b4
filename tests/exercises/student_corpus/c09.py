"""Student submissions for 09-training: sgd_step, momentum_step, adam_step, train."""

A = "09-training"

_SGD = '''import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in params:
        params[key] -= lr * grads[key]
'''

ENTRIES = [
    # ----------------------------------------------------------------- sgd_step
    {
        "assignment": A,
        "function": "sgd_step",
        "kind": "mistake",
        "what": (
            "params[key] = params[key] - lr * grads[key]: computes the right new values but "
            "binds new arrays into the dict instead of updating the arrays in place, so any "
            "other reference to a parameter array (a model holding it, the caller's variable) "
            "still sees the old values. Shows whenever the original arrays are inspected after "
            "the step and the gradient is not zero (with a zero gradient the values agree, but "
            "the dict's arrays are still replaced by new ones)."
        ),
        "source": '''import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in params:
        params[key] = params[key] - lr * grads[key]
''',
    },
    {
        "assignment": A,
        "function": "sgd_step",
        "kind": "mistake",
        "what": (
            "Updates in place correctly but ends with 'return params' (functional habit): the "
            "contract says the step returns nothing (None). The parameters themselves are right."
        ),
        "source": '''import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for name, value in params.items():
        value -= lr * grads[name]
    return params
''',
    },
    {
        "assignment": A,
        "function": "sgd_step",
        "kind": "correct",
        "what": (
            "np.subtract(p, lr * g, out=p) for each key: an explicit in-place ufunc call, "
            "returns None; dtype of each parameter kept."
        ),
        "source": '''import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key, p in params.items():
        np.subtract(p, lr * grads[key], out=p)
''',
    },
    # ------------------------------------------------------------ momentum_step
    {
        "assignment": A,
        "function": "momentum_step",
        "kind": "mistake",
        "what": (
            "PyTorch's form, v <- mu v + g and theta <- theta - lr v, which the notebook warns "
            "against: the stored velocity is g-scaled, not lr-scaled. After the first step from "
            "v = 0 the parameters agree but the velocity is g instead of -lr g; from a non-zero "
            "velocity (later steps) both velocity and parameters differ."
        ),
        "source": '''import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        velocity[key] *= momentum
        velocity[key] += grads[key]
        params[key] -= lr * velocity[key]
''',
    },
    {
        "assignment": A,
        "function": "momentum_step",
        "kind": "mistake",
        "what": (
            "Wrong order: moves the parameters by the old velocity first (params += velocity) "
            "and only then updates the velocity. On the first step from v = 0 the parameters do "
            "not move at all; from a non-zero velocity they move by the previous step's "
            "velocity. The velocity itself is right."
        ),
        "source": '''import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        params[key] += velocity[key]
        velocity[key] *= momentum
        velocity[key] -= lr * grads[key]
''',
    },
    {
        "assignment": A,
        "function": "momentum_step",
        "kind": "mistake",
        "what": (
            "Hard-codes the momentum 0.9 (velocity[key] *= 0.9) and ignores the momentum "
            "argument: right with the default, wrong whenever another momentum (0.5, 0.99, 0) "
            "is passed and the velocity is non-zero."
        ),
        "source": '''import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for k in params:
        velocity[k] *= 0.9
        velocity[k] -= lr * grads[k]
        params[k] += velocity[k]
''',
    },
    {
        "assignment": A,
        "function": "momentum_step",
        "kind": "correct",
        "what": (
            "The same update with explicit in-place ufuncs (np.multiply(v, momentum, out=v), "
            "np.subtract(v, lr * g, out=v), np.add(p, v, out=p)); both dicts' arrays updated in "
            "place, returns None."
        ),
        "source": '''import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key, p in params.items():
        v = velocity[key]
        np.multiply(v, momentum, out=v)
        np.subtract(v, lr * grads[key], out=v)
        np.add(p, v, out=p)
''',
    },
    # ---------------------------------------------------------------- adam_step
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "mistake",
        "what": (
            "No bias correction: theta -= lr * m / (sqrt(v) + eps) with the raw moments. The "
            "moments m and v are right, the parameter step is wrong, most at the first steps "
            "(at t = 1 the step is lr * 0.1 g / (0.0316 |g|) ~ 3.16 lr instead of lr)."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g ** 2
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
''',
    },
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "mistake",
        "what": (
            "Puts eps inside the square root, sqrt(v_hat + eps), instead of adding it after. "
            "With eps = 1e-8 that adds 1e-4 to the denominator's scale: invisible for gradients "
            "of order 1, but for small gradients (|g| around 1e-4 or below) the step is much "
            "smaller than lr. Moments are right."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** t)
        v_hat = v[key] / (1 - beta2 ** t)
        params[key] -= lr * m_hat / np.sqrt(v_hat + eps)
''',
    },
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "mistake",
        "what": (
            "Applies the bias correction in place on the stored moments (m[key] /= 1 - beta1**t, "
            "v[key] /= 1 - beta2**t) and uses them for the step: the first step's parameters are "
            "right, but the moments the caller keeps are the corrected ones, so m and v are wrong "
            "after every step and every later step (t >= 2) is wrong too."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m[key] /= 1 - beta1 ** t
        v[key] /= 1 - beta2 ** t
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
''',
    },
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "correct",
        "what": (
            "PyTorch-like structure: the bias corrections computed once per call, the moments "
            "updated with slice assignment (m[key][...] = ...) and the parameter with "
            "p[...] = p - step, all in place on the caller's arrays; same values."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    bias1 = 1 - beta1 ** t
    bias2 = 1 - beta2 ** t
    for name, p in params.items():
        g = grads[name]
        m[name][...] = beta1 * m[name] + (1 - beta1) * g
        v[name][...] = beta2 * v[name] + (1 - beta2) * (g * g)
        denom = np.sqrt(v[name] / bias2) + eps
        p[...] = p - lr * (m[name] / bias1) / denom
''',
    },
    # -------------------------------------------------------------------- train
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Shuffles with NumPy's global generator (np.random.permutation) and never uses the "
            "seed: the mini-batches are not those of np.random.default_rng(seed), two runs with "
            "the same seed see different batches, and the result depends on the global random "
            "state."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    history = []
    for epoch in range(epochs):
        order = np.random.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Creates rng = np.random.default_rng(seed) inside the epoch loop: every epoch "
            "replays the same permutation instead of a new order. The first epoch is right; "
            "from the second epoch on (epochs >= 2) the mini-batches, the parameters and the "
            "losses differ."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    history = []
    n = X.shape[0]
    for _ in range(epochs):
        rng = np.random.default_rng(seed)
        perm = rng.permutation(n)
        epoch_losses = []
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            sgd_step(params, grads, lr)
            epoch_losses.append(loss)
        history.append(sum(epoch_losses) / len(epoch_losses))
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Iterates over range(len(X) // batch_size) full batches only: when N is not a "
            "multiple of batch_size the last, smaller mini-batch is dropped, so those samples are "
            "never trained on in that epoch (fewer steps, different parameters and losses). "
            "Right when batch_size divides N."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for k in range(n_batches):
            batch = order[k * batch_size:(k + 1) * batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            total += loss
        history.append(total / n_batches)
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Splits the permutation with np.array_split(order, ceil(N / batch_size)): that gives "
            "the right number of batches but of nearly equal sizes, not batch_size samples each "
            "with a smaller last one (N = 10, batch_size = 4 gives 4, 3, 3 instead of 4, 4, 2). "
            "Right when batch_size divides N, and whenever the equal split happens to coincide "
            "(N = 9, batch_size = 2 gives 2, 2, 2, 2, 1 either way)."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    n_batches = int(np.ceil(len(X) / batch_size))
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        losses = []
        for batch in np.array_split(order, n_batches):
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Shuffles the samples and the labels with two separate permutations "
            "(X[rng.permutation(N)], y[rng.permutation(N)]): every epoch trains on samples paired "
            "with other samples' labels. Wrong batches, parameters and losses on every input "
            "with N > 1."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        X_shuffled = X[rng.permutation(len(X))]
        y_shuffled = y[rng.permutation(len(y))]
        losses = []
        for start in range(0, len(X), batch_size):
            Xb = X_shuffled[start:start + batch_size]
            yb = y_shuffled[start:start + batch_size]
            loss, grads = loss_and_grads(Xb, yb, params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Records only the loss of each epoch's last mini-batch (history.append(loss) after "
            "the inner loop) instead of the mean of the epoch's mini-batch losses. Batches and "
            "parameters are right; the returned losses are wrong whenever an epoch has more than "
            "one mini-batch."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
        history.append(float(loss))
    return history
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "correct",
        "what": (
            "Shuffles an index array in place with rng.shuffle(np.arange(N)) (the same draw as "
            "rng.permutation(N)) and walks it with a while loop; the epoch's loss is "
            "sum / count of the mini-batch losses. Same batches, steps and history."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    history = []
    for epoch in range(epochs):
        idx = np.arange(N)
        rng.shuffle(idx)
        start, total, count = 0, 0.0, 0
        while start < N:
            batch = idx[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            total += float(loss)
            count += 1
            start += batch_size
        history.append(total / count)
    return history
''',
    },
]

ENTRIES += [
    {
        "assignment": A,
        "function": "sgd_step",
        "kind": "mistake",
        "what": (
            "Sign error: params[key] += lr * grads[key], a step up the gradient (gradient "
            "ascent). In place and returns None, but the parameters move the wrong way whenever "
            "the gradient is not zero."
        ),
        "source": '''import numpy as np


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: params[key] -= lr * grads[key] for every key."""
    for key in grads:
        params[key] += lr * grads[key]
''',
    },
    {
        "assignment": A,
        "function": "momentum_step",
        "kind": "mistake",
        "what": (
            "Stores the velocity with the opposite sign, v <- mu v + lr g and theta <- theta - v "
            "(the 'CS229' convention): the parameters follow exactly the same path as the "
            "contract's update, but the velocity dict holds -v instead of v, so the velocity "
            "after a step is wrong whenever the gradient or the incoming velocity is not zero "
            "(and a velocity handed over in the contract's convention is applied backwards)."
        ),
        "source": '''import numpy as np


def momentum_step(params, grads, velocity, lr, momentum=0.9):
    """SGD with momentum, in place: velocity[key] = momentum * velocity[key] - lr * grads[key],
    then params[key] += velocity[key], for every key."""
    for key in params:
        velocity[key] *= momentum
        velocity[key] += lr * grads[key]
        params[key] -= velocity[key]
''',
    },
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "mistake",
        "what": (
            "Treats t as zero-based and corrects with 1 - beta**(t + 1): the moments are right "
            "but every step uses the bias correction of the next step (at t = 1 the step is "
            "about 0.74 lr instead of lr); the error fades only for large t."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    step = t + 1
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * np.square(g)
        m_hat = m[key] / (1 - beta1 ** step)
        v_hat = v[key] / (1 - beta2 ** step)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)
''',
    },
    {
        "assignment": A,
        "function": "adam_step",
        "kind": "mistake",
        "what": (
            "Applies the second moment's bias correction after the square root without taking "
            "its square root: sqrt(v) / (1 - beta2**t) instead of sqrt(v / (1 - beta2**t)). "
            "The moments are right; the step is wrong at every t (at t = 1 about 0.03 lr "
            "instead of lr), converging to the right one only for very large t."
        ),
        "source": '''import numpy as np


def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1), in place on params, m and v."""
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** t)
        denom = np.sqrt(v[key]) / (1 - beta2 ** t) + eps
        params[key] -= lr * m_hat / denom
''',
    },
    {
        "assignment": A,
        "function": "train",
        "kind": "mistake",
        "what": (
            "Does its own update on a copy instead of calling sgd_step on params: "
            "params = {k: params[k] - lr * grads[k] for k in params} rebinds the local name, so "
            "training proceeds on new arrays inside the function (the history is right) but the "
            "caller's params are never updated."
        ),
        "source": _SGD
        + '''

def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    """Mini-batch SGD on (X, y) for some epochs; returns each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            params = {k: params[k] - lr * grads[k] for k in params}
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
''',
    },
]
