r"""Batch normalization as a forward/backward pair, with PyTorch's running statistics.

``x`` is (N, D): each of the D features is normalised over the batch, then scaled by
``gamma`` (D,) and shifted by ``beta`` (D,). NumPy and CuPy, float32 and float64.
"""

from __future__ import annotations

from typing import Any

from nnlib._validate import require_float_array, require_shape
from nnlib.backend import get_array_module


def batchnorm_forward(
    x: Any,
    gamma: Any,
    beta: Any,
    *,
    train: bool = True,
    running: dict | None = None,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[Any, Any]:
    r"""Normalise each feature over the batch, then scale and shift it.

    In training, with the batch mean :math:`\mu` and the biased batch variance
    :math:`\sigma^2` of each feature,

    .. math::

        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad
        \mathrm{out} = \gamma \hat x + \beta,

    and the running statistics move towards the batch's, as PyTorch's ``BatchNorm1d`` does:
    ``mean = (1 - momentum) mean + momentum mu`` and ``var = (1 - momentum) var + momentum
    s2``, where ``s2`` is the *unbiased* variance (divided by N - 1). In evaluation
    (``train=False``) the running mean and variance take the place of the batch's, so a
    prediction does not depend on the other samples of its batch.

    Parameters
    ----------
    x : array of shape (N, D)
    gamma, beta : arrays of shape (D,)
    train : bool
        Normalise with the batch's statistics (and update ``running``), or with ``running``.
    running : dict, optional
        ``{"mean": (D,), "var": (D,)}``, updated in place in training; missing entries start
        as PyTorch's, mean 0 and variance 1. Required in evaluation.
    momentum : float
        The weight of the new batch in the running statistics.
    eps : float
        Added to the variance under the square root.

    Returns
    -------
    out : array of shape (N, D)
    cache : tuple
        What :func:`batchnorm_backward` needs.
    """
    fn = "batchnorm_forward"
    require_float_array(fn, "x", x, ndim=2)
    d = x.shape[1]
    for name, value in (("gamma", gamma), ("beta", beta)):
        require_float_array(fn, name, value, ndim=1)
        require_shape(fn, name, value, (d,), "(D,)")
    xp = get_array_module(x)
    if running is not None:
        running.setdefault("mean", xp.zeros(d, dtype=x.dtype))
        running.setdefault("var", xp.ones(d, dtype=x.dtype))
    if train:
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"{fn}: training needs a batch of at least 2 samples; got {n}")
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        if running is not None:
            running["mean"] *= 1 - momentum
            running["mean"] += momentum * mean
            running["var"] *= 1 - momentum
            running["var"] += momentum * var * (n / (n - 1))
    else:
        if running is None or "mean" not in running:
            raise ValueError(f"{fn}: evaluation (train=False) needs the running statistics")
        mean, var = running["mean"], running["var"]
    inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)


def batchnorm_backward(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    r"""Gradients of batch normalization.

    With :math:`g = \partial L / \partial \hat x = \gamma\, \mathrm{dout}` and N samples, in
    training (the mean and variance depend on every sample of the batch):

    .. math::

        dx = \frac{1}{N \sqrt{\sigma^2 + \epsilon}}
             \Big( N g - \textstyle\sum_n g_n - \hat x \sum_n g_n \hat x_n \Big),

    and in evaluation, where the statistics are constants, :math:`dx = g / \sqrt{\sigma^2 +
    \epsilon}`. In both, :math:`d\gamma = \sum_n \mathrm{dout}_n \hat x_n` and
    :math:`d\beta = \sum_n \mathrm{dout}_n`.

    Parameters
    ----------
    dout : array of shape (N, D)
    cache : tuple
        From :func:`batchnorm_forward`.

    Returns
    -------
    dx : array of shape (N, D)
    dgamma, dbeta : arrays of shape (D,)
    """
    x_hat, gamma, inv_std, train = cache
    require_shape("batchnorm_backward", "dout", dout, tuple(x_hat.shape), "(N, D)")
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * (inv_std / n)
    return dx, dgamma, dbeta
