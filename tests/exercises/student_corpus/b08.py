"""Student submissions for 08-gradcheck: numerical_gradient and relative_error."""

ENTRIES = [
    # ---------------------------------------------------------------- numerical_gradient
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='Never puts the element back: after the two evaluations x[index] is left at old - h, '
              'so x is returned modified and every later element is differentiated at an already '
              'perturbed point (wrong values for non-separable f).',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='Restores the element arithmetically (x[i] += h; x[i] -= 2h; x[i] += h) instead of '
              'writing the saved value back: the rounding of the three additions leaves x[i] a few '
              'ulps away from where it was, so the input array is not left unchanged.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x[index] += h
        f_plus = f(x)
        x[index] -= 2 * h
        f_minus = f(x)
        x[index] += h          # back to where it was
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='One-sided (forward) difference (f(x+h) - f(x)) / h instead of the centred '
              'difference: error O(h), e.g. about 1e-5 relative for a cubic, far above the 1e-9 '
              'a centred difference reaches in float64.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        grad[index] = (f(x) - fx) / h
        x[index] = old
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='Centred difference divided by h instead of 2h: every entry twice the gradient.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        fp = f(x)
        x[index] = old - h
        fm = f(x)
        x[index] = old
        grad[index] = (fp - fm) / h
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='Loops over the first axis only (range(len(x))): for a 2-D x, x[i] += h nudges a '
              'whole row at once, so grad[i] (a row) gets the sum of the row\'s partial '
              'derivatives in every entry. Right only for 1-D x.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='mistake',
         what='Aliasing: x_plus = x and x_minus = x are the same array, not copies. Both nudges land '
              'on x before f is called, so f(x_plus) == f(x_minus) and every entry of the gradient '
              'is 0 (and x is left off by the rounding of old + h - h).',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x_plus = x
        x_plus[index] += h
        x_minus = x
        x_minus[index] -= h
        grad[index] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='correct',
         what='The classic CS231n form: np.nditer with multi_index and op_flags=["readwrite"], '
              'saving the value with float(x[ix]) and writing it back.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix].copy()
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='correct',
         what='Never touches x: perturbs copies (x_plus = x.copy()) for each element, so nothing '
              'needs restoring. Slower (one copy per evaluation), same values.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x_plus = x.copy()
        x_minus = x.copy()
        x_plus[index] += h
        x_minus[index] -= h
        grad[index] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''),
    dict(assignment='08-gradcheck', function='numerical_gradient', kind='correct',
         what='Flat indexing with x.flat[i] / grad.flat[i] over range(x.size) instead of '
              'np.ndindex; the element is saved and written back.',
         source='''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + h
        up = f(x)
        x.flat[i] = saved - h
        down = f(x)
        x.flat[i] = saved
        grad.flat[i] = (up - down) / (2 * h)
    return grad
'''),
    # ---------------------------------------------------------------- relative_error
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='No guard for a and b both zero: 0 / 0 gives nan (with a RuntimeWarning) instead of 0.',
         source='''
import numpy as np

def relative_error(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='Denominator max(||a||, ||b||) (the other common "relative error") instead of '
              '||a|| + ||b||: values twice as large for close arrays, and 2 instead of 1 for b = -a.',
         source='''
import numpy as np

def relative_error(a, b):
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='L1 norms (sums of absolute values) instead of Euclidean norms: the special cases '
              '(0, 1) still hold but ordinary values differ.',
         source='''
import numpy as np

def relative_error(a, b):
    num = np.abs(a - b).sum()
    den = np.abs(a).sum() + np.abs(b).sum()
    return 0.0 if den == 0 else float(num / den)
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='Returns the NumPy scalar without float(): np.float64 passes as a float, but for '
              'float32 inputs the result is np.float32, not a Python float.',
         source='''
import numpy as np

def relative_error(a, b):
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return np.linalg.norm(a - b) / denominator
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='Adds 1e-8 to the denominator "to avoid dividing by zero": the result now depends on '
              'the scale of the arrays (gradients of size 1e-9 give an error near 0 whatever they '
              'are), against the stated scale-invariance.',
         source='''
import numpy as np

def relative_error(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-8))
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='mistake',
         what='np.linalg.norm(..., ord=2) "for the L2 norm": for 1-D arrays that is the Euclidean '
              'norm, but for matrices ord=2 is the spectral norm (largest singular value), not the '
              'Frobenius norm of all entries, so 2-D gradients get other values.',
         source='''
import numpy as np

def relative_error(a, b):
    denominator = np.linalg.norm(a, ord=2) + np.linalg.norm(b, ord=2)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b, ord=2) / denominator)
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='correct',
         what='Norms written out as np.sqrt(np.sum(d * d)), computed in float64, with the zero '
              'test done with np.any before dividing.',
         source='''
import numpy as np

def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not np.any(a) and not np.any(b):
        return 0.0
    diff = a - b
    num = np.sqrt(np.sum(diff * diff))
    den = np.sqrt(np.sum(a * a)) + np.sqrt(np.sum(b * b))
    return float(num / den)
'''),
    dict(assignment='08-gradcheck', function='relative_error', kind='correct',
         what='Flattens both arrays and uses np.hypot.reduce / vector norms with ravel(); '
              'returns .item() of the quotient.',
         source='''
import numpy as np

def relative_error(a, b):
    a, b = np.ravel(a), np.ravel(b)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na + nb == 0:
        return 0.0
    return (np.linalg.norm(a - b) / (na + nb)).item()
'''),
]
