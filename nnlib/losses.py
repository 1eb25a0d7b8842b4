r"""Loss functions computed from logits, each returning the mean loss and its gradient.

Working from logits rather than probabilities lets both losses use the log-sum-exp form, which
stays finite for logits of any size (tested up to :math:`|z| = 10^4`).

Shapes: N samples, C classes. Binary models have one output unit, logits (N, 1).
"""

from __future__ import annotations

from typing import Any

from nnlib._validate import require_float_array
from nnlib.activations import sigmoid_forward
from nnlib.backend import get_array_module


def _binary_labels(fn: str, logits: Any, y: Any) -> Any:
    """Return ``y`` as a (N, 1) array of the logits' dtype, checking its shape and values."""
    n = logits.shape[0]
    if tuple(y.shape) not in ((n,), (n, 1)):
        raise ValueError(
            f"{fn}: y must be ({n},) or ({n}, 1) to match logits; got {tuple(y.shape)}"
        )
    xp = get_array_module(logits)
    y = xp.asarray(y).reshape(n, 1)
    if n and not bool(((y == 0) | (y == 1)).all()):
        bad = y[(y != 0) & (y != 1)][0]
        raise ValueError(f"{fn}: labels y must be 0 or 1; found {bad.item()!r}")
    return y.astype(logits.dtype, copy=False)


def binary_cross_entropy(logits: Any, y: Any) -> tuple[float, Any]:
    r"""Mean binary cross-entropy of sigmoid outputs, computed from the logits.

    With :math:`p = \sigma(z)`,

    .. math::

        L = -\frac{1}{N} \sum_n \big[ y_n \log p_n + (1 - y_n) \log (1 - p_n) \big]
          = \frac{1}{N} \sum_n \big[ \max(z_n, 0) - z_n y_n + \log(1 + e^{-|z_n|}) \big],

    and :math:`\partial L / \partial z_n = (p_n - y_n) / N`.

    Parameters
    ----------
    logits : array of shape (N, 1)
        The network's output before the sigmoid.
    y : array of shape (N,) or (N, 1)
        Labels, 0 or 1.

    Returns
    -------
    loss : float
    dlogits : array of shape (N, 1)
    """
    fn = "binary_cross_entropy"
    require_float_array(fn, "logits", logits, ndim=2)
    if logits.shape[1] != 1:
        raise ValueError(
            f"{fn}: logits must be (N, 1) for one output unit; got {tuple(logits.shape)}"
        )
    y = _binary_labels(fn, logits, y)
    xp = get_array_module(logits)
    n = logits.shape[0]
    # log(1 + e^z) - y z, written so that no exponent is positive.
    loss = (xp.maximum(logits, 0) - logits * y + xp.log1p(xp.exp(-xp.abs(logits)))).sum() / n
    probs, _ = sigmoid_forward(logits)
    return float(loss), (probs - y) / n


def _class_targets(fn: str, logits: Any, y: Any) -> Any:
    """Return ``y`` checked: class indices (N,) as they are, one-hot (N, C) in the logits' dtype."""
    xp = get_array_module(logits)
    n, c = logits.shape
    y = xp.asarray(y)
    if y.ndim == 2:
        if tuple(y.shape) != (n, c):
            raise ValueError(
                f"{fn}: one-hot y must be ({n}, {c}) like logits; got {tuple(y.shape)}"
            )
        return y.astype(logits.dtype, copy=False)
    if y.shape != (n,):
        raise ValueError(
            f"{fn}: y must be class indices ({n},) or one-hot ({n}, {c}); got {tuple(y.shape)}"
        )
    if y.dtype.kind not in "iu":
        raise TypeError(f"{fn}: class indices y must be integers; got dtype {y.dtype}")
    if n and (int(y.min()) < 0 or int(y.max()) >= c):
        bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
        raise ValueError(f"{fn}: labels must be in 0..{c - 1} for {c} classes; found {bad}")
    return y


def softmax_cross_entropy(logits: Any, y: Any) -> tuple[float, Any]:
    r"""Mean cross-entropy of the softmax of the logits.

    With :math:`p = \mathrm{softmax}(z)` row by row and one-hot targets :math:`t`,

    .. math::

        L = -\frac{1}{N} \sum_n \sum_c t_{nc} \log p_{nc}, \qquad
        \log p_{nc} = z_{nc} - \max_k z_{nk} - \log \sum_k e^{z_{nk} - \max_j z_{nj}},

    and :math:`\partial L / \partial z = (p - t) / N`.

    Parameters
    ----------
    logits : array of shape (N, C)
    y : int array of shape (N,) or array of shape (N, C)
        Class indices in ``0..C-1``, or one-hot rows.

    Returns
    -------
    loss : float
    dlogits : array of shape (N, C)
    """
    fn = "softmax_cross_entropy"
    require_float_array(fn, "logits", logits, ndim=2)
    targets = _class_targets(fn, logits, y)
    xp = get_array_module(logits)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = xp.exp(shifted)
    sum_exp = probs.sum(axis=1, keepdims=True)
    probs /= sum_exp
    if targets.ndim == 2:  # one-hot rows
        loss = -(targets * (shifted - xp.log(sum_exp))).sum() / n
        return float(loss), (probs - targets) / n
    # Class indices: pick each row's own log-probability instead of multiplying by a one-hot
    # matrix that is almost all zeros.
    rows = xp.arange(n)
    loss = (xp.log(sum_exp[:, 0]) - shifted[rows, targets]).sum() / n
    probs[rows, targets] -= 1
    probs /= n
    return float(loss), probs
