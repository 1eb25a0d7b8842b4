"""Student submissions for 08-gradcheck: numerical_gradient, relative_error."""

A = "08-gradcheck"

ENTRIES = [
    # ------------------------------------------------------- numerical_gradient
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "One-sided (forward) difference (f(x + h e_i) - f(x)) / h instead of the centred "
            "difference; x is restored correctly. Its error is O(h) instead of O(h^2): wrong for "
            "any f that is not linear in x (exact only for linear f)."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    fx = f(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old
        grad[index] = (f_plus - fx) / h
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Never puts the element back: after the two evaluations x[index] stays at old - h. "
            "The caller's x is left changed (every entry shifted by -h), and every later entry's "
            "difference is taken at a point where the earlier entries are already shifted, so "
            "the gradient is wrong for any f whose partial derivatives depend on other entries "
            "(and exact only for separable f). For a 1-element x only the mutation shows."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Nudges up with x[index] += h, evaluates, then 'undoes' it with x[index] -= h and "
            "evaluates again, so f_minus is f at x itself, not at x - h; it still divides by 2h. "
            "The result is half the one-sided difference (about half the true gradient) on every "
            "input where the gradient is not 0. x is restored."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        x[idx] += h
        fxph = f(x)
        x[idx] -= h
        fxmh = f(x)
        grad[idx] = (fxph - fxmh) / (2 * h)
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Loops with for i in range(len(x)) and nudges x[i]: right for a 1-D x, but for a "
            "2-D (or higher) x, x[i] is a whole row, so the whole row is nudged at once and "
            "grad[i] gets the directional derivative along that row, copied into every entry of "
            "the row."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
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
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Works on a flat alias, flat = x.reshape(-1), and nudges flat[i]: for a contiguous x "
            "the reshape is a view and everything is right, but for a non-contiguous x that "
            "cannot be flattened as a view (a transposed matrix, a slice such as x[::2, :3]) "
            "reshape returns a copy, f never sees the nudge and the whole gradient is 0."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    flat = x.reshape(-1)
    grad = np.zeros(flat.shape, dtype=x.dtype)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old - h
        f_minus = f(x)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Ignores the h it is given and always uses its own step eps = 1e-5: right when "
            "called with the default h, but for any other h the values are the centred "
            "differences for the wrong step (e.g. visibly different from the h = 0.1 differences "
            "of a curved f)."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    eps = 1e-5
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        saved = x[ix]
        x[ix] = saved + eps
        up = f(x)
        x[ix] = saved - eps
        down = f(x)
        x[ix] = saved
        grad[ix] = (up - down) / (2 * eps)
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "mistake",
        "what": (
            "Operator precedence: grad[index] = (f_plus - f_minus) / 2 * h, i.e. multiplied by h "
            "instead of divided by 2h: every entry is h^2 times the right value (about 1e-10 of "
            "it with the default h), so nearly zero. Right only where the gradient is 0."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / 2 * h
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "correct",
        "what": (
            "The CS231n-style loop with np.nditer(x, flags=['multi_index'], "
            "op_flags=['readwrite']): nudges x[ix] up and down in place, evaluates f at both "
            "points, restores the element. Same values; x left as it was (also when it is not "
            "contiguous)."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "correct",
        "what": (
            "Returns the gradient in float64 whatever x's dtype (np.zeros(x.shape)), as the "
            "chapter 14 building block does: the contract asks for the shape of x and the "
            "centred differences but states no dtype, so a float64 gradient for a float32 x is a "
            "permitted choice. Values, the restoring of x and the calls of f are as in the "
            "reference."
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        original = x[index]
        try:
            x[index] = original + h
            f_plus = float(f(x))
            x[index] = original - h
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad
''',
    },
    {
        "assignment": A,
        "function": "numerical_gradient",
        "kind": "correct",
        "what": (
            "Never writes into x: for each entry it evaluates f on two perturbed copies "
            "(x_plus = x.copy(); x_plus[i] += h, likewise x - h). Since the notebook says f "
            "reads the array it is given, this gives the same centred differences and leaves x "
            "untouched by construction; it only costs a copy per evaluation. (It would fail for "
            "an f that ignores its argument and reads x through a closure, which the contract "
            "rules out.)"
        ),
        "source": '''import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at the array x."""
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x_plus = x.copy()
        x_plus[index] = x[index] + h
        x_minus = x.copy()
        x_minus[index] = x[index] - h
        grad[index] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
''',
    },
    # ----------------------------------------------------------- relative_error
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "mistake",
        "what": (
            "No special case for two zero arrays: 0 / 0 gives nan (with a RuntimeWarning) "
            "where the contract says 0. Every other input is right."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
''',
    },
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "mistake",
        "what": (
            "Avoids the division by zero with an epsilon, ||a - b|| / (||a|| + ||b|| + 1e-8): "
            "both-zero gives 0 and ordinary arrays are right to ~1e-8, but for arrays of tiny "
            "magnitude (norms around 1e-8 or below, e.g. gradients of a loss scaled by 1e-10) "
            "the result is far too small: b zero with ||a|| = 1e-9 gives 0.09 instead of 1."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    eps = 1e-8
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + eps))
''',
    },
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "mistake",
        "what": (
            "Returns the NumPy scalar without float(): for float32 arrays np.linalg.norm gives "
            "numpy.float32, so the result is a numpy.float32, not the Python float the contract "
            "requires (float64 arrays give numpy.float64, a float subclass, which passes). The "
            "values are right."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return np.linalg.norm(a - b) / denominator
''',
    },
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "mistake",
        "what": (
            "The element-wise relative error of the CS231n notes, max(|a - b| / (|a| + |b|)), "
            "instead of the ratio of norms: a = b gives 0 and b = -a or b = 0 give 1 as they "
            "should, but ordinary close or unrelated arrays give a different number (the worst "
            "entry instead of the overall ratio), and two zero arrays give nan."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    with np.errstate(invalid="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
''',
    },
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "correct",
        "what": (
            "Casts both arrays to float64, writes the norms as np.sqrt(np.sum(np.square(...))) "
            "and returns 0.0 when neither array has a non-zero entry (np.any); the result is a "
            "Python float."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not np.any(a) and not np.any(b):
        return 0.0
    num = np.sqrt(np.sum(np.square(a - b)))
    den = np.sqrt(np.sum(np.square(a))) + np.sqrt(np.sum(np.square(b)))
    return float(num / den)
''',
    },
]

ENTRIES.append(
    {
        "assignment": A,
        "function": "relative_error",
        "kind": "mistake",
        "what": (
            "Half-remembered formula: ||a - b|| / ||a||, relative to a alone. a = b gives 0 and "
            "b = 0 gives 1, but ordinary arrays give a different number (e.g. b = -a gives 2 "
            "instead of 1, unrelated arrays can exceed 1), a zero a with a non-zero b gives inf, "
            "and two zero arrays give nan."
        ),
        "source": '''import numpy as np


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), and 0 when a and b are both zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.linalg.norm(a - b) / np.linalg.norm(a))
''',
    }
)
