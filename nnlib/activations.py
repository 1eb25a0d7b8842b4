r"""Activation functions as forward/backward pairs, and the row-wise softmax.

Each ``*_forward(z)`` returns ``(a, cache)`` where ``a`` has the shape of ``z``; the matching
``*_backward(da, cache)`` returns ``dz``, the gradient of the loss with respect to ``z``, by the
chain rule :math:`\partial L / \partial z = \partial L / \partial a \cdot a'(z)` element-wise.
Shapes are arbitrary: an activation works element by element.
"""

from __future__ import annotations

from typing import Any

from nnlib._validate import require_float_array, require_same_shape
from nnlib.backend import get_array_module


def sigmoid_forward(z: Any) -> tuple[Any, Any]:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Computed as :math:`e^{-|z|}`-based fractions so that no exponent overflows, for any ``z``.

    Parameters
    ----------
    z : array of any shape
        Pre-activations, float32 or float64.

    Returns
    -------
    a : array of the shape of z
        :math:`\sigma(z)`, in [0, 1].
    cache : array
        ``a``, which is all the backward step needs.
    """
    require_float_array("sigmoid_forward", "z", z)
    xp = get_array_module(z)
    e = xp.exp(-xp.abs(z))  # in (0, 1]: never overflows
    a = xp.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return a, a


def sigmoid_backward(da: Any, cache: Any) -> Any:
    r"""Gradient through the sigmoid: :math:`dz = da \cdot \sigma(z)\,(1 - \sigma(z))`.

    Parameters
    ----------
    da : array of the shape of z
        Upstream gradient :math:`\partial L / \partial a`.
    cache : array
        ``a = sigmoid(z)`` from :func:`sigmoid_forward`.

    Returns
    -------
    dz : array of the shape of z
    """
    a = cache
    require_same_shape("sigmoid_backward", "da", da, "the forward output", a)
    return da * a * (1 - a)


def tanh_forward(z: Any) -> tuple[Any, Any]:
    r"""Hyperbolic tangent :math:`\tanh(z)`, in [-1, 1].

    Parameters
    ----------
    z : array of any shape
        Pre-activations, float32 or float64.

    Returns
    -------
    a : array of the shape of z
    cache : array
        ``a``, which is all the backward step needs.
    """
    require_float_array("tanh_forward", "z", z)
    xp = get_array_module(z)
    a = xp.tanh(z)
    return a, a


def tanh_backward(da: Any, cache: Any) -> Any:
    r"""Gradient through tanh: :math:`dz = da \cdot (1 - \tanh^2(z))`.

    Parameters
    ----------
    da : array of the shape of z
        Upstream gradient :math:`\partial L / \partial a`.
    cache : array
        ``a = tanh(z)`` from :func:`tanh_forward`.

    Returns
    -------
    dz : array of the shape of z
    """
    a = cache
    require_same_shape("tanh_backward", "da", da, "the forward output", a)
    return da * (1 - a * a)


def relu_forward(z: Any) -> tuple[Any, Any]:
    r"""Rectified linear unit :math:`\max(0, z)`.

    Parameters
    ----------
    z : array of any shape
        Pre-activations, float32 or float64.

    Returns
    -------
    a : array of the shape of z
    cache : array
        ``z``: the backward step needs to know where ``z > 0``.
    """
    require_float_array("relu_forward", "z", z)
    xp = get_array_module(z)
    return xp.maximum(z, 0), z


def relu_backward(da: Any, cache: Any) -> Any:
    r"""Gradient through ReLU: :math:`dz = da` where :math:`z > 0`, else 0.

    The derivative at exactly 0 is taken as 0.

    Parameters
    ----------
    da : array of the shape of z
        Upstream gradient :math:`\partial L / \partial a`.
    cache : array
        ``z`` from :func:`relu_forward`.

    Returns
    -------
    dz : array of the shape of z
    """
    z = cache
    require_same_shape("relu_backward", "da", da, "z", z)
    return da * (z > 0)


def leaky_relu_forward(z: Any, alpha: float = 0.01) -> tuple[Any, Any]:
    r"""Leaky ReLU: :math:`z` where :math:`z > 0`, else :math:`\alpha z`.

    Parameters
    ----------
    z : array of any shape
        Pre-activations, float32 or float64.
    alpha : float
        Slope for negative inputs, usually small (0.01).

    Returns
    -------
    a : array of the shape of z
    cache : tuple
        ``(z, alpha)``.
    """
    require_float_array("leaky_relu_forward", "z", z)
    xp = get_array_module(z)
    return xp.where(z > 0, z, alpha * z), (z, alpha)


def leaky_relu_backward(da: Any, cache: Any) -> Any:
    r"""Gradient through leaky ReLU: :math:`dz = da` where :math:`z > 0`, else :math:`\alpha\,da`.

    Parameters
    ----------
    da : array of the shape of z
        Upstream gradient :math:`\partial L / \partial a`.
    cache : tuple
        ``(z, alpha)`` from :func:`leaky_relu_forward`.

    Returns
    -------
    dz : array of the shape of z
    """
    z, alpha = cache
    require_same_shape("leaky_relu_backward", "da", da, "z", z)
    xp = get_array_module(z)
    return xp.where(z > 0, da, alpha * da)


def softmax(z: Any) -> Any:
    r"""Row-wise softmax :math:`p_{ic} = e^{z_{ic}} / \sum_k e^{z_{ik}}`.

    The row maximum is subtracted first: softmax does not change when a constant is added to a
    row, and the largest exponent becomes :math:`e^0 = 1`, so nothing overflows.

    Parameters
    ----------
    z : array of shape (N, C)
        Logits, float32 or float64.

    Returns
    -------
    probs : array of shape (N, C)
        Each row is non-negative and sums to 1.
    """
    require_float_array("softmax", "z", z, ndim=2)
    xp = get_array_module(z)
    e = xp.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


#: Forward/backward pairs by name, as :class:`nnlib.network.MLP` looks them up.
ACTIVATIONS = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
}
