"""Student submissions for 04-feedforward: dense_forward, mlp_forward."""

_DENSE = '''
def dense_forward(x, W, b):
    return x @ W + b, (x, W)
'''

ENTRIES = [
    dict(assignment='04-feedforward', function='dense_forward', kind='mistake',
         what='Matrix product asked for in float64 (np.matmul(..., dtype=np.float64)) "for '
              'precision" and never cast back: float32 inputs give a float64 out.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    out = np.matmul(x, W, dtype=np.float64) + b
    return out, (x, W)
'''),
    dict(assignment='04-feedforward', function='dense_forward', kind='mistake',
         what='Bias reshaped to a column (b.reshape(-1, 1)), as in column-vector notation: (N, M) + '
              '(M, 1) broadcasts to the wrong values when N == M, to an (M, M) matrix for a batch of '
              'one, and raises otherwise.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    out = x @ W + b.reshape(-1, 1)
    return out, (x, W)
'''),
    dict(assignment='04-feedforward', function='dense_forward', kind='correct',
         what='np.einsum("nd,dm->nm", x, W) + b.',
         source='''
import numpy as np

def dense_forward(x, W, b):
    return np.einsum("nd,dm->nm", x, W) + b, (x, W)
'''),
    dict(assignment='04-feedforward', function='mlp_forward', kind='mistake',
         what='Applies the ReLU after the last layer too: negative logits are clipped to 0.',
         source='''
import numpy as np
''' + _DENSE + '''
def mlp_forward(X, params):
    h = X
    for layer in range(1, len(params) // 2 + 1):
        h, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        h = np.maximum(h, 0)
    return h
'''),
    dict(assignment='04-feedforward', function='mlp_forward', kind='mistake',
         what='Off by one: range(1, len(params) // 2) stops before the last layer, so it returns the '
              'last hidden layer\'s activations (shape (N, H) instead of (N, C); X itself for a one-layer network).',
         source='''
import numpy as np
''' + _DENSE + '''
def mlp_forward(X, params):
    n_layers = len(params) // 2
    h = X
    for layer in range(1, n_layers):
        h, _ = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        h = np.maximum(h, 0)
    return h
'''),
    dict(assignment='04-feedforward', function='mlp_forward', kind='mistake',
         what='Pairs the sorted W and b keys (sorted(...) is lexicographic: W1, W10, W11, W2, ...): '
              'right up to nine layers, but a network of ten or more layers is applied out of order.',
         source='''
import numpy as np
''' + _DENSE + '''
def mlp_forward(X, params):
    Ws = sorted(k for k in params if k.startswith("W"))
    bs = sorted(k for k in params if k.startswith("b"))
    h = X
    for i, (wk, bk) in enumerate(zip(Ws, bs)):
        h, _ = dense_forward(h, params[wk], params[bk])
        if i < len(Ws) - 1:
            h = np.maximum(h, 0)
    return h
'''),
    dict(assignment='04-feedforward', function='mlp_forward', kind='correct',
         what='while f"W{l}" in params loop; the ReLU written as h * (h > 0) on every layer but the '
              'last, decided by looking ahead for the next key.',
         source='''
import numpy as np
''' + _DENSE + '''
def mlp_forward(X, params):
    h = X
    l = 1
    while f"W{l}" in params:
        h, _ = dense_forward(h, params[f"W{l}"], params[f"b{l}"])
        if f"W{l + 1}" in params:
            h = h * (h > 0)
        l += 1
    return h
'''),
    dict(assignment='04-feedforward', function='mlp_forward', kind='correct',
         what='Recursive: relu(dense(X)) fed to the rest of the network, built from a list of '
              '(W, b) pairs.',
         source='''
import numpy as np
''' + _DENSE + '''
def mlp_forward(X, params):
    layers = [(params[f"W{i}"], params[f"b{i}"]) for i in range(1, len(params) // 2 + 1)]

    def run(h, rest):
        W, b = rest[0]
        z, _ = dense_forward(h, W, b)
        return z if len(rest) == 1 else run(np.maximum(z, 0), rest[1:])

    return run(X, layers)
'''),
]
