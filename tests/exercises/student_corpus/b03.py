"""Student submissions for 03-one-neuron: neuron_forward, neuron_gradients."""

_FWD = '''
def neuron_forward(X, W, b):
    logits = X @ W + b
    return 0.5 * (1 + np.tanh(0.5 * logits))
'''

ENTRIES = [
    dict(assignment='03-one-neuron', function='neuron_forward', kind='mistake',
         what='Flattens the output with .ravel(): probabilities of shape (N,) instead of (N, 1).',
         source='''
import numpy as np

def neuron_forward(X, W, b):
    z = (X @ W + b).ravel()
    return 0.5 * (1 + np.tanh(z / 2))
'''),
    dict(assignment='03-one-neuron', function='neuron_forward', kind='mistake',
         what='Computes the sigmoid in float64 ("for stability": z.astype(np.float64)) and never '
              'casts back: float32 inputs give float64 probabilities.',
         source='''
import numpy as np

def neuron_forward(X, W, b):
    z = (X @ W + b).astype(np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * z))
'''),
    dict(assignment='03-one-neuron', function='neuron_forward', kind='correct',
         what='Stable sigmoid as exp(-logaddexp(0, -z)), which keeps the dtype and never overflows.',
         source='''
import numpy as np

def neuron_forward(X, W, b):
    z = np.dot(X, W) + b
    return np.exp(-np.logaddexp(0, -z))
'''),
    dict(assignment='03-one-neuron', function='neuron_forward', kind='correct',
         what='Piecewise sigmoid on boolean masks: 1/(1+e^-z) where z >= 0, e^z/(1+e^z) elsewhere, '
              'each branch evaluated only on its own entries.',
         source='''
import numpy as np

def neuron_forward(X, W, b):
    z = X @ W + b
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out
'''),
    dict(assignment='03-one-neuron', function='neuron_gradients', kind='mistake',
         what='db = dlogits.sum() (no axis): a 0-d scalar instead of an array of shape (1,).',
         source='''
import numpy as np
''' + _FWD + '''
def neuron_gradients(X, y, W, b):
    y = y.reshape(-1, 1).astype(X.dtype)
    z = X @ W + b
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    dz = (neuron_forward(X, W, b) - y) / X.shape[0]
    return float(loss), X.T @ dz, dz.sum()
'''),
    dict(assignment='03-one-neuron', function='neuron_gradients', kind='mistake',
         what='Loss from the probabilities, -mean(y log p + (1 - y) log(1 - p)): p rounds to 0 or 1 '
              'for |z| of a few tens (float32) and the loss becomes inf/nan for |z| up to 1e4.',
         source='''
import numpy as np
''' + _FWD + '''
def neuron_gradients(X, y, W, b):
    y = y.reshape(-1, 1).astype(X.dtype)
    p = neuron_forward(X, W, b)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dz = (p - y) / len(X)
    return float(loss), X.T @ dz, np.sum(dz, axis=0)
'''),
    dict(assignment='03-one-neuron', function='neuron_gradients', kind='mistake',
         what='Labels made a column but not cast: integer y mixed into float32 arithmetic promotes '
              'dW and db to float64.',
         source='''
import numpy as np
''' + _FWD + '''
def neuron_gradients(X, y, W, b):
    y = y.reshape(-1, 1)
    z = X @ W + b
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    dz = (neuron_forward(X, W, b) - y) / len(X)
    return float(loss), X.T @ dz, dz.sum(axis=0)
'''),
    dict(assignment='03-one-neuron', function='neuron_gradients', kind='correct',
         what='Loss as mean(logaddexp(0, z) - z * y) (softplus form), gradients with np.einsum.',
         source='''
import numpy as np
''' + _FWD + '''
def neuron_gradients(X, y, W, b):
    yc = y.astype(X.dtype)[:, None]
    z = X @ W + b
    loss = float(np.mean(np.logaddexp(0, z) - z * yc))
    d = (neuron_forward(X, W, b) - yc) / len(X)
    dW = np.einsum("nd,nk->dk", X, d)
    db = np.einsum("nk->k", d)
    return loss, dW, db
'''),
]
