"""Checks of the two losses against :mod:`nnlib.losses`: value and gradient w.r.t. the logits."""

from __future__ import annotations

import numpy as np

from autograder.checks.arrays import ArrayCheck, large
from autograder.checks.base import Case
from autograder.checks.mistakes import Mistakes
from nnlib import losses as ref

STABLE_BCE = (
    "the loss must come from the logits z in a form that stays finite, not from log(sigmoid(z))"
)
STABLE_CE = "log p must come from the logits in a form that stays finite (max-subtraction)"


def _logits(rng, shape, dtype, kind):
    if kind == "zeros":
        return np.zeros(shape, dtype)
    if kind == "large":
        return large(rng, shape, dtype)
    return (rng.standard_normal(shape) * 3).astype(dtype)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


class LossCheck(ArrayCheck):
    """Shared judging of ``loss_fn(logits, y) -> (loss, dlogits)``."""

    expected_keys = ("loss", "dlogits")
    arg_names = ("logits", "y")
    relations = ("repeat batch",)
    per_sample = ("dlogits",)
    edge_names = {"large": "|logits| up to 1e4"}
    returns = (
        "the pair (loss, dlogits): loss a Python float, the mean over the batch; dlogits a"
        " NumPy array of the logits' shape and dtype"
    )

    def expected(self, case):
        loss, dlogits = getattr(ref, self.name)(*case.args)
        return {"loss": loss, "dlogits": dlogits}

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 2:
            return {"loss": output[0], "dlogits": output[1]}
        return f"{self.name} must return the pair (loss, dlogits); got {type(output).__name__}"


class BinaryCrossEntropyCheck(LossCheck):
    """``binary_cross_entropy(logits (N, 1), y) -> (loss, dlogits)``."""

    python_floats = ("loss",)
    name = "binary_cross_entropy"
    reference = ("nnlib.losses:binary_cross_entropy",)
    points = 3.0

    def make_case(self, rng, shape, dtype, kind):
        n = shape[0]
        z = _logits(rng, (n, 1), dtype, kind)
        y = rng.integers(0, 2, size=n)
        if kind == "large":
            y = (z[:, 0] < 0).astype(np.int64)  # confidently wrong wherever z != 0
        if dtype == "float64":
            y = y.reshape(n, 1).astype(np.float64)
        what = {"random": "", "zeros": " logits all zeros", "large": " |logits| up to 1e4"}[kind]
        return Case(f"{dtype} logits{(n, 1)} y{tuple(y.shape)}{what}", (z, y))

    def mistakes(self, case):
        z, y = case.args
        z = np.asarray(z, np.float64)
        y = np.asarray(y, np.float64)
        n = len(z)
        y_col = y.reshape(n, 1)
        p = _sigmoid(z)
        with np.errstate(all="ignore"):
            per_sample = np.maximum(z, 0) - z * y_col + np.log1p(np.exp(-np.abs(z)))
            broadcast = np.maximum(z, 0) - z * y.reshape(1, n) + np.log1p(np.exp(-np.abs(z)))
        broadcast_hint = (
            "y of shape (N,) broadcast against logits (N, 1) to (N, N): y is not a column like"
            " the logits"
        )
        own = case.args[0]  # in its dtype: log(sigmoid) overflows as the student's does
        with np.errstate(all="ignore"):
            naive_p = 1 / (1 + np.exp(-own))
            yo = y_col.astype(own.dtype)
            naive = -np.mean(yo * np.log(naive_p) + (1 - yo) * np.log(1 - naive_p))
        return {
            "loss": [
                (f"it takes log(sigmoid(z)), which overflows for large |z|: {STABLE_BCE}", naive),
                ("it sums over the batch; the loss is the mean", per_sample.sum()),
                (broadcast_hint, broadcast.mean()),
                (broadcast_hint, broadcast.sum() / n),
            ],
            "dlogits": [
                (broadcast_hint, (p - y.reshape(1, n)) / n),
                (broadcast_hint, p - y.reshape(1, n)),
                ("it is not divided by N (the loss is a mean over the batch)", p - y_col),
                ("it is y - p: the gradient with its sign flipped", (y_col - p) / n),
                (
                    "it multiplies by sigmoid'(z), which the gradient of BCE at the logits"
                    " does not have",
                    p * (1 - p) * (p - y_col) / n,
                ),
            ],
        }


class SoftmaxCrossEntropyCheck(LossCheck):
    """``softmax_cross_entropy(logits (N, C), y) -> (loss, dlogits)``, y ints or one-hot."""

    python_floats = ("loss",)
    name = "softmax_cross_entropy"
    reference = ("nnlib.losses:softmax_cross_entropy",)
    points = 3.0
    relations = ("repeat batch", "shift rows")

    def _slack(self, case):
        """The base slack, and the rounding of the log-sum-exp at the logits' magnitude: a
        stable form that subtracts the target's logit from the log-sum-exp (rather than
        shifting by the maximum first) loses a few units in the last place of the largest
        logit, in the loss and in every probability."""
        out = dict(super()._slack(case))
        logits = np.asarray(case.args[0])
        if logits.dtype.kind != "f" or not logits.size:
            return out
        rounding = 4 * np.finfo(logits.dtype).eps * float(np.max(np.abs(logits)))
        z = logits.astype(np.float64)
        shifted = z - z.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        out["loss"] = np.maximum(out.get("loss", 0.0), rounding)
        out["dlogits"] = np.maximum(out.get("dlogits", 0.0), rounding * p / len(z))
        return out

    def factors(self, case):
        """The usual factors, and C, the number of classes: a mean over all N * C entries."""
        out = super().factors(case)
        classes = np.shape(case.args[0])[-1]
        if classes > 1:
            out.update({"C": float(classes), "1/C": 1.0 / classes})
        return out

    def make_case(self, rng, shape, dtype, kind):
        n, c = shape
        c = max(c, 2)
        z = _logits(rng, (n, c), dtype, kind)
        y = rng.integers(0, c, size=n)
        if kind == "large":
            y = np.argmin(z, axis=1)  # the class the network is most sure it is not
        if dtype == "float64" and n > 1:
            y = np.eye(c, dtype=dtype)[y]
        what = {"random": "", "zeros": " logits all zeros", "large": " |logits| up to 1e4"}[kind]
        kind_y = "one-hot" if y.ndim == 2 else "ints"
        return Case(f"{dtype} logits{(n, c)} y {kind_y}{what}", (z, y))

    def mistakes(self, case):
        z, y = case.args
        z = np.asarray(z, np.float64)
        n, c = z.shape
        t = np.asarray(y, np.float64) if np.ndim(y) == 2 else np.eye(c)[np.asarray(y)]
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        own = case.args[0]  # in its dtype: exp overflows as the student's does
        with np.errstate(all="ignore"):
            naive_p = np.exp(own) / np.exp(own).sum(axis=1, keepdims=True)
            naive_loss = -(t * np.log(naive_p)).sum() / n
        overflow = (
            "the loss is NaN or infinite for large logits: exp(logits) overflows, or a"
            f" probability underflows to 0 before its log; {STABLE_CE}"
        )
        return {
            "loss": [
                (overflow, naive_loss),
                ("it sums over the batch; the loss is the mean", -(t * log_p).sum()),
                (
                    "it averages -log p over every class; only the true class's term counts",
                    -log_p.mean(),
                ),
                ("it adds -log p of every class, not only the true class", -log_p.sum() / n),
            ],
            "dlogits": [
                (overflow, (naive_p - t) / n),
                ("it is not divided by N (the loss is a mean over the batch)", p - t),
                ("the one-hot targets are not subtracted", p / n),
                ("it is t - p: the gradient with its sign flipped", (t - p) / n),
            ],
        }


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "06-losses"

CHECKS = [BinaryCrossEntropyCheck(), SoftmaxCrossEntropyCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant(
    "binary_cross_entropy", "return float(loss), (probs - y) / n", "return float(loss), probs - y"
)


@MISTAKES.wrong(
    "binary_cross_entropy", "integer labels promote dlogits to float64", "so do integer labels"
)
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1)
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    return float(loss), (0.5 * (1 + np.tanh(0.5 * logits)) - y) / n


@MISTAKES.wrong("binary_cross_entropy", "log of the sigmoid: overflows", "not from log(sigmoid(z))")
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    p = 1 / (1 + np.exp(-logits))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / n


@MISTAKES.wrong("binary_cross_entropy", "sum instead of mean", "sums over the batch")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss * len(logits), dlogits * len(logits)


@MISTAKES.wrong("binary_cross_entropy", "gradient not divided by N", "not divided by N")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss, dlogits * len(logits)


@MISTAKES.wrong("binary_cross_entropy", "y of shape (N,) broadcast to (N, N)", "(N, N)")
def _(logits, y):
    n = len(logits)
    y = y.astype(logits.dtype)
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    return float(per.mean()), (1 / (1 + np.exp(-logits)) - y) / n


@MISTAKES.wrong("binary_cross_entropy", "y - p", "sign flipped")
def _(logits, y):
    loss, dlogits = ok.binary_cross_entropy(logits, y)
    return loss, -dlogits


@MISTAKES.wrong(
    "softmax_cross_entropy",
    "log of the softmax without max-subtraction",
    "max-subtraction",
)
def _(logits, y):
    n, c = logits.shape
    t = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-(t * np.log(p)).sum() / n), (p - t) / n


@MISTAKES.wrong("softmax_cross_entropy", "sum instead of mean", "sums over the batch")
def _(logits, y):
    loss, dlogits = ok.softmax_cross_entropy(logits, y)
    return loss * len(logits), dlogits


@MISTAKES.wrong("softmax_cross_entropy", "mean over all N * C entries", "divided by C")
def _(logits, y):
    loss, dlogits = ok.softmax_cross_entropy(logits, y)
    return loss / logits.shape[1], dlogits


@MISTAKES.wrong("softmax_cross_entropy", "gradient not divided by N", "not divided by N")
def _(logits, y):
    loss, dlogits = ok.softmax_cross_entropy(logits, y)
    return loss, dlogits * len(logits)


@MISTAKES.wrong(
    "softmax_cross_entropy", "one-hot not subtracted", "one-hot targets are not subtracted"
)
def _(logits, y):
    loss, _ = ok.softmax_cross_entropy(logits, y)
    return loss, ok.softmax(logits) / len(logits)


@MISTAKES.wrong("softmax_cross_entropy", "integer labels only", "must be of integer")
def _(logits, y):
    n = len(logits)
    p = ok.softmax(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    p[np.arange(n), y] -= 1
    return float(loss), p / n


@MISTAKES.wrong("binary_cross_entropy", "probabilities clipped to [1e-7, 1 - 1e-7]", "1e4")
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    p = np.clip(1 / (1 + np.exp(-logits)), 1e-7, 1 - 1e-7)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), ((p - y) / n).astype(logits.dtype)


@MISTAKES.wrong("binary_cross_entropy", "the loss of each sample, not their mean", "loss has shape")
def _(logits, y):
    n = len(logits)
    y = y.reshape(n, 1).astype(logits.dtype)
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    return per[:, 0], (0.5 * (1 + np.tanh(0.5 * logits)) - y) / n


@MISTAKES.wrong(
    "softmax_cross_entropy", "log p of every row's labels, log_p[:, y]", "counterexample"
)
def _(logits, y):
    n, c = logits.shape
    t = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y.astype(logits.dtype)
    labels = t.argmax(axis=1)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[:, labels].mean()), (np.exp(log_p) - t) / n


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("binary_cross_entropy", "float64 inside, cast back")
def _(logits, y):
    z = logits.astype(np.float64)
    t = y.reshape(-1, 1).astype(np.float64)
    loss = np.mean(np.logaddexp(0, z) - z * t)
    p = np.exp(-np.logaddexp(0, -z))
    return float(loss), ((p - t) / len(z)).astype(logits.dtype)


@MISTAKES.right("softmax_cross_entropy", "z - logsumexp(z) in float32, one-hot cast")
def _(logits, y):
    n, c = logits.shape
    t = np.eye(c)[y].astype(logits.dtype) if y.ndim == 1 else y.astype(logits.dtype)
    m = logits.max(axis=1, keepdims=True)
    log_p = logits - (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))
    return float(-(t * log_p).sum() / n), (np.exp(log_p) - t) / np.float32(n).astype(logits.dtype)


@MISTAKES.right("softmax_cross_entropy", "einsum for the loss")
def _(logits, y):
    n, c = logits.shape
    t = np.zeros_like(logits)
    if y.ndim == 1:
        t[np.arange(n), y] = 1
    else:
        t[...] = y
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.einsum("nc,nc->", t, log_p) / n), (np.exp(log_p) - t) / n
