r"""The dense (fully connected) layer as a forward/backward pair.

Shapes, batch first: N samples, D input features, M output units.
``x`` is (N, D), ``W`` is (D, M), ``b`` is (M,) and the output is (N, M).
"""

from __future__ import annotations

from typing import Any

from nnlib._validate import require_dense_inputs, require_shape


def dense_forward(x: Any, W: Any, b: Any) -> tuple[Any, Any]:
    r"""Affine map of a batch: :math:`\mathrm{out} = x W + b`.

    Parameters
    ----------
    x : array of shape (N, D)
        One sample per row.
    W : array of shape (D, M)
        Weights: column ``m`` holds the input weights of unit ``m``.
    b : array of shape (M,)
        Biases, broadcast over the batch.

    Returns
    -------
    out : array of shape (N, M)
    cache : tuple
        ``(x, W)``, what :func:`dense_backward` needs.

    Examples
    --------
    >>> import numpy as np
    >>> out, _ = dense_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))
    >>> out.shape
    (2, 4)
    """
    require_dense_inputs("dense_forward", x, W, b)
    out = x @ W
    out += b  # in place: no second (N, M) array
    return out, (x, W)


def dense_backward(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    r"""Gradients of the dense layer, given the upstream gradient ``dout``.

    From :math:`\mathrm{out} = x W + b`:

    .. math::

        dx = \mathrm{dout}\, W^\top, \qquad
        dW = x^\top \mathrm{dout}, \qquad
        db = \textstyle\sum_{n} \mathrm{dout}_{n,:}

    Parameters
    ----------
    dout : array of shape (N, M)
        :math:`\partial L / \partial \mathrm{out}`.
    cache : tuple
        ``(x, W)`` from :func:`dense_forward`.

    Returns
    -------
    dx : array of shape (N, D)
    dW : array of shape (D, M)
    db : array of shape (M,)
    """
    x, W = cache
    require_shape("dense_backward", "dout", dout, (x.shape[0], W.shape[1]), "(N, M)")
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
