"""Student submissions for 13-regularization: l2_penalty, dropout_forward, dropout_backward."""

_DROP_FWD = '''
def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    scaled_mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, scaled_mask
'''

ENTRIES = [
    # ---------------------------------------------------------------- l2_penalty
    dict(assignment='13-regularization', function='l2_penalty', kind='mistake',
         what='Penalises every parameter, biases included (penalty sums all squares, gradient '
              'lam * b for the biases instead of zeros).',
         source='''
import numpy as np

def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        penalty += 0.5 * lam * float(np.sum(value ** 2))
        grads[key] = lam * value
    return penalty, grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='mistake',
         what='Drops the 1/2 in the penalty (lam * sum W**2) but keeps the gradient lam * W: the '
              'penalty is twice the stated one and no longer matches its gradient.',
         source='''
import numpy as np

def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam * np.sum(value * value)
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return float(penalty), grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='mistake',
         what='Returns gradients only for the weights: the dict lacks the bias keys (the contract '
              'asks for every key of params, zeros for the biases).',
         source='''
import numpy as np

def l2_penalty(params, lam):
    weights = {k: v for k, v in params.items() if k.startswith("W")}
    penalty = lam / 2 * sum(float(np.sum(W ** 2)) for W in weights.values())
    grads = {k: lam * W for k, W in weights.items()}
    return penalty, grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='mistake',
         what='Zero gradients for the biases made with np.zeros(value.shape), which is float64: '
              'float32 parameters get float64 bias gradients.',
         source='''
import numpy as np

def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for key in params:
        if key.startswith("W"):
            penalty += lam / 2 * np.sum(params[key] ** 2)
            grads[key] = lam * params[key]
        else:
            grads[key] = np.zeros(params[key].shape)
    return float(penalty), grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='mistake',
         what='In-place aliasing: grads[key] = value; grads[key] *= lam scales the caller\'s weight '
              'matrices themselves (and the returned gradient is the same array as the weight).',
         source='''
import numpy as np

def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / 2 * float((value ** 2).sum())
            grads[key] = value
            grads[key] *= lam
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='correct',
         what='Dict comprehension for the gradient and np.einsum("ij,ij->", W, W) / np.vdot for the '
              'squared norms.',
         source='''
import numpy as np

def l2_penalty(params, lam):
    grads = {k: (lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in params.items()}
    penalty = 0.5 * lam * sum(float(np.einsum("ij,ij->", v, v)) for k, v in params.items() if k.startswith("W"))
    return penalty, grads
'''),
    dict(assignment='13-regularization', function='l2_penalty', kind='correct',
         what='Squared Frobenius norm via np.linalg.norm(W) ** 2 accumulated in float64; gradient '
              'with v * v.dtype.type(lam) to keep the dtype explicitly, zeros via 0 * v.',
         source='''
import numpy as np

def l2_penalty(params, lam):
    total = 0.0
    grads = {}
    for name in params:
        v = params[name]
        if name[0] == "W":
            total += float(np.linalg.norm(v.astype(np.float64))) ** 2
            grads[name] = v * v.dtype.type(lam)
        else:
            grads[name] = np.zeros(v.shape, dtype=v.dtype)
    return lam / 2 * total, grads
'''),
    # ---------------------------------------------------------------- dropout_forward
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Keep-probability confusion: keeps a unit where rng.random(x.shape) < p (so p is the '
              'probability of keeping), still scaling by 1 / (1 - p).',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) < p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Plain (non-inverted) dropout: drops units but does not scale the kept ones by 1/(1-p), '
              'so the expected value shrinks by 1 - p.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = rng.random(x.shape) >= p
    return x * mask, mask
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Evaluation mode scales by (1 - p) as in the original, non-inverted dropout paper, '
              'instead of returning x unchanged (training mode is right).',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train:
        return x * x.dtype.type(1 - p), None
    if p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Scaled mask made as bool / (1 - p): dividing a bool array by a float gives float64, '
              'so a float32 x gives a float64 out (values right).',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Draws the uniforms in x\'s dtype "to stay in float32" (rng.random(x.shape, '
              'dtype=x.dtype)): for float32 x that is a different random stream, so the mask is '
              'not the one rng.random(x.shape) >= p gives.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape, dtype=x.dtype) >= p
    out = np.where(keep, x / x.dtype.type(1 - p), x.dtype.type(0))
    return out, (keep, p)
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='mistake',
         what='Applies the mask in place (x *= mask): the caller\'s activations are overwritten.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    x *= mask
    return x, mask
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='correct',
         what='Caches the boolean mask and p, output via np.where(keep, x / (1 - p), 0) with the '
              'scale as x.dtype.type; backward rebuilds the scale from p.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    out = np.where(keep, x / x.dtype.type(1 - p), x.dtype.type(0))
    return out, (keep, p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    keep, p = cache
    return np.where(keep, dout / dout.dtype.type(1 - p), dout.dtype.type(0))
'''),
    dict(assignment='13-regularization', function='dropout_forward', kind='correct',
         what='Computes in float64 (x.astype(np.float64) * mask / (1 - p)) and casts the output '
              'back with .astype(x.dtype); an eval cache of np.ones_like(x) instead of None.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, np.ones_like(x)
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(x.shape) >= p) / (1.0 - p)
    out = (x.astype(np.float64) * mask).astype(x.dtype)
    return out, mask.astype(x.dtype)


def dropout_backward(dout, cache):
    return dout * cache.astype(dout.dtype)
'''),
    # ---------------------------------------------------------------- dropout_backward
    dict(assignment='13-regularization', function='dropout_backward', kind='mistake',
         what='Forward caches the boolean mask and p; backward multiplies by the mask only and '
              'forgets the 1/(1-p) scale the forward step applied.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    return x * keep / x.dtype.type(1 - p), (keep, p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    keep, p = cache
    return dout * keep
'''),
    dict(assignment='13-regularization', function='dropout_backward', kind='mistake',
         what='Scales twice: the cache already holds the scaled mask (keep / (1 - p)) and backward '
              'divides by (1 - p) again.',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, (mask, p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    mask, p = cache
    return dout * mask / dout.dtype.type(1 - p)
'''),
    dict(assignment='13-regularization', function='dropout_backward', kind='mistake',
         what='Multiplies in place (dout *= mask; return dout): the upstream gradient array the '
              'caller passed is overwritten.',
         source='''
import numpy as np
''' + _DROP_FWD + '''

def dropout_backward(dout, cache):
    if cache is not None:
        dout *= cache
    return dout
'''),
    dict(assignment='13-regularization', function='dropout_backward', kind='mistake',
         what='Evaluation cache handled as a mask of ones made with np.ones(dout.shape) (float64): '
              'in evaluation a float32 dout comes back as float64.',
         source='''
import numpy as np
''' + _DROP_FWD + '''

def dropout_backward(dout, cache):
    mask = np.ones(dout.shape) if cache is None else cache
    return dout * mask
'''),
    dict(assignment='13-regularization', function='dropout_backward', kind='correct',
         what='np.multiply(dout, cache) with an explicit "cache is None" branch written as a '
              'conditional expression; forward as in the notebook but with the scale built as '
              'np.asarray(1 / (1 - p), dtype=x.dtype).',
         source='''
import numpy as np

def dropout_forward(x, p, *, train=True, rng=None):
    if (not train) or p == 0:
        return x, None
    generator = rng if rng is not None else np.random.default_rng()
    keep = generator.random(x.shape) >= p
    scale = np.asarray(1 / (1 - p), dtype=x.dtype)
    mask = keep * scale
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout if cache is None else np.multiply(dout, cache)
'''),
]
