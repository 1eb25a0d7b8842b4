"""Student submissions for 05-activations."""

ENTRIES = [
    dict(assignment='05-activations', function='sigmoid_forward', kind='mistake',
         what='1 / (1 + np.exp(-z)) computed on z.astype(np.float64) to avoid overflow in float32, '
              'never cast back: float32 inputs give float64 activations.',
         source='''
import numpy as np

def sigmoid_forward(z):
    a = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    return a, a


def sigmoid_backward(da, cache):
    return da * cache * (1 - cache)
'''),
    dict(assignment='05-activations', function='sigmoid_forward', kind='correct',
         what='Piecewise stable sigmoid with np.where over exp(-|z|): e = exp(-|z|), '
              'where(z >= 0, 1 / (1 + e), e / (1 + e)); no overflow since the exponent is never positive.',
         source='''
import numpy as np

def sigmoid_forward(z):
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return a, a


def sigmoid_backward(da, cache):
    return da * cache * (1 - cache)
'''),
    dict(assignment='05-activations', function='sigmoid_backward', kind='mistake',
         what='Caches z and differentiates as if the cache were a: dz = da * z * (1 - z).',
         source='''
import numpy as np

def sigmoid_forward(z):
    a = 0.5 * (1 + np.tanh(0.5 * z))
    return a, z


def sigmoid_backward(da, cache):
    a = cache
    return da * a * (1 - a)
'''),
    dict(assignment='05-activations', function='sigmoid_backward', kind='correct',
         what='Caches z and recomputes the sigmoid in the backward step, derivative as '
              '0.25 * (1 - tanh(z / 2)**2), which equals a (1 - a).',
         source='''
import numpy as np

def sigmoid_forward(z):
    return 0.5 * (1 + np.tanh(0.5 * z)), z


def sigmoid_backward(da, cache):
    t = np.tanh(0.5 * cache)
    return da * (0.25 * (1 - t * t))
'''),
    dict(assignment='05-activations', function='tanh_backward', kind='mistake',
         what='Applies tanh twice: the cache already holds a = tanh(z), and the backward step '
              'computes 1 - tanh(a)**2.',
         source='''
import numpy as np

def tanh_forward(z):
    a = np.tanh(z)
    return a, a


def tanh_backward(da, cache):
    return da * (1 - np.tanh(cache) ** 2)
'''),
    dict(assignment='05-activations', function='tanh_forward', kind='mistake',
         what='tanh from exponentials, (e^z - e^-z) / (e^z + e^-z): overflows to inf/inf = nan for '
              '|z| above ~89 (float32) or ~710 (float64).',
         source='''
import numpy as np

def tanh_forward(z):
    a = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return a, a


def tanh_backward(da, cache):
    return da * (1 - cache ** 2)
'''),
    dict(assignment='05-activations', function='tanh_forward', kind='correct',
         what='Caches z instead of a; backward recomputes tanh(z).',
         source='''
import numpy as np

def tanh_forward(z):
    return np.tanh(z), z


def tanh_backward(da, cache):
    a = np.tanh(cache)
    return da * (1 - a ** 2)
'''),
    dict(assignment='05-activations', function='relu_backward', kind='mistake',
         what='Mask z >= 0: the derivative at exactly z = 0 is taken as 1, where the notebook takes it as 0.',
         source='''
import numpy as np

def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    return da * (cache >= 0)
'''),
    dict(assignment='05-activations', function='relu_backward', kind='mistake',
         what='Zeroes the upstream gradient in place (da[z <= 0] = 0; return da): the caller\'s da '
              'is overwritten.',
         source='''
import numpy as np

def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(da, cache):
    da[cache <= 0] = 0
    return da
'''),
    dict(assignment='05-activations', function='relu_forward', kind='mistake',
         what='Clips in place with np.maximum(z, 0, out=z): the caller\'s z is overwritten '
              '(and the cache is the clipped array).',
         source='''
import numpy as np

def relu_forward(z):
    a = np.maximum(z, 0, out=z)
    return a, a


def relu_backward(da, cache):
    return da * (cache > 0)
'''),
    dict(assignment='05-activations', function='relu_forward', kind='correct',
         what='np.clip(z, 0, None) forward; backward with np.where(cache > 0, da, 0).',
         source='''
import numpy as np

def relu_forward(z):
    return np.clip(z, 0, None), z


def relu_backward(da, cache):
    return np.where(cache > 0, da, 0)
'''),
    dict(assignment='05-activations', function='relu_backward', kind='correct',
         what='Caches the boolean mask z > 0 rather than z; backward multiplies by it.',
         source='''
import numpy as np

def relu_forward(z):
    mask = z > 0
    return z * mask, mask


def relu_backward(da, cache):
    return da * cache
'''),
    dict(assignment='05-activations', function='leaky_relu_backward', kind='mistake',
         what='The cache holds only z, so backward uses the default 0.01 whatever alpha the forward '
              'step was given: wrong for alpha = 0.2.',
         source='''
import numpy as np

def leaky_relu_forward(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z), z


def leaky_relu_backward(da, cache, alpha=0.01):
    return np.where(cache > 0, da, alpha * da)
'''),
    dict(assignment='05-activations', function='leaky_relu_forward', kind='correct',
         what='np.maximum(z, alpha * z) (valid for 0 <= alpha <= 1); backward builds the slope '
              'array with np.ones_like and in-place assignment.',
         source='''
import numpy as np

def leaky_relu_forward(z, alpha=0.01):
    return np.maximum(z, alpha * z), (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    slope = np.ones_like(da)
    slope[z <= 0] = alpha
    return da * slope
'''),
    dict(assignment='05-activations', function='softmax', kind='mistake',
         what='Subtracts the maximum of the whole array instead of each row\'s: rows far below the '
              'global maximum (rows 1000 apart) underflow to all zeros and give 0/0 = nan.',
         source='''
import numpy as np

def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)
'''),
    dict(assignment='05-activations', function='softmax', kind='mistake',
         what='Row sum without keepdims: e / e.sum(axis=1) divides column j by row j\'s sum '
              '(silently wrong for square inputs, an error otherwise).',
         source='''
import numpy as np

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)
'''),
    dict(assignment='05-activations', function='softmax', kind='correct',
         what='Through the log-sum-exp: exp(z - m - log(sum(exp(z - m)))).',
         source='''
import numpy as np

def softmax(z):
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.exp(z - lse)
'''),
    dict(assignment='05-activations', function='softmax', kind='correct',
         what='Row by row in a Python loop, each row shifted by its own max.',
         source='''
import numpy as np

def softmax(z):
    out = np.empty_like(z)
    for i, row in enumerate(z):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out
'''),
]
