r"""The multi-layer perceptron: dense layers and activations composed into one network.

``MLP([D, M1, ..., C])`` holds parameters only; the math is in the forward/backward pairs of
:mod:`nnlib.layers`, :mod:`nnlib.activations` and :mod:`nnlib.losses`. Shapes: N samples,
D input features, M hidden units per layer, C outputs. With one output unit (C = 1) the network
is a binary classifier (sigmoid + binary cross-entropy); with C > 1 units it is a C-class
classifier (softmax + cross-entropy).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlib._validate import canonical_dtype
from nnlib.activations import ACTIVATIONS, sigmoid_forward, softmax
from nnlib.backend import asarray, get_backend, to_numpy
from nnlib.initializers import init_params
from nnlib.layers import dense_backward, dense_forward
from nnlib.losses import binary_cross_entropy, softmax_cross_entropy
from nnlib.normalization import batchnorm_backward, batchnorm_forward
from nnlib.regularization import dropout_backward, dropout_forward, l2_penalty


def predicted_labels(logits: Any) -> Any:
    r"""The label each row of logits predicts.

    One output unit: 1 where :math:`\sigma(z) > 1/2`, that is where :math:`z > 0`, else 0.
    C > 1 units: the class of the largest logit, which is also the most probable one.

    Parameters
    ----------
    logits : array of shape (N, C)

    Returns
    -------
    labels : int array of shape (N,)
    """
    if logits.shape[1] == 1:
        return (logits[:, 0] > 0).astype("int64")
    return logits.argmax(axis=1)


class MLP:
    r"""A fully connected network with one activation between its dense layers.

    For layer :math:`l = 1, \dots, L`: :math:`h_l = \phi(h_{l-1} W_l + b_l)` with
    :math:`h_0 = X`; the last layer has no activation and its output is the ``logits``.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, M1, ..., C]``, at least two sizes: input features, hidden units, outputs.
    activation : str
        Hidden activation: ``"relu"``, ``"leaky_relu"``, ``"tanh"`` or ``"sigmoid"``.
    seed : int
        Seed of the initial weights (drawn on the host, so identical on every backend).
    dtype : str
        ``"float32"`` or ``"float64"``; inputs are converted to it.
    backend : str, optional
        ``"numpy"``, ``"cupy"`` or ``"auto"``; default from ``NNLIB_BACKEND``.
    dropout : float
        Probability of dropping each hidden unit in training (inverted dropout,
        :func:`nnlib.regularization.dropout_forward`); 0 turns it off.
    batchnorm : bool
        Batch normalization after every hidden dense layer, before its activation
        (:func:`nnlib.normalization.batchnorm_forward`), with parameters ``gamma{l}``,
        ``beta{l}`` and running statistics in :attr:`running`.
    l2 : float
        :math:`\lambda` of the L2 penalty :math:`\frac{\lambda}{2} \sum_l \lVert W_l \rVert^2`
        added to the training loss (:func:`nnlib.regularization.l2_penalty`): the weights, not
        the biases, get :math:`\lambda W_l` more gradient. 0 turns it off.

    A hidden layer is dense, then batch normalization, then the activation, then dropout. The
    gradients (:meth:`loss_and_grads`) are those of training mode: batch statistics, a fresh
    dropout mask from :attr:`dropout_rng`; :meth:`forward` and :meth:`predict` are evaluation
    mode: running statistics, no dropout.

    Examples
    --------
    >>> import numpy as np
    >>> model = MLP([4, 8, 3], seed=0)
    >>> model.forward(np.zeros((5, 4), dtype="float32")).shape
    (5, 3)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        seed: int = 0,
        dtype: str = "float32",
        backend: str | None = None,
        *,
        dropout: float = 0.0,
        batchnorm: bool = False,
        l2: float = 0.0,
    ) -> None:
        sizes = list(layer_sizes)
        if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(
                f"MLP: layer_sizes must be at least two positive integers [D, ..., C]; got {sizes!r}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"MLP: activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}"
            )
        self.layer_sizes = [int(s) for s in sizes]
        self.activation = activation
        self.seed = seed
        self.dtype = canonical_dtype("MLP", dtype)
        self.xp = get_backend(backend)
        self.backend = self.xp.__name__
        host = init_params(self.layer_sizes, activation, seed, self.dtype)
        if not 0 <= dropout < 1:
            raise ValueError(f"MLP: dropout must be in [0, 1); got {dropout}")
        self.dropout = float(dropout)
        if not l2 >= 0:
            raise ValueError(f"MLP: l2 must be >= 0; got {l2}")
        self.l2 = float(l2)
        self.batchnorm = bool(batchnorm)
        if self.batchnorm:
            for layer, width in enumerate(self.layer_sizes[1:-1], start=1):
                host[f"gamma{layer}"] = np.ones(width, dtype=self.dtype)
                host[f"beta{layer}"] = np.zeros(width, dtype=self.dtype)
        self.params = {name: asarray(value, self.xp) for name, value in host.items()}
        #: The batch-normalization running statistics of each hidden layer, by layer number.
        self.running: dict[int, dict] = {}
        #: Draws the dropout masks of training; reseed it to repeat a mask.
        self.dropout_rng = self.xp.random.default_rng(seed)

    @property
    def num_layers(self) -> int:
        """Number of dense layers L."""
        return len(self.layer_sizes) - 1

    @property
    def binary(self) -> bool:
        """True for one output unit (sigmoid + binary cross-entropy)."""
        return self.layer_sizes[-1] == 1

    def _input(self, X: Any) -> Any:
        """Return ``X`` as a (N, D) array of the model's backend and dtype."""
        X = asarray(X, self.xp, self.dtype)
        d = self.layer_sizes[0]
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"MLP: X must be (N, {d}); got shape {tuple(X.shape)}")
        return X

    def _forward(self, X: Any, train: bool = False) -> tuple[Any, list]:
        """Logits and the caches of every layer, for the backward pass.

        Parameters
        ----------
        X : array of shape (N, D)
            Already of the model's backend and dtype.
        train : bool
            Training mode: batch statistics and dropout (they change nothing without
            ``batchnorm`` and ``dropout``).

        Returns
        -------
        logits : array of shape (N, C)
        caches : list of L tuples
            ``(dense_cache, act_cache)`` of each layer, first to last; the last layer has no
            activation, and its ``act_cache`` is None.
        """
        L = self.num_layers
        h, caches = X, []
        for layer in range(1, L):
            z, dense_cache = dense_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])
            h, act_cache = self._hidden(layer, z, train)
            caches.append((dense_cache, act_cache))
        # The last layer has no activation: its output is the logits.
        logits, dense_cache = dense_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        caches.append((dense_cache, None))
        return logits, caches

    def _hidden(self, layer: int, z: Any, train: bool) -> tuple[Any, Any]:
        """A hidden layer after its dense step: batch normalization, activation, dropout."""
        act_forward, _ = ACTIVATIONS[self.activation]
        if not (self.batchnorm or self.dropout):
            return act_forward(z)
        bn_cache = drop_cache = None
        if self.batchnorm:
            running = self.running.setdefault(layer, {})
            gamma, beta = self.params[f"gamma{layer}"], self.params[f"beta{layer}"]
            z, bn_cache = batchnorm_forward(z, gamma, beta, train=train, running=running)
        h, act_cache = act_forward(z)
        if self.dropout:
            h, drop_cache = dropout_forward(h, self.dropout, train=train, rng=self.dropout_rng)
        return h, (bn_cache, act_cache, drop_cache)

    def _hidden_backward(self, layer: int, dout: Any, cache: Any, grads: dict) -> Any:
        """Gradient through :meth:`_hidden`, storing batch normalization's in ``grads``."""
        _, act_backward = ACTIVATIONS[self.activation]
        if not (self.batchnorm or self.dropout):
            return act_backward(dout, cache)
        bn_cache, act_cache, drop_cache = cache
        if self.dropout:
            dout = dropout_backward(dout, drop_cache)
        dout = act_backward(dout, act_cache)
        if self.batchnorm:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dout, bn_cache)
        return dout

    def forward(self, X: Any) -> Any:
        """Logits of a batch.

        Parameters
        ----------
        X : array of shape (N, D)

        Returns
        -------
        logits : array of shape (N, C)
        """
        return self._forward(self._input(X))[0]

    def loss_and_grads(self, X: Any, y: Any) -> tuple[float, dict]:
        r"""Mean loss of a batch and its gradient with respect to every parameter.

        Backpropagation: the loss gives :math:`\partial L / \partial \mathrm{logits}`, then each
        layer, last to first, turns the gradient of its output into the gradients of its
        parameters and of its input (see :func:`nnlib.layers.dense_backward`).

        Parameters
        ----------
        X : array of shape (N, D)
        y : array of shape (N,)
            Labels: 0/1 for a binary network, class indices (or one-hot (N, C)) otherwise.

        Returns
        -------
        loss : float
        grads : dict
            The keys of :attr:`params`, each gradient of the shape of its parameter.
        """
        logits, caches = self._forward(self._input(X), train=True)
        loss_fn = binary_cross_entropy if self.binary else softmax_cross_entropy
        loss, dout = loss_fn(logits, asarray(y, self.xp))
        grads = dict.fromkeys(self.params)  # the keys in the order of params, filled below
        for layer in range(self.num_layers, 0, -1):
            dense_cache, act_cache = caches[layer - 1]
            if act_cache is not None:
                dout = self._hidden_backward(layer, dout, act_cache, grads)
            if layer > 1:
                dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
            else:
                # The first layer's input is the data, which learns nothing: of dense_backward's
                # three products only dW and db are wanted, and dx would cost as much as dW.
                x, _ = dense_cache
                grads["W1"], grads["b1"] = x.T @ dout, dout.sum(axis=0)
        if self.l2:
            penalty, penalty_grads = l2_penalty(self.params, self.l2)
            loss += penalty
            for name in grads:
                grads[name] += penalty_grads[name]
        return loss, grads

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities of a batch.

        Parameters
        ----------
        X : array of shape (N, D)

        Returns
        -------
        probs : array of shape (N,) or (N, C)
            P(y = 1) of each sample for a binary network; each row's softmax otherwise.
        """
        logits = self.forward(X)
        if self.binary:
            return sigmoid_forward(logits)[0][:, 0]
        return softmax(logits)

    def predict(self, X: Any) -> Any:
        """Predicted labels of a batch (see :func:`predicted_labels`).

        Parameters
        ----------
        X : array of shape (N, D)

        Returns
        -------
        labels : int array of shape (N,)
        """
        return predicted_labels(self.forward(X))

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and parameters to an ``.npz`` file (host arrays)."""
        config = {
            "layer_sizes": self.layer_sizes,
            "activation": self.activation,
            "seed": self.seed,
            "dtype": self.dtype,
            "dropout": self.dropout,
            "batchnorm": self.batchnorm,
            "l2": self.l2,
        }
        arrays = {name: to_numpy(value) for name, value in self.params.items()}
        for layer, stats in self.running.items():
            for stat, value in stats.items():
                arrays[f"running_{stat}{layer}"] = to_numpy(value)
        # Written beside the target and renamed, so an interrupted save leaves no half file.
        tmp = f"{os.fspath(path)}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                np.savez(f, __config__=np.array(json.dumps(config)), **arrays)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    @classmethod
    def load(cls, path: str | os.PathLike, backend: str | None = None) -> MLP:
        """Read a model written by :meth:`save`, onto ``backend``."""
        with np.load(path, allow_pickle=False) as data:
            if "__config__" not in data:
                raise ValueError(f"MLP.load: {path} is not a model saved by MLP.save")
            config = json.loads(str(data["__config__"]))
            model = cls(backend=backend, **config)
            for name in model.params:
                value = data[name]
                if value.shape != model.params[name].shape:
                    raise ValueError(
                        f"MLP.load: {name} in {path} has shape {value.shape}; "
                        f"expected {model.params[name].shape}"
                    )
                model.params[name] = asarray(value, model.xp, model.dtype)
            for layer in range(1, model.num_layers) if model.batchnorm else ():
                if f"running_mean{layer}" in data:
                    model.running[layer] = {
                        stat: asarray(data[f"running_{stat}{layer}"], model.xp, model.dtype)
                        for stat in ("mean", "var")
                    }
        return model

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        extras = f", dropout={self.dropout}" if self.dropout else ""
        extras += ", batchnorm=True" if self.batchnorm else ""
        extras += f", l2={self.l2}" if self.l2 else ""
        return (
            f"MLP({sizes}, activation={self.activation!r}, dtype={self.dtype!r}, "
            f"backend={self.backend!r}{extras})"
        )
