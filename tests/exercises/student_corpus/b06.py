"""Student submissions for 06-losses."""

ENTRIES = [
    dict(assignment='06-losses', function='binary_cross_entropy', kind='mistake',
         what='Gradient not divided by N (dlogits = p - y) while the loss is a mean: fails the '
              '"batch given twice" property and is N times too large.',
         source='''
import numpy as np

def binary_cross_entropy(logits, y):
    y = y.reshape(-1, 1).astype(logits.dtype)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    p = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), p - y
'''),
    dict(assignment='06-losses', function='binary_cross_entropy', kind='mistake',
         what='y used as given: with y of shape (N,) the (N, 1) logits broadcast to (N, N) in both '
              'the loss and dlogits (right only when y already has shape (N, 1)).',
         source='''
import numpy as np

def binary_cross_entropy(logits, y):
    y = y.astype(logits.dtype)
    n = logits.shape[0]
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    p = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), (p - y) / n
'''),
    dict(assignment='06-losses', function='binary_cross_entropy', kind='mistake',
         what='The stable formula with the absolute value dropped: log1p(exp(-z)) instead of '
              'log1p(exp(-|z|)). For every negative logit the loss is too large by |z| (the max(z, 0) '
              'term assumes e^{-|z|}), and it overflows to inf at z = -1e4; dlogits is right.',
         source='''
import numpy as np

def binary_cross_entropy(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-logits)))
    p = 0.5 * (1 + np.tanh(0.5 * logits))
    return float(loss), (p - y) / n
'''),
    dict(assignment='06-losses', function='binary_cross_entropy', kind='correct',
         what='Loss with np.logaddexp(0, z) - z * y, sigmoid as exp(-logaddexp(0, -z)).',
         source='''
import numpy as np

def binary_cross_entropy(logits, y):
    n = logits.shape[0]
    t = np.reshape(y, (n, 1)).astype(logits.dtype)
    loss = np.mean(np.logaddexp(0, logits) - logits * t)
    p = np.exp(-np.logaddexp(0, -logits))
    return float(loss), (p - t) / n
'''),
    dict(assignment='06-losses', function='binary_cross_entropy', kind='correct',
         what='Computes everything in float64 and casts dlogits back to the logits\' dtype.',
         source='''
import numpy as np

def binary_cross_entropy(logits, y):
    z = logits.astype(np.float64)
    t = y.reshape(z.shape).astype(np.float64)
    loss = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
    p = 0.5 * (1 + np.tanh(0.5 * z))
    return float(loss), ((p - t) / len(z)).astype(logits.dtype)
'''),
    dict(assignment='06-losses', function='softmax_cross_entropy', kind='mistake',
         what='Handles integer labels only: one-hot (N, C) labels are used as fancy indices '
              '(log_probs[arange(N), y] with a 2-D y), giving a wrong loss and gradient.',
         source='''
import numpy as np

def softmax_cross_entropy(logits, y):
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1
    return float(loss), d / n
'''),
    dict(assignment='06-losses', function='softmax_cross_entropy', kind='mistake',
         what='Loss as -log(softmax) of the probabilities: a probability that underflows to 0 '
              '(logits 1e4 apart) gives log(0) = -inf and an infinite loss.',
         source='''
import numpy as np

def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    T = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y.astype(logits.dtype)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(T * np.log(p)) / n
    return float(loss), (p - T) / n
'''),
    dict(assignment='06-losses', function='softmax_cross_entropy', kind='mistake',
         what='One-hot targets built with np.zeros((n, c)) (float64): for float32 logits and '
              'integer labels dlogits comes back float64.',
         source='''
import numpy as np

def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    if y.ndim == 1:
        T = np.zeros((n, c))
        T[np.arange(n), y] = 1
    else:
        T = y
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-(T * logp).sum() / n), (np.exp(logp) - T) / n
'''),
    dict(assignment='06-losses', function='softmax_cross_entropy', kind='correct',
         what='Loss per row as logsumexp(z) - z[y] (for integer labels) / -(T * logp) summed '
              '(for one-hot), with np.eye for the targets in the logits\' dtype.',
         source='''
import numpy as np

def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    T = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y.astype(logits.dtype)
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    loss = np.sum(T * (lse - logits)) / n
    p = np.exp(logits - lse)
    return float(loss), (p - T) / n
'''),
    dict(assignment='06-losses', function='softmax_cross_entropy', kind='correct',
         what='Converts one-hot labels to integers with argmax and then works with integer '
              'indices only (valid since the one-hot rows have exactly one 1).',
         source='''
import numpy as np

def softmax_cross_entropy(logits, y):
    labels = y.argmax(axis=1) if y.ndim == 2 else y
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(logp[rows, labels])
    grad = np.exp(logp)
    grad[rows, labels] -= 1
    grad /= n
    return float(loss), grad
'''),
]
