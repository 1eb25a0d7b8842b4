"""Student submissions for exercise 11-mnist-classifier, each with what is wrong in it or how it is right."""

ENTRIES = [
    dict(
        assignment="11-mnist-classifier",
        function="train_mnist_classifier",
        kind="mistake",
        what=(
            "predict_mnist returns argmax(axis=1, keepdims=True), shape (N, 1) instead of (N,): compared with labels of shape (N,) it broadcasts to an (N, N) matrix; training is fine"
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

def logits_of(params, X):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    return h @ params["W2"] + params["b2"]

def train_mnist_classifier(X_train, y_train):
    rng = np.random.default_rng(0)
    X = np.asarray(X_train, dtype=np.float32)
    D, H, C = X.shape[1], 128, 10
    params = {
        "W1": (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32),
        "b1": np.zeros(H, np.float32),
        "W2": (rng.standard_normal((H, C)) * np.sqrt(2 / H)).astype(np.float32),
        "b2": np.zeros(C, np.float32),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu, epochs, bs = 0.05, 0.9, 5, 64
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), bs):
            idx = order[start:start + bs]
            z1, c1 = dense_forward(X[idx], params["W1"], params["b1"])
            h = np.maximum(z1, 0)
            logits, c2 = dense_forward(h, params["W2"], params["b2"])
            _, dlogits = softmax_cross_entropy(logits, y_train[idx])
            dh, dW2, db2 = dense_backward(dlogits, c2)
            _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
            grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
            for k in params:
                velocity[k] = mu * velocity[k] - lr * grads[k]
                params[k] += velocity[k]
    return params

def predict_mnist(model, X):
    return logits_of(model, np.asarray(X, dtype=np.float32)).argmax(axis=1, keepdims=True)
""",
    ),
    dict(
        assignment="11-mnist-classifier",
        function="train_mnist_classifier",
        kind="correct",
        what=(
            "784 -> 128 -> 10 ReLU network, He initialisation, momentum SGD (lr 0.05, mu 0.9, velocity rebuilt out of place), 5 epochs of batches of 64; about 97% test accuracy"
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

def logits_of(params, X):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    return h @ params["W2"] + params["b2"]

def train_mnist_classifier(X_train, y_train):
    rng = np.random.default_rng(0)
    X = np.asarray(X_train, dtype=np.float32)
    D, H, C = X.shape[1], 128, 10
    params = {
        "W1": (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32),
        "b1": np.zeros(H, np.float32),
        "W2": (rng.standard_normal((H, C)) * np.sqrt(2 / H)).astype(np.float32),
        "b2": np.zeros(C, np.float32),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu, epochs, bs = 0.05, 0.9, 5, 64
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), bs):
            idx = order[start:start + bs]
            z1, c1 = dense_forward(X[idx], params["W1"], params["b1"])
            h = np.maximum(z1, 0)
            logits, c2 = dense_forward(h, params["W2"], params["b2"])
            _, dlogits = softmax_cross_entropy(logits, y_train[idx])
            dh, dW2, db2 = dense_backward(dlogits, c2)
            _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
            grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
            for k in params:
                velocity[k] = mu * velocity[k] - lr * grads[k]
                params[k] += velocity[k]
    return params

def predict_mnist(model, X):
    return logits_of(model, np.asarray(X, dtype=np.float32)).argmax(axis=1)
""",
    ),
]
