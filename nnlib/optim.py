r"""Optimisers: update the parameters in place from their gradients.

An optimiser holds only its hyperparameters and its per-parameter state (velocities, moment
estimates), keyed by parameter name; ``step(params, grads)`` takes the dictionaries of
:class:`nnlib.network.MLP`. ``lr`` may be changed between steps, for a learning-rate schedule.
"""

from __future__ import annotations

from typing import Any

from nnlib.backend import get_array_module


def _check_same_keys(params: dict, grads: dict) -> None:
    if params.keys() != grads.keys():
        raise ValueError(
            f"step: grads must have the keys of params {sorted(params)}; got {sorted(grads)}"
        )


class SGD:
    r"""Stochastic gradient descent, with optional momentum and weight decay.

    With gradient :math:`g = \partial L / \partial \theta + \lambda \theta` (weight decay
    :math:`\lambda`), momentum :math:`\mu` and learning rate :math:`\eta`:

    .. math::

        v \leftarrow \mu v - \eta g, \qquad \theta \leftarrow \theta + v

    which is plain gradient descent :math:`\theta \leftarrow \theta - \eta g` when :math:`\mu = 0`.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta`.
    momentum : float
        :math:`\mu` in [0, 1).
    weight_decay : float
        :math:`\lambda`: every array of ``params`` is decayed, biases included, as PyTorch's
        ``SGD(weight_decay=...)`` decays every parameter it is given. For the weights alone,
        add :func:`nnlib.regularization.l2_penalty` to the loss instead (``MLP(l2=...)``).
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        if lr <= 0:
            raise ValueError(f"SGD: lr must be positive; got {lr}")
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1); got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: weight_decay must be >= 0; got {weight_decay}")
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: dict[str, Any] = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every array of ``params`` in place.

        Parameters
        ----------
        params : dict of str to array
            The parameters, such as ``MLP.params``; changed in place.
        grads : dict of str to array
            The gradient of the loss for each parameter: same keys, same shapes.
        """
        _check_same_keys(params, grads)
        for name, p in params.items():
            g = grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                v = self.velocity.get(name)
                if v is None:
                    v = self.velocity[name] = get_array_module(p).zeros_like(p)
                v *= self.momentum
                v -= self.lr * g
                p += v
            else:
                p -= self.lr * g

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam:
    r"""Adam: momentum on the gradient and a per-parameter step size from its running scale.

    At step :math:`t`, with :math:`g = \partial L / \partial \theta + \lambda \theta`:

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \qquad
        \theta \leftarrow \theta - \eta \, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta`.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    eps : float
        Added to the denominator so it is never zero.
    weight_decay : float
        :math:`\lambda`, added to the gradient of every array of ``params``, as in
        :class:`SGD`.
    """

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"Adam: lr must be positive; got {lr}")
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1); got {beta}")
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m: dict[str, Any] = {}
        self.v: dict[str, Any] = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every array of ``params`` in place.

        Parameters
        ----------
        params : dict of str to array
            The parameters, such as ``MLP.params``; changed in place.
        grads : dict of str to array
            The gradient of the loss for each parameter: same keys, same shapes.
        """
        _check_same_keys(params, grads)
        self.t += 1
        correction1 = 1 - self.beta1**self.t  # the moments start at 0: undo that bias
        correction2 = 1 - self.beta2**self.t
        for name, p in params.items():
            xp = get_array_module(p)
            g = grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if name not in self.m:
                self.m[name] = xp.zeros_like(p)
                self.v[name] = xp.zeros_like(p)
            m, v = self.m[name], self.v[name]
            v *= self.beta2
            v += (1 - self.beta2) * (g * g)
            m *= self.beta1
            m += (1 - self.beta1) * g
            p -= self.lr * (m / correction1) / (xp.sqrt(v / correction2) + self.eps)

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}, "
            f"weight_decay={self.weight_decay})"
        )
