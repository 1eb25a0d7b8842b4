r"""A small reverse-mode automatic differentiation engine on arrays.

A :class:`Tensor` holds an array (``data``), the gradient of the final scalar with respect to it
(``grad``), the tensors it was computed from (``parents``) and its operation's backward rule
(``rule``). Every operation computes its output from its parents' data and records how to send
a gradient back to them; :func:`backward` (which :meth:`Tensor.backward` calls) then applies the
chain rule in reverse topological order, so that each node's gradient is complete before it is
passed on.

Each backward rule is a function ``backward_<op>(dout, *inputs) -> (d_input, ...)`` of plain
arrays: ``dout`` is the gradient of the operation's output, ``inputs`` are its parents' data,
and it returns one gradient per parent, each of that parent's shape.

>>> import numpy as np
>>> x = Tensor(np.array([1.0, -2.0, 3.0]))
>>> loss = (x * x + x).sum()     # x is used three times: its gradient adds up 2x + 1
>>> loss.backward()
>>> x.grad
array([ 3., -3.,  7.])
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from nnlib.backend import get_array_module

__all__ = [
    "Tensor",
    "backward",
    "backward_add",
    "backward_cross_entropy",
    "backward_matmul",
    "backward_mean",
    "backward_mul",
    "backward_relu",
    "backward_sum",
    "cross_entropy",
    "topological_order",
    "unbroadcast",
]


class Tensor:
    r"""An array in a computational graph, with the gradient the last backward pass gave it.

    Parameters
    ----------
    data : array or float
        The value (NumPy or CuPy). Integer data is converted to float64.
    parents : tuple of Tensor
        The tensors this one was computed from; empty for an input or a parameter (a leaf).
    rule : callable, optional
        The backward rule: ``rule(dout, *parent_data) -> tuple`` of one gradient per parent.
        None for a leaf.

    Attributes
    ----------
    grad : array or None
        :math:`\partial L / \partial \mathrm{data}` after ``L.backward()``, of the shape of
        ``data``; None before.
    """

    def __init__(self, data: Any, parents: tuple[Tensor, ...] = (), rule: Callable | None = None):
        xp = get_array_module(data)
        data = xp.asarray(data)
        if data.dtype.kind != "f":
            data = data.astype("float64")
        self.data = data
        self.grad = None
        self.parents = tuple(parents)
        self.rule = rule

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        kind = "leaf" if self.rule is None else getattr(self.rule, "func", self.rule).__name__
        return f"Tensor(shape={self.shape}, dtype={self.data.dtype}, {kind})"

    # ----- operations: the output's data, its parents and its backward rule -----

    def __add__(self, other: Any) -> Tensor:
        other = _as_tensor(other, self)
        return Tensor(self.data + other.data, (self, other), backward_add)

    def __mul__(self, other: Any) -> Tensor:
        other = _as_tensor(other, self)
        return Tensor(self.data * other.data, (self, other), backward_mul)

    def __matmul__(self, other: Any) -> Tensor:
        other = _as_tensor(other, self)
        return Tensor(self.data @ other.data, (self, other), backward_matmul)

    def relu(self) -> Tensor:
        xp = get_array_module(self.data)
        return Tensor(xp.maximum(self.data, 0), (self,), backward_relu)

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        return Tensor(self.data.sum(axis=axis), (self,), partial(backward_sum, axis=axis))

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        return Tensor(self.data.mean(axis=axis), (self,), partial(backward_mean, axis=axis))

    # Composed from the operations above: no backward rule of their own.
    def __radd__(self, other: Any) -> Tensor:
        return self + other

    def __rmul__(self, other: Any) -> Tensor:
        return self * other

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other: Any) -> Tensor:
        return self + (-_as_tensor(other, self))

    def __rsub__(self, other: Any) -> Tensor:
        return _as_tensor(other, self) + (-self)

    # ----- reverse mode -----

    def backward(self) -> None:
        """Fill ``grad`` of every tensor this scalar was computed from: :func:`backward`."""
        backward(self)


def backward(root: Tensor) -> None:
    r"""The backward pass from ``root``: fill ``grad`` of every tensor it was computed from.

    Every node of the graph starts from a zero gradient, ``root`` from
    :math:`\partial L / \partial L = 1`. Visiting the nodes from the root back to the leaves
    (reverse topological order), each node's rule turns its gradient into its parents' shares,
    which are *added* to what they already have: a value used twice gets the sum of both uses'
    gradients (the multivariate chain rule).

    Parameters
    ----------
    root : Tensor
        A scalar, the loss :math:`L`.
    """
    if root.data.size != 1:
        raise ValueError(
            f"backward: only a scalar (one number) can start the backward pass; this "
            f"tensor has shape {root.shape} (reduce it first, for example with .sum())"
        )
    xp = get_array_module(root.data)
    order = topological_order(root)
    for node in order:
        node.grad = xp.zeros_like(node.data)
    root.grad = xp.ones_like(root.data)
    for node in reversed(order):
        if node.rule is None:
            continue  # a leaf: nothing to pass on
        parent_grads = node.rule(node.grad, *(parent.data for parent in node.parents))
        for parent, grad in zip(node.parents, parent_grads, strict=True):
            parent.grad = parent.grad + grad


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on, each once, every one after all of its parents.

    Depth first: a node is appended once all its parents are, so ``root`` comes last. A node
    reached along two paths (a value used twice) is listed once.

    Parameters
    ----------
    root : Tensor

    Returns
    -------
    order : list of Tensor
        Leaves first, ``root`` last.
    """
    order: list[Tensor] = []
    visited: set[int] = set()

    def visit(node: Tensor) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def _as_tensor(value: Any, like: Tensor) -> Tensor:
    """``value`` as a Tensor; a Python number takes the dtype of ``like`` (no float64 upcast)."""
    if isinstance(value, Tensor):
        return value
    xp = get_array_module(like.data)
    if isinstance(value, int | float):
        return Tensor(xp.asarray(value, dtype=like.data.dtype))
    return Tensor(xp.asarray(value))


# ----- the backward rules: (dout, *inputs) -> one gradient per input -----


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    r"""Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    An input of shape ``shape`` broadcast to the output's shape was *used* once per copy, so
    its gradient is the sum of the copies' gradients: for ``b`` (M,) added to every row of an
    (N, M) array, :math:`db = \sum_n \mathrm{dout}_{n,:}`.

    Parameters
    ----------
    grad : array
        A gradient of the broadcast shape.
    shape : tuple of int
        The input's own shape.

    Returns
    -------
    grad : array of shape ``shape``
    """
    added = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(added))) if added else grad
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1
    )
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def backward_add(dout: Any, a: Any, b: Any) -> tuple[Any, Any]:
    r"""Rule of :math:`a + b`: both inputs get ``dout``, summed over their broadcast axes."""
    return unbroadcast(dout, a.shape), unbroadcast(dout, b.shape)


def backward_mul(dout: Any, a: Any, b: Any) -> tuple[Any, Any]:
    r"""Rule of the elementwise :math:`a b`: :math:`da = \mathrm{dout}\, b`, :math:`db = \mathrm{dout}\, a`."""
    return unbroadcast(dout * b, a.shape), unbroadcast(dout * a, b.shape)


def backward_matmul(dout: Any, a: Any, b: Any) -> tuple[Any, Any]:
    r"""Rule of :math:`a b` for matrices a (N, D), b (D, M): :math:`da = \mathrm{dout}\, b^\top`, :math:`db = a^\top \mathrm{dout}`."""
    return dout @ b.T, a.T @ dout


def backward_relu(dout: Any, x: Any) -> tuple[Any]:
    r"""Rule of :math:`\max(x, 0)`: ``dout`` where :math:`x > 0`, else 0."""
    return (dout * (x > 0),)


def _expand(dout: Any, shape: tuple[int, ...], axis: int | tuple[int, ...] | None) -> Any:
    """``dout`` of a reduction over ``axis``, copied back along the reduced axes to ``shape``."""
    xp = get_array_module(dout)
    if axis is not None:
        axes = (axis,) if isinstance(axis, int) else axis
        dout = xp.expand_dims(dout, tuple(a % len(shape) for a in axes))
    return xp.broadcast_to(dout, shape)


def backward_sum(dout: Any, x: Any, axis: int | tuple[int, ...] | None = None) -> tuple[Any]:
    r"""Rule of a sum over ``axis``: every summed element gets the sum's gradient."""
    return (_expand(dout, x.shape, axis),)


def backward_mean(dout: Any, x: Any, axis: int | tuple[int, ...] | None = None) -> tuple[Any]:
    r"""Rule of a mean of :math:`n` elements over ``axis``: each gets :math:`\mathrm{dout} / n`."""
    count = x.size // dout.size  # the elements averaged into each number of the output
    return (_expand(dout / count, x.shape, axis),)


def cross_entropy(logits: Tensor, y: Any) -> Tensor:
    r"""Mean cross-entropy of the softmax of ``logits`` for the integer labels ``y``.

    Computed through the log-softmax, stable for any logits:

    .. math::

        \log p_{nc} = z_{nc} - m_n - \log \sum_k e^{z_{nk} - m_n}, \quad
        m_n = \max_k z_{nk}, \qquad
        L = -\frac1N \sum_n \log p_{n, y_n}.

    Parameters
    ----------
    logits : Tensor of shape (N, C)
    y : int array of shape (N,)
        Class indices in ``0..C-1``.

    Returns
    -------
    loss : Tensor of shape ()
    """
    z = logits.data
    xp = get_array_module(z)
    y = xp.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: y must hold integer class indices; got dtype {y.dtype}")
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise ValueError(
            f"cross_entropy: logits must be (N, C) and y (N,); got {tuple(z.shape)} and "
            f"{tuple(y.shape)}"
        )
    log_probs = _log_softmax(z)
    loss = -log_probs[xp.arange(z.shape[0]), y].mean()
    return Tensor(loss, (logits,), partial(backward_cross_entropy, y=y))


def _log_softmax(z: Any) -> Any:
    """Row-wise log-softmax of (N, C) logits, with each row's maximum subtracted first."""
    xp = get_array_module(z)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))


def backward_cross_entropy(dout: Any, logits: Any, y: Any) -> tuple[Any]:
    r"""Rule of :func:`cross_entropy`: :math:`d\,\mathrm{logits} = \mathrm{dout}\,(p - t) / N`.

    :math:`p` is the softmax of the logits and :math:`t` the one-hot rows of ``y``.
    """
    xp = get_array_module(logits)
    N = logits.shape[0]
    dlogits = xp.exp(_log_softmax(logits))
    dlogits[xp.arange(N), y] -= 1
    return (dout * dlogits / N,)
