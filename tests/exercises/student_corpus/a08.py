"""Student submissions for exercise 08-gradcheck (numerical_gradient, relative_error), each with what is wrong in it or how it is right."""

A = "08-gradcheck"

NUMGRAD_OK = '''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx].item()
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
'''

RELERR_OK = '''
import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)
'''

ENTRIES = [
    # ------------------------------------------------------------------ numerical_gradient mistakes
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "the element is never put back: after the two evaluations x[idx] is left at "
            "old - h, so x comes back changed and every later element is differentiated at a "
            "shifted point"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        fp = f(x)
        x[idx] = old - h
        fm = f(x)
        grad[idx] = (fp - fm) / (2 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "forward difference (f(x + h e_i) - f(x)) / h instead of the centred difference: "
            "error of order h (about 1e-5 relative) instead of h**2"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    f0 = f(x)
    for idx in np.ndindex(*x.shape):
        saved = x[idx].item()
        x[idx] = saved + h
        grad[idx] = (f(x) - f0) / h
        x[idx] = saved
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=("centred difference divided by h instead of 2h: every entry is twice the gradient"),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(*x.shape):
        original = x[idx].item()
        x[idx] = original + h
        up = f(x)
        x[idx] = original - h
        down = f(x)
        x[idx] = original
        grad[idx] = (up - down) / h
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "x_plus = x and x_minus = x without a copy: both names are the same array, so by "
            "the time f is evaluated the +h and -h have cancelled and both evaluations see the "
            "same point: the gradient is all zeros"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        x_plus = x
        x_plus[idx] += h
        x_minus = x
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "perturbs a copy of x (x.copy() per element) and passes the copy to f, leaving x "
            "itself unchanged: an f that reads x through a closure (as the notebooks' "
            "loss_of(_) that ignores its argument) sees no change and gets a zero gradient; "
            "the notebook asks to change x itself, one element at a time, and put it back"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        x_plus = x.copy()
        x_plus[idx] += h
        x_minus = x.copy()
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "loops over range(len(x)) and perturbs x[i], a whole row for a 2-D x: each row of "
            "the result is the directional derivative along the row (the sum of the row's "
            "partial derivatives) broadcast over the row; only right for 1-D x"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = np.copy(x[i])
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="mistake",
        what=(
            "vectorised shortcut (f(x + h) - f(x - h)) / (2h): shifts every element at once, "
            "giving one number (the sum of all partial derivatives) copied into every entry "
            "instead of one partial derivative per element"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    slope = (f(x + h) - f(x - h)) / (2 * h)
    return np.full_like(x, slope)
'''
        + RELERR_OK,
    ),
    # ------------------------------------------------------------------ relative_error mistakes
    dict(
        assignment=A,
        function="relative_error",
        kind="mistake",
        what=("no guard for two zero arrays: 0 / 0 gives nan (with a RuntimeWarning) instead of 0"),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
''',
    ),
    dict(
        assignment=A,
        function="relative_error",
        kind="mistake",
        what=(
            "wrong denominator: ||a + b|| instead of ||a|| + ||b||; unbounded and wrong when "
            "a and b point in different directions (e.g. b = -a gives division by zero)"
        ),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    num = np.linalg.norm(a - b)
    den = np.linalg.norm(a + b)
    if num == 0:
        return 0.0
    return float(num / den)
''',
    ),
    dict(
        assignment=A,
        function="relative_error",
        kind="mistake",
        what=(
            "uses the largest absolute entry (max norm) instead of the Euclidean norm in "
            "numerator and denominator"
        ),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.abs(a).max() + np.abs(b).max()
    if denom == 0:
        return 0.0
    return float(np.abs(a - b).max() / denom)
''',
    ),
    dict(
        assignment=A,
        function="relative_error",
        kind="mistake",
        what=(
            "element-wise relative error |a - b| / (|a| + |b|): returns an array of the inputs' "
            "shape (and nan where both entries are 0) instead of one float from the norms"
        ),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    denom = np.abs(a) + np.abs(b)
    return np.abs(a - b) / np.maximum(denom, 1e-300)
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="correct",
        what=(
            "np.nditer with multi_index over x, restores the element in a try/finally; the "
            "gradient array is float64 of x's shape"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readonly"])
    positions = []
    while not it.finished:
        positions.append(it.multi_index)
        it.iternext()
    for pos in positions:
        keep = float(x[pos])
        try:
            x[pos] = keep + h
            f_plus = float(f(x))
            x[pos] = keep - h
            f_minus = float(f(x))
        finally:
            x[pos] = keep
        grad[pos] = (f_plus - f_minus) / (2.0 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="numerical_gradient",
        kind="correct",
        what=(
            "flat loop over range(x.size) with np.unravel_index; the perturbed copy of the "
            "element is saved and restored, so x is unchanged at the end"
        ),
        source='''
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for flat in range(x.size):
        idx = np.unravel_index(flat, x.shape)
        value = x[idx].copy()
        x[idx] = value + h
        plus = f(x)
        x[idx] = value - h
        minus = f(x)
        x[idx] = value
        grad[idx] = (plus - minus) / (2 * h)
    return grad
'''
        + RELERR_OK,
    ),
    dict(
        assignment=A,
        function="relative_error",
        kind="correct",
        what=(
            "norms by hand, sqrt(sum(d**2)) in float64, and the both-zero case tested on the "
            "norms being 0 before dividing"
        ),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    a = np.array(a, dtype=np.float64).ravel()
    b = np.array(b, dtype=np.float64).ravel()
    norm_a = np.sqrt(np.sum(a * a))
    norm_b = np.sqrt(np.sum(b * b))
    if norm_a == 0 and norm_b == 0:
        return 0.0
    return float(np.sqrt(np.sum((a - b) ** 2)) / (norm_a + norm_b))
''',
    ),
    dict(
        assignment=A,
        function="relative_error",
        kind="correct",
        what=(
            "early exit returning 0.0 when neither array has a nonzero entry (np.any), then "
            "np.linalg.norm of the ravelled float64 arrays"
        ),
        source=NUMGRAD_OK
        + '''

def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    if not np.any(a) and not np.any(b):
        return 0.0
    a = np.ravel(a).astype(np.float64)
    b = np.ravel(b).astype(np.float64)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
''',
    ),
]
