r"""The six trainers that ``bench_training.py`` times, each on the same 784-H-10 network.

Every trainer starts from nnlib's initial weights (:func:`_initial_params`), trains with plain
SGD at :data:`LEARNING_RATE` on the data it is given (all but the last, which only multiplies),
and returns the seconds of each timed epoch, after one warm-up epoch that is not timed:

* :func:`train_nnlib`: :func:`nnlib.training.fit`;
* :func:`train_plain_numpy`: :func:`plain_numpy_epochs`, the loop a careful NumPy programmer
  would write by hand, the lower bound nnlib aims at;
* :func:`train_torch`: PyTorch's idiomatic loop (on CUDA when the benchmark runs on CuPy);
* :func:`train_sklearn`: scikit-learn's ``MLPClassifier``;
* :func:`train_products`: the network's matrix products alone, batch by batch, which no trainer
  on the same BLAS can go below: what is left of a trainer's time is everything else.

:func:`paired_steps` times a step of nnlib and one of the loop in pairs, on the same batches.

Shapes: N samples of D = 784 pixels, H hidden units, C = 10 classes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from nnlib import backend
from nnlib.backend import synchronize

LEARNING_RATE = 0.05
#: Steps in each chunk of :func:`paired_steps`.
CHUNK_STEPS = 50


def _initial_params(hidden: int) -> dict[str, np.ndarray]:
    """nnlib's initial weights of the 784-H-10 network, on the host, for everybody to start from."""
    from nnlib.network import MLP

    model = MLP([784, hidden, 10], seed=0, backend="numpy")
    return {name: value.copy() for name, value in model.params.items()}


def train_nnlib(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """Seconds of each epoch of :func:`nnlib.training.fit` (after one warm-up epoch)."""
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import fit

    model = MLP([784, hidden, 10], seed=0, backend=xp.__name__)
    history = fit(
        model,
        X,
        y,
        epochs=epochs + 1,
        batch_size=batch_size,
        optimizer=SGD(LEARNING_RATE),
        progress=False,
        train_eval_size=1000,
    )
    return history.epoch_seconds[1:]


def plain_numpy_epochs(X, y, params, batch_size, epochs, xp) -> list[float]:
    """Train ``params`` (W1, b1, W2, b2) in place by a hand-written loop; seconds per epoch.

    What a careful NumPy programmer would type: no checks, no dictionaries of gradients, no
    gradient with respect to the input. Each step is a call of :func:`plain_numpy_step`, so
    that the steps part times the very step the epochs take; one function call is nothing
    beside a step's matrix products.
    """
    X = backend.asarray(X, xp, dtype=params["W1"].dtype)
    y = backend.asarray(y, xp)
    N = X.shape[0]
    rng = np.random.default_rng(0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = backend.asarray(rng.permutation(N), xp)
        for i in range(0, N, batch_size):
            plain_numpy_step(X, y, order[i : i + batch_size], params, xp)
        synchronize(xp)
        times.append(time.perf_counter() - start)
    return times


def plain_numpy_step(X, y, idx, params, xp) -> None:
    """One step of the hand-written loop on the rows ``idx``; ``params`` (W1, b1, W2, b2)
    change in place."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    x, t = X[idx], y[idx]
    n = x.shape[0]
    z1 = x @ W1 + b1
    h = xp.maximum(z1, 0)
    logits = h @ W2 + b2
    logits -= logits.max(axis=1, keepdims=True)
    probs = xp.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    probs[xp.arange(n), t] -= 1  # d(mean loss)/d(logits), times n
    dlogits = probs / n
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dz1 = dlogits @ W2.T
    dz1 *= z1 > 0
    dW1 = x.T @ dz1
    db1 = dz1.sum(axis=0)
    W1 -= LEARNING_RATE * dW1
    b1 -= LEARNING_RATE * db1
    W2 -= LEARNING_RATE * dW2
    b2 -= LEARNING_RATE * db2


def nnlib_step(model, optimizer, X, y, idx) -> None:
    """One step of nnlib on the rows ``idx``, as :func:`nnlib.training.fit` takes it."""
    _, grads = model.loss_and_grads(X[idx], y[idx])
    optimizer.step(model.params, grads)


def paired_steps(X, y, hidden, batch_size, chunks, xp, chunk_steps=CHUNK_STEPS):
    """Microseconds per step of nnlib (:func:`nnlib_step`) and of the loop
    (:func:`plain_numpy_step`), measured in pairs on the same batches.

    Each of the ``chunks`` chunks draws ``chunk_steps`` batches of random rows and runs them
    through one trainer, then through the other, which of the two first alternating. The two
    times of a chunk are a fraction of a second apart, so a slow spell of the machine falls on
    both: their ratio resolves differences of a percent that the fastest epochs of separate
    runs cannot.
    One warm-up chunk is not timed.

    Returns
    -------
    nnlib, loop : ndarray of shape (chunks,)
        The mean time of a step in each chunk, in microseconds.
    """
    from nnlib.network import MLP
    from nnlib.optim import SGD

    model = MLP([784, hidden, 10], seed=0, backend=xp.__name__)
    optimizer = SGD(LEARNING_RATE)
    params = _plain_params(hidden, xp)
    X = backend.asarray(X, xp, dtype=model.dtype)
    y = backend.asarray(y, xp)
    rng = np.random.default_rng(0)
    steps = {
        "nnlib": lambda idx: nnlib_step(model, optimizer, X, y, idx),
        "loop": lambda idx: plain_numpy_step(X, y, idx, params, xp),
    }
    micros: dict[str, list[float]] = {"nnlib": [], "loop": []}
    for chunk in range(chunks + 1):
        batches = [backend.asarray(rng.integers(0, X.shape[0], batch_size), xp)
                   for _ in range(chunk_steps)]  # fmt: skip
        for name in ("nnlib", "loop") if chunk % 2 else ("loop", "nnlib"):
            start = time.perf_counter()
            for idx in batches:
                steps[name](idx)
            synchronize(xp)
            if chunk:  # the first chunk warms both up
                micros[name].append((time.perf_counter() - start) / chunk_steps * 1e6)
    return np.array(micros["nnlib"]), np.array(micros["loop"])


def _plain_params(hidden: int, xp) -> dict:
    """The loop's own copy of the initial weights, on the backend ``xp``."""
    return {k: backend.asarray(v, xp) for k, v in _initial_params(hidden).items()}


def train_plain_numpy(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """Seconds of each epoch of :func:`plain_numpy_epochs` (after one warm-up epoch)."""
    return plain_numpy_epochs(X, y, _plain_params(hidden, xp), batch_size, epochs + 1, xp)[1:]


def train_torch(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """PyTorch's idiomatic loop: nn.Linear layers, CrossEntropyLoss, optim.SGD."""
    import torch

    device = "cuda" if xp.__name__ == "cupy" and torch.cuda.is_available() else "cpu"
    init = _initial_params(hidden)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )
    with torch.no_grad():  # nn.Linear stores W transposed: (out, in)
        model[0].weight.copy_(torch.from_numpy(init["W1"].T))
        model[0].bias.copy_(torch.from_numpy(init["b1"]))
        model[2].weight.copy_(torch.from_numpy(init["W2"].T))
        model[2].bias.copy_(torch.from_numpy(init["b2"]))
    model.to(device)
    Xt = torch.from_numpy(backend.to_numpy(X)).to(device)
    yt = torch.from_numpy(backend.to_numpy(y)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator(device="cpu").manual_seed(0)
    N = Xt.shape[0]
    times = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(N, generator=generator).to(device)
        for i in range(0, N, batch_size):
            idx = order[i : i + batch_size]
            loss = loss_fn(model(Xt[idx]), yt[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times[1:]


def train_sklearn(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """scikit-learn's MLPClassifier with plain SGD; one ``partial_fit`` call per epoch."""
    import warnings

    from sklearn.neural_network import MLPClassifier

    X = backend.to_numpy(X)
    y = backend.to_numpy(y)
    model = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=LEARNING_RATE,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=True,
        random_state=0,
    )
    times = []
    classes = np.arange(10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs + 1):
            start = time.perf_counter()
            model.partial_fit(X, y, classes=classes)
            times.append(time.perf_counter() - start)
    return times[1:]


def product_epochs(X, hidden, batch_size, epochs, xp) -> list[float]:
    """Seconds per epoch of the five matrix products of every training step, and nothing else.

    The products of ``bench_training.epoch_flops``, of the shapes a step has: the forward
    products of both layers, the input gradient of the second and the weight gradients of both.
    No activation, loss, bias or update: the values do not matter to the time of a product.
    """
    init = _initial_params(hidden)
    W1, W2 = backend.asarray(init["W1"], xp), backend.asarray(init["W2"], xp)
    X = backend.asarray(X, xp, dtype=W1.dtype)
    N = X.shape[0]
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for i in range(0, N, batch_size):
            x = X[i : i + batch_size]
            h = x @ W1  # (n, H), standing for the hidden activations
            dlogits = h @ W2  # (n, 10), standing for the logits' gradient
            dh = dlogits @ W2.T
            h.T @ dlogits  # dW2
            x.T @ dh  # dW1
        synchronize(xp)
        times.append(time.perf_counter() - start)
    return times


def train_products(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """Seconds of each epoch of :func:`product_epochs` (after one warm-up epoch)."""
    return product_epochs(X, hidden, batch_size, epochs + 1, xp)[1:]


def train_nnlib_cpu(X, y, hidden, batch_size, epochs, xp) -> list[float]:
    """:func:`train_nnlib` on NumPy, whatever the benchmark's backend."""
    return train_nnlib(X, y, hidden, batch_size, epochs, np)


TRAINERS: dict[str, Callable[..., list[float]]] = {
    "nnlib": train_nnlib,
    "nnlib-cpu": train_nnlib_cpu,
    "numpy": train_plain_numpy,
    "torch": train_torch,
    "sklearn": train_sklearn,
    "products": train_products,
}
