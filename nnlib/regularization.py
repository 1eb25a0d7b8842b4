r"""Regularization: the L2 penalty and inverted dropout.

Shapes, batch first: ``x`` is (N, D). Every function works on NumPy and CuPy arrays, in float32
and float64, and keeps the dtype of its input.
"""

from __future__ import annotations

from typing import Any

from nnlib._validate import require_float_array, require_same_shape
from nnlib.backend import get_array_module


def l2_penalty(params: dict, lam: float) -> tuple[Any, dict]:
    r"""The L2 penalty on the weights, :math:`\frac{\lambda}{2} \sum_l \lVert W_l \rVert^2`, and
    its gradient :math:`\lambda W_l`.

    Only the weight matrices (keys starting with ``"W"``) are penalised; the biases, which do
    not make the network more sensitive to its input, get a zero gradient. Added to the loss,
    the penalty's gradient makes a plain SGD step
    :math:`W \leftarrow W - \eta (\partial L / \partial W + \lambda W)
    = (1 - \eta \lambda) W - \eta\, \partial L / \partial W`: the weights shrink by the factor
    :math:`1 - \eta \lambda` at every step, which is weight decay of the weights alone.
    :class:`nnlib.optim.SGD`'s ``weight_decay``, like PyTorch's, decays every parameter it is
    given, biases included.

    Parameters
    ----------
    params : dict of str to array
        The network's parameters, such as ``MLP.params``.
    lam : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    penalty : float
    grads : dict
        The keys of ``params``: :math:`\lambda W` for each weight matrix, zeros for the rest.
    """
    if lam < 0:
        raise ValueError(f"l2_penalty: lam must be >= 0; got {lam}")
    penalty = 0.0
    grads = {}
    for name, value in params.items():
        require_float_array("l2_penalty", name, value)
        xp = get_array_module(value)
        if name.startswith("W"):
            penalty += 0.5 * lam * float((value * value).sum())
            grads[name] = lam * value
        else:
            grads[name] = xp.zeros_like(value)
    return penalty, grads


def dropout_forward(x: Any, p: float, *, train: bool = True, rng: Any = None) -> tuple[Any, Any]:
    r"""Inverted dropout: drop each unit with probability ``p``, scale the kept ones by
    :math:`1 / (1 - p)`.

    The scaling keeps every unit's expected value, so evaluation (``train=False``) is the
    identity and needs no rescaling. ``p`` is the probability of *dropping*, as in PyTorch.

    Parameters
    ----------
    x : array of shape (N, D)
    p : float
        In [0, 1]; 1 drops everything.
    train : bool
        False returns ``x`` unchanged (evaluation).
    rng : numpy.random.Generator or cupy.random.Generator, optional
        Draws the mask; default a new unseeded generator of ``x``'s backend. Pass a seeded one
        to have the same mask again (a gradient check needs that).

    Returns
    -------
    out : array of the shape of x
    cache : tuple
        ``(mask, scale)``: the boolean mask of kept units and :math:`1 / (1 - p)`, or None in
        evaluation.
    """
    require_float_array("dropout_forward", "x", x)
    if not 0 <= p <= 1:
        raise ValueError(f"dropout_forward: p must be in [0, 1]; got {p}")
    if not train or p == 0:
        return x, None
    xp = get_array_module(x)
    if rng is None:
        rng = xp.random.default_rng()
    mask = rng.random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * (mask * x.dtype.type(scale)), (mask, scale)


def dropout_backward(dout: Any, cache: Any) -> Any:
    r"""Gradient through dropout: the upstream gradient of the kept units, scaled alike.

    Parameters
    ----------
    dout : array of the shape of x
    cache : tuple or None
        From :func:`dropout_forward`; None (evaluation, or ``p = 0``) passes ``dout`` through.

    Returns
    -------
    dx : array of the shape of x
    """
    require_float_array("dropout_backward", "dout", dout)
    if cache is None:
        return dout
    mask, scale = cache
    require_same_shape("dropout_backward", "dout", dout, "the mask", mask)
    return dout * (mask * dout.dtype.type(scale))
