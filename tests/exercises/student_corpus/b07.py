"""Student submissions for 07-backprop: dense_backward, loss_and_grads."""

_DENSE = '''
def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
'''

ENTRIES = [
    dict(assignment='07-backprop', function='dense_backward', kind='mistake',
         what='db summed over the wrong axis (axis=1): shape (N,) instead of (M,).',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
'''),
    dict(assignment='07-backprop', function='dense_backward', kind='mistake',
         what='Averages over the batch again (dW = x.T @ dout / N, db = mean): the 1/N already sits '
              'in dout (from the loss), so dW and db are N times too small.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    n = x.shape[0]
    return dout @ W.T, x.T @ dout / n, dout.mean(axis=0)
'''),
    dict(assignment='07-backprop', function='dense_backward', kind='mistake',
         what='dx written as W @ dout.T: the right numbers but transposed, shape (D, N) instead '
              'of (N, D) (square when N == D, then silently wrong values).',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return W @ dout.T, x.T @ dout, dout.sum(axis=0)
'''),
    dict(assignment='07-backprop', function='dense_backward', kind='correct',
         what='np.einsum for all three gradients.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db
'''),
    dict(assignment='07-backprop', function='dense_backward', kind='correct',
         what='Sum of per-sample outer products for dW in a loop (np.outer), dx with np.dot.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    for n in range(x.shape[0]):
        dW += np.outer(x[n], dout[n])
    return np.dot(dout, W.T), dW, np.sum(dout, axis=0)
'''),
    dict(assignment='07-backprop', function='loss_and_grads', kind='mistake',
         what='The loss picks log_probs[:, y] (columns) instead of log_probs[arange(N), y]: the '
              'mean over an (N, N) block, a wrong loss (the gradients are right).',
         source='''
import numpy as np
''' + _DENSE + '''
def loss_and_grads(X, y, params):
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, c2 = dense_forward(h, params["W2"], params["b2"])
    n = len(X)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[:, y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1
    d /= n
    dh, dW2, db2 = dense_backward(d, c2)
    _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''),
    dict(assignment='07-backprop', function='loss_and_grads', kind='mistake',
         what='dlogits = p - T without the 1/N while the loss is the mean: every gradient N times '
              'too large.',
         source='''
import numpy as np
''' + _DENSE + '''
def loss_and_grads(X, y, params):
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, c2 = dense_forward(h, params["W2"], params["b2"])
    n = len(X)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1
    dh, dW2, db2 = dense_backward(d, c2)
    _, dW1, db1 = dense_backward(dh * (z1 > 0), c1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''),
    dict(assignment='07-backprop', function='loss_and_grads', kind='mistake',
         what='The ReLU mask taken from the upstream gradient (dh * (dh > 0)) instead of from the '
              'pre-activation (dh * (z1 > 0)): keeps positive gradients of dead units, drops negative '
              'gradients of live ones.',
         source='''
import numpy as np
''' + _DENSE + '''
def loss_and_grads(X, y, params):
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, c2 = dense_forward(h, params["W2"], params["b2"])
    n = len(X)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1
    d /= n
    dh, dW2, db2 = dense_backward(d, c2)
    dz1 = dh * (dh > 0)
    _, dW1, db1 = dense_backward(dz1, c1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''),
    dict(assignment='07-backprop', function='loss_and_grads', kind='correct',
         what='ReLU mask from the activations (h > 0, the same as z1 > 0), one-hot targets with '
              'np.eye in X\'s dtype, loss as mean of logsumexp minus the true logit.',
         source='''
import numpy as np
''' + _DENSE + '''
def loss_and_grads(X, y, params):
    z1, c1 = dense_forward(X, params["W1"], params["b1"])
    h = np.maximum(z1, 0)
    logits, c2 = dense_forward(h, params["W2"], params["b2"])
    n, c = logits.shape
    T = np.eye(c, dtype=logits.dtype)[y]
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    loss = float(np.mean(lse[:, 0] - logits[np.arange(n), y]))
    dlogits = (np.exp(logits - lse) - T) / n
    dh, dW2, db2 = dense_backward(dlogits, c2)
    _, dW1, db1 = dense_backward(dh * (h > 0), c1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''),
    dict(assignment='07-backprop', function='loss_and_grads', kind='correct',
         what='Everything inline without dense_forward/backward helpers, gradients built in the '
              'order W2, b2, W1, b1 and returned in a dict of that order.',
         source='''
import numpy as np

def loss_and_grads(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2 + b2
    z2 = z2 - np.max(z2, axis=1, keepdims=True)
    logp = z2 - np.log(np.sum(np.exp(z2), axis=1, keepdims=True))
    loss = -np.sum(logp[np.arange(n), y]) / n
    dz2 = np.exp(logp)
    dz2[np.arange(n), y] -= 1
    dz2 /= n
    grads = {"W2": h.T @ dz2, "b2": dz2.sum(axis=0)}
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    grads["W1"] = X.T @ dz1
    grads["b1"] = dz1.sum(axis=0)
    return float(loss), grads
'''),
]
