"""A planted class of 05-activations for the similarity report.

Five authors wrote every function independently, each in their own way (all correct). The
copies are made from them the ways students hide a copy: renamed variables, functions in another
order, other comments, all three at once, the file as it is; and whole notebooks pasted from
``solutions/`` or from nnlib's source.
"""

from __future__ import annotations

import random
import re

CELLS = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax")

AUTHORS: dict[str, dict[str, str]] = {
    "ada": {
        "sigmoid": """\
def sigmoid_forward(z):
    lower = np.minimum(z, 0)
    upper = np.maximum(z, 0)
    a = np.where(z < 0, np.exp(lower) / (1 + np.exp(lower)), 1 / (1 + np.exp(-upper)))
    return a, a


def sigmoid_backward(da, cache):
    sigma = cache
    return sigma * da - sigma * sigma * da
""",
        "tanh": """\
def tanh_forward(z):
    return np.tanh(z), np.tanh(z)


def tanh_backward(da, cache):
    square = cache**2
    return (1.0 - square) * da
""",
        "relu": """\
def relu_forward(z):
    return z.clip(min=0), z


def relu_backward(da, cache):
    keep = (cache > 0).astype(da.dtype)
    return keep * da
""",
        "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    positive_part = np.maximum(z, 0)
    negative_part = alpha * np.minimum(z, 0)
    return positive_part + negative_part, (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    grad = np.full_like(da, alpha)
    grad[z > 0] = 1
    return grad * da
""",
        "softmax": """\
def softmax(z):
    exps = np.exp(z - np.max(z, axis=1, keepdims=True))
    total = np.sum(exps, axis=1, keepdims=True)
    return exps / total
""",
    },
    "bao": {
        "sigmoid": """\
def sigmoid_forward(z):
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out, out


def sigmoid_backward(da, cache):
    slope = cache * (1.0 - cache)
    return da * slope
""",
        "tanh": """\
def tanh_forward(z):
    decay = np.exp(-2 * np.abs(z))
    t = np.sign(z) * (1 - decay) / (1 + decay)
    return t, t


def tanh_backward(da, cache):
    return da - da * cache * cache
""",
        "relu": """\
def relu_forward(z):
    out = z.copy()
    out[out < 0] = 0
    return out, z > 0


def relu_backward(da, cache):
    return np.where(cache, da, np.zeros_like(da))
""",
        "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    return np.maximum(z, alpha * z), (z, alpha)


def leaky_relu_backward(da, cache):
    z, slope_left = cache
    slope = np.ones_like(z)
    slope[z <= 0] = slope_left
    return da * slope
""",
        "softmax": """\
def softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return np.exp(shifted - log_norm)
""",
    },
    "chidi": {
        "sigmoid": """\
def sigmoid_forward(z):
    small = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + small), small / (1 + small))
    return s, s


def sigmoid_backward(da, cache):
    s = cache
    return da * (s - s**2)
""",
        "tanh": """\
def tanh_forward(z):
    s, _ = sigmoid_forward(2 * z)
    t = 2 * s - 1
    return t, t


def tanh_backward(da, cache):
    one_minus = 1.0 - np.square(cache)
    return da * one_minus
""",
        "relu": """\
def relu_forward(z):
    return z * (z > 0), z


def relu_backward(da, cache):
    grad = np.zeros_like(da)
    grad[cache > 0] = da[cache > 0]
    return grad
""",
        "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    pos = z > 0
    factor = np.where(pos, 1, alpha).astype(z.dtype)
    return z * factor, (pos, alpha)


def leaky_relu_backward(da, cache):
    pos, alpha = cache
    return da * np.where(pos, 1, alpha).astype(da.dtype)
""",
        "softmax": """\
def softmax(z):
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        row = np.exp(z[i] - z[i].max())
        out[i] = row / row.sum()
    return out
""",
    },
    "dana": {
        "sigmoid": """\
def sigmoid_forward(z):
    y = np.exp(-np.logaddexp(0, -z)).astype(z.dtype)
    return y, y


def sigmoid_backward(da, cache):
    sig = cache
    grad = da * sig
    grad = grad * (1 - sig)
    return grad
""",
        "tanh": """\
def tanh_forward(z):
    y = np.tanh(z)
    return y, {"y": y}


def tanh_backward(da, cache):
    y = cache["y"]
    return da * (1 + y) * (1 - y)
""",
        "relu": """\
def relu_forward(z):
    a = np.clip(z, 0, None)
    return a, a


def relu_backward(da, cache):
    return da * np.sign(cache)
""",
        "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    a = z.copy()
    negative = a <= 0
    a[negative] *= alpha
    return a, (negative, alpha)


def leaky_relu_backward(da, cache):
    negative, alpha = cache
    d = da.copy()
    d[negative] *= alpha
    return d
""",
        "softmax": """\
def softmax(z):
    top = np.amax(z, 1)[:, None]
    numerator = np.exp(z - top)
    return numerator / numerator.sum(1)[:, None]
""",
    },
    "emre": {
        "sigmoid": """\
def sigmoid_forward(z):
    clipped = np.clip(z, -60, 60)
    result = 1 / (1 + np.exp(-clipped))
    return result, result


def sigmoid_backward(da, cache):
    return cache * (1 - cache) * da
""",
        "tanh": """\
def tanh_forward(z):
    value = np.tanh(z.astype(np.float64)).astype(z.dtype)
    return value, value


def tanh_backward(da, cache):
    derivative = np.ones_like(cache) - cache * cache
    return derivative * da
""",
        "relu": """\
def relu_forward(z):
    activated = np.where(z > 0, z, np.zeros_like(z))
    return activated, {"input": z}


def relu_backward(da, cache):
    dz = np.array(da, copy=True)
    dz[cache["input"] <= 0] = 0
    return dz
""",
        "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    scale = np.ones_like(z)
    scale[z <= 0] = alpha
    return z * scale, scale


def leaky_relu_backward(da, cache):
    return da * cache
""",
        "softmax": """\
def softmax(z):
    logits = z - z.max(axis=1)[:, np.newaxis]
    probs = np.exp(logits)
    probs /= probs.sum(axis=1)[:, np.newaxis]
    return probs
""",
    },
}

#: The nnlib implementations pasted as they are (with NumPy for nnlib's array module).
NNLIB_PASTE: dict[str, str] = {
    "sigmoid": """\
def sigmoid_forward(z):
    xp = np
    e = xp.exp(-xp.abs(z))
    a = xp.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return a, a


def sigmoid_backward(da, cache):
    a = cache
    return da * a * (1 - a)
""",
    "tanh": """\
def tanh_forward(z):
    xp = np
    a = xp.tanh(z)
    return a, a


def tanh_backward(da, cache):
    a = cache
    return da * (1 - a * a)
""",
    "relu": """\
def relu_forward(z):
    xp = np
    return xp.maximum(z, 0), z


def relu_backward(da, cache):
    z = cache
    return da * (z > 0)
""",
    "leaky_relu": """\
def leaky_relu_forward(z, alpha=0.01):
    xp = np
    return xp.where(z > 0, z, alpha * z), (z, alpha)


def leaky_relu_backward(da, cache):
    z, alpha = cache
    xp = np
    return xp.where(z > 0, da, alpha * da)
""",
    "softmax": """\
def softmax(z):
    xp = np
    e = xp.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
""",
}


def renamed(cells: dict[str, str]) -> dict[str, str]:
    """Every local variable given another name."""
    names = {
        "out": "result_arr", "positive": "is_pos", "exp_z": "ez", "slope": "deriv",
        "decay": "shrink", "t": "th", "shifted": "centered", "log_norm": "lse",
        "slope_left": "neg_slope",
    }  # fmt: skip
    pattern = re.compile(r"\b(" + "|".join(names) + r")\b")
    return {k: pattern.sub(lambda m: names[m[1]], v) for k, v in cells.items()}


def reordered(cells: dict[str, str]) -> dict[str, str]:
    """The backward function of each cell before its forward function."""
    out = {}
    for key, source in cells.items():
        parts = source.strip("\n").split("\n\n\n")
        out[key] = "\n\n\n".join(reversed(parts)) + "\n"
    return out


def commented(cells: dict[str, str]) -> dict[str, str]:
    """Other comments: the old ones gone, new ones on every function."""
    out = {}
    for key, source in cells.items():
        lines = [line for line in source.splitlines() if not line.strip().startswith("#")]
        body = []
        for line in lines:
            body.append(line)
            if line.startswith("def "):
                body.append("    # my own implementation, written after the lecture")
        out[key] = "\n".join(body) + "\n"
    return out


def planted_class() -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
    """Students -> replaced solution cells, and what each copy must be flagged with.

    The second value maps a student to the names it must be paired with: another student's
    id, ``solutions`` or ``nnlib`` (and possibly those in :data:`MAY_ALSO`). An independent
    author must be flagged with nothing.
    """
    students = {name: dict(cells) for name, cells in AUTHORS.items()}
    expected: dict[str, set[str]] = {name: set() for name in AUTHORS}
    copies = {
        "bao_renamed": renamed(AUTHORS["bao"]),
        "bao_reordered": reordered(AUTHORS["bao"]),
        "bao_commented": commented(AUTHORS["bao"]),
        "bao_all_three": commented(reordered(renamed(AUTHORS["bao"]))),
        "emre_exact": dict(AUTHORS["emre"]),
        "emre_exact2": dict(AUTHORS["emre"]),
    }
    students.update(copies)
    bao_group = {"bao", "bao_renamed", "bao_reordered", "bao_commented", "bao_all_three"}
    for name in bao_group:
        expected[name] = bao_group - {name}
    emre_group = {"emre", "emre_exact", "emre_exact2"}
    for name in emre_group:
        expected[name] = emre_group - {name}
    students["from_solutions"] = {}  # the source notebook's solution cells, as they are
    expected["from_solutions"] = {"solutions"}
    students["from_nnlib"] = dict(NNLIB_PASTE)
    expected["from_nnlib"] = {"nnlib"}
    return students, expected


#: Flags a student may have beyond the expected ones: nnlib and the solutions share much of
#: their code, so a paste of either can come close to the other, and to the other paste.
MAY_ALSO = {
    "from_solutions": {"nnlib", "from_nnlib"},
    "from_nnlib": {"solutions", "from_solutions"},
}


def own_code(rng: random.Random) -> str:
    """A few lines a student writes to try their functions out: their own numbers, in their
    own order, so that no two students' are alike."""
    a, b, n = rng.randint(2, 9), rng.randint(10, 99), rng.randint(5, 60)
    lines = [
        f"grid = np.linspace(-{a}, {b}, {n})",
        f"print(np.round(sigmoid_forward(grid)[0][:{rng.randint(2, 9)}], {rng.randint(2, 6)}))",
        f"probs = softmax(np.arange({2 * n}).reshape(2, {n}) / {b}.0)",
        f"assert abs(probs.sum() - 2) < 1e-{rng.randint(4, 9)}",
        f"peak = relu_forward(grid * {rng.randint(2, 20)})[0].max()",
        f"print('tanh at {a}:', tanh_forward(np.array([{a}.0]))[0])",
        f"slope = leaky_relu_forward(grid, alpha={rng.randint(1, 30) / 100})[0][{rng.randint(0, 4)}]",
        f"print(peak / {rng.randint(2, 50)}, slope * {rng.randint(2, 50)})",
    ]
    return "\n".join(rng.sample(lines, 5)) + "\n"


def idiom_class(
    size: int = 300, copies: int = 3, seed: int = 0
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """A class whose students take every function from a small pool of idioms (the five
    authors' ways of writing it) and add a few lines of their own, with planted copies.

    Returns students -> replaced solution cells, and copier -> the student copied. A copier
    hands in the student's notebook renamed and recommented.
    """
    rng = random.Random(seed)
    authors = sorted(AUTHORS)
    students: dict[str, dict[str, str]] = {}
    for i in range(size - copies):
        cells = {cell: AUTHORS[rng.choice(authors)][cell] for cell in CELLS}
        cells["softmax"] += "\n\n" + own_code(rng)
        students[f"s{i:03d}"] = cells
    originals = rng.sample(sorted(students), copies)
    planted = {}
    for n, original in enumerate(originals):
        copier = f"copier{n}"
        students[copier] = commented(renamed(students[original]))
        planted[copier] = original
    return students, planted
