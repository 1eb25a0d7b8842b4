"""Student submissions for 09-training: sgd_step, momentum_step, adam_step, train."""

_SGD = '''
def sgd_step(params, grads, lr):
    for key in params:
        params[key] -= lr * grads[key]
'''

ENTRIES = [
    # ---------------------------------------------------------------- sgd_step
    dict(assignment='09-training', function='sgd_step', kind='mistake',
         what='Rebinds instead of updating in place: params[key] = params[key] - lr * grads[key] '
              'puts a new array in the dict; the arrays the caller (or a model) still holds keep '
              'their old values.',
         source='''
import numpy as np

def sgd_step(params, grads, lr):
    for key in params:
        params[key] = params[key] - lr * grads[key]
'''),
    dict(assignment='09-training', function='sgd_step', kind='mistake',
         what='Assigns to the loop variable: "p = p - lr * g" over params.items() changes nothing '
              'at all; the parameters are never updated.',
         source='''
import numpy as np

def sgd_step(params, grads, lr):
    for key, p in params.items():
        p = p - lr * grads[key]
'''),
    dict(assignment='09-training', function='sgd_step', kind='mistake',
         what='Updates in place correctly but returns the params dict, where the contract says the '
              'function returns nothing (None).',
         source='''
import numpy as np

def sgd_step(params, grads, lr):
    for key in params:
        params[key] -= lr * grads[key]
    return params
'''),
    dict(assignment='09-training', function='sgd_step', kind='correct',
         what='np.subtract(p, lr * g, out=p) over params.items(): in place through the out= argument.',
         source='''
import numpy as np

def sgd_step(params, grads, lr):
    for name, p in params.items():
        np.subtract(p, lr * grads[name], out=p)
'''),
    dict(assignment='09-training', function='sgd_step', kind='correct',
         what='Slice assignment params[key][...] = params[key] - lr * grads[key]: writes into the '
              'existing array (a temporary is made, but the identity of the array is kept).',
         source='''
import numpy as np

def sgd_step(params, grads, lr):
    for key in grads:
        params[key][...] = params[key] - lr * grads[key]
'''),
    # ---------------------------------------------------------------- momentum_step
    dict(assignment='09-training', function='momentum_step', kind='mistake',
         what='PyTorch\'s form v = mu * v + g, theta -= lr * v: the parameters move alike from a '
              'zero velocity but the stored velocity lacks the factor -lr, so velocity is wrong from '
              'the first step and later steps (from a velocity of earlier steps) differ.',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] *= momentum
        velocity[key] += grads[key]
        params[key] -= lr * velocity[key]
'''),
    dict(assignment='09-training', function='momentum_step', kind='mistake',
         what='Wrong order: moves the parameters by the old velocity, then updates the velocity, '
              'so each step applies the previous step\'s velocity (no move at all on the first step).',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        params[key] += velocity[key]
        velocity[key] *= momentum
        velocity[key] -= lr * grads[key]
'''),
    dict(assignment='09-training', function='momentum_step', kind='mistake',
         what='Hard-codes 0.9 inside instead of using the momentum argument: right with the default, '
              'wrong for any other momentum.',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] *= 0.9
        velocity[key] -= lr * grads[key]
        params[key] += velocity[key]
'''),
    dict(assignment='09-training', function='momentum_step', kind='mistake',
         what='Sign error: v = mu * v + lr * g then theta += v: the parameters climb the gradient.',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] + lr * grads[key]
        params[key] += velocity[key]
'''),
    dict(assignment='09-training', function='momentum_step', kind='correct',
         what='One-line in-place forms with out=: np.multiply(v, momentum, out=v), then '
              'v -= lr * g and p += v, iterating over grads.',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key, g in grads.items():
        v = velocity[key]
        np.multiply(v, momentum, out=v)
        v -= lr * g
        params[key] += v
'''),
    dict(assignment='09-training', function='momentum_step', kind='correct',
         what='Slice assignment velocity[key][:] = momentum * velocity[key] - lr * grads[key], then '
              'params[key] += velocity[key].',
         source='''
import numpy as np

def momentum_step(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key][:] = momentum * velocity[key] - lr * grads[key]
        params[key] += velocity[key]
'''),
    # ---------------------------------------------------------------- adam_step
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='Bias correction done in place on the stored means (m[key] /= 1 - beta1**t, '
              'v[key] /= 1 - beta2**t): the first parameter step is right, but m and v keep the '
              'corrected values, so the state is wrong and every later step is off.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g ** 2
        m[key] /= 1 - beta1 ** t
        v[key] /= 1 - beta2 ** t
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='eps inside the square root, sqrt(v_hat + eps), where the notebook says it is added '
              'after the root: indistinguishable for gradients of order 1, very different for '
              'small gradients (|g| ~ 1e-6: the step shrinks by ~10x).',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** t)
        v_hat = v[key] / (1 - beta2 ** t)
        params[key] -= lr * m_hat / np.sqrt(v_hat + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='Copy-paste slip in the bias correction: v_hat = v / (1 - beta1**t) (beta1 instead '
              'of beta2).',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** t)
        v_hat = v[key] / (1 - beta1 ** t)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='Treats t as the number of earlier steps and corrects with beta**(t + 1): the first '
              'step (t=1) uses 1 - beta**2, so its size is about lr * 0.53 / sqrt(0.5) instead of lr.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    step = t + 1
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** step)
        v_hat = v[key] / (1 - beta2 ** step)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='No bias correction at all (theta -= lr * m / (sqrt(v) + eps)): the first step is '
              'lr * 0.1 / sqrt(0.001), about 3.16 lr instead of lr.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key]
        m[key] *= beta1
        m[key] += (1 - beta1) * g
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='mistake',
         what='Updates v with the new m instead of the gradient (v = beta2 v + (1 - beta2) m**2), '
              'a value used twice: the second moment tracks the smoothed gradient.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        m[key] *= beta1
        m[key] += (1 - beta1) * grads[key]
        g = m[key]
        v[key] *= beta2
        v[key] += (1 - beta2) * g * g
        m_hat = m[key] / (1 - beta1 ** t)
        v_hat = v[key] / (1 - beta2 ** t)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)
'''),
    dict(assignment='09-training', function='adam_step', kind='correct',
         what='The "efficient" form of the Adam paper: lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t) '
              'and eps_hat = eps * sqrt(1 - beta2**t), theta -= lr_t * m / (sqrt(v) + eps_hat): '
              'algebraically identical to the bias-corrected update with eps after the root.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    c2 = np.sqrt(1 - beta2 ** t)
    lr_t = lr * c2 / (1 - beta1 ** t)
    eps_hat = eps * c2
    for key in params:
        g = grads[key]
        m[key] += (1 - beta1) * (g - m[key])
        v[key] += (1 - beta2) * (g * g - v[key])
        params[key] -= lr_t * m[key] / (np.sqrt(v[key]) + eps_hat)
'''),
    dict(assignment='09-training', function='adam_step', kind='correct',
         what='Computes the step in float64 (np.float64 copies of m, v, g), then writes the results '
              'back into the original arrays with [...] =, which casts to their dtype.',
         source='''
import numpy as np

def adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        g = grads[key].astype(np.float64)
        m_new = beta1 * m[key].astype(np.float64) + (1 - beta1) * g
        v_new = beta2 * v[key].astype(np.float64) + (1 - beta2) * np.square(g)
        m_hat = m_new / (1 - beta1 ** t)
        v_hat = v_new / (1 - beta2 ** t)
        step = lr * m_hat / (np.sqrt(v_hat) + eps)
        m[key][...] = m_new
        v[key][...] = v_new
        params[key][...] = params[key].astype(np.float64) - step
'''),
    # ---------------------------------------------------------------- train
    dict(assignment='09-training', function='train', kind='mistake',
         what='Creates the generator inside the epoch loop (rng = default_rng(seed) each epoch): '
              'every epoch visits the samples in the same order instead of a fresh one.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    history = []
    for epoch in range(epochs):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
'''),
    dict(assignment='09-training', function='train', kind='mistake',
         what='range(0, len(X) - batch_size + 1, batch_size) drops the last, smaller mini-batch: '
              'when batch_size does not divide N some samples are never trained on in that epoch.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        total, count = 0.0, 0
        for start in range(0, len(X) - batch_size + 1, batch_size):
            b = perm[start:start + batch_size]
            loss, grads = loss_and_grads(X[b], y[b], params)
            sgd_step(params, grads, lr)
            total += loss
            count += 1
        history.append(total / count)
    return history
'''),
    dict(assignment='09-training', function='train', kind='mistake',
         what='np.array_split(order, ceil(N / batch_size)) makes balanced batches (e.g. N=10, '
              'batch_size=4: 4, 3, 3 instead of 4, 4, 2): other mini-batches, other steps and losses.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    n_batches = int(np.ceil(len(X) / batch_size))
    history = []
    for _ in range(epochs):
        losses = []
        for batch in np.array_split(rng.permutation(len(X)), n_batches):
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
'''),
    dict(assignment='09-training', function='train', kind='mistake',
         what='Epoch loss weighted by batch size (sum of loss * len(batch) / N) instead of the mean '
              'of the mini-batch losses: differs whenever the last batch is smaller.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    n = len(X)
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        epoch_loss = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            epoch_loss += loss * len(batch)
        history.append(epoch_loss / n)
    return history
'''),
    dict(assignment='09-training', function='train', kind='mistake',
         what='Shuffles with the global generator (np.random.permutation) and ignores seed: the '
              'batches are not those of default_rng(seed), two runs with the same seed differ, and '
              'the seed has no effect.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    history = []
    for _ in range(epochs):
        order = np.random.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
'''),
    dict(assignment='09-training', function='train', kind='mistake',
         what='Shuffles X and y with two different permutations (X[rng.permutation(n)], '
              'y[rng.permutation(n)]): the samples lose their labels.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        Xs = X[rng.permutation(len(X))]
        ys = y[rng.permutation(len(y))]
        losses = []
        for start in range(0, len(Xs), batch_size):
            loss, grads = loss_and_grads(Xs[start:start + batch_size], ys[start:start + batch_size], params)
            sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
'''),
    dict(assignment='09-training', function='train', kind='correct',
         what='idx = np.arange(N); rng.shuffle(idx) each epoch (the same random stream as '
              'rng.permutation(N)), batches cut with np.split at multiples of batch_size, history '
              'as a list comprehension mean.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    history = []
    for _ in range(epochs):
        idx = np.arange(n)
        rng.shuffle(idx)
        batch_losses = []
        for batch in np.split(idx, range(batch_size, n, batch_size)):
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            sgd_step(params, grads, lr)
            batch_losses.append(loss)
        history.append(sum(batch_losses) / len(batch_losses))
    return history
'''),
    dict(assignment='09-training', function='train', kind='correct',
         what='Permutes X and y together once per epoch (Xs, ys = X[perm], y[perm]) and slices '
              'the shuffled copies; a while loop over the start index.',
         source='''
import numpy as np
''' + _SGD + '''
def train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(len(X))
        Xs, ys = X[perm], y[perm]
        losses = []
        i = 0
        while i < len(Xs):
            loss, grads = loss_and_grads(Xs[i:i + batch_size], ys[i:i + batch_size], params)
            sgd_step(params, grads, lr)
            losses.append(float(loss))
            i += batch_size
        history.append(float(np.mean(losses)))
    return history
'''),
]
