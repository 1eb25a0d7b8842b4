r"""A small convolutional network: convolution blocks, then dense layers.

``CNN((C, H, W), channels=(F1, F2), classes=K)`` holds parameters only; the math is in the
forward/backward pairs of :mod:`nnlib.conv`, :mod:`nnlib.activations`, :mod:`nnlib.layers` and
:mod:`nnlib.losses`, which it composes as :class:`nnlib.network.MLP` does. Each block is

    conv (KH x KW, stride 1, padding that keeps the size) -> activation -> 2 x 2 max pooling,

so a block keeps the image's size and the pooling halves it. The last block's feature maps
are flattened into one row per image and go through the dense layers (the activation between
them) to the ``logits``.

Shapes: N images of C channels and H x W pixels. The images come either as one flattened
row each, (N, D) with D = C H W, as :func:`nnlib.datasets.load_sign_digits` and
:func:`nnlib.training.fit` give them, or as (N, C, H, W).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnlib._validate import canonical_dtype
from nnlib.activations import ACTIVATIONS, sigmoid_forward, softmax
from nnlib.backend import asarray, get_backend, to_numpy
from nnlib.conv import conv2d_backward, conv2d_forward, maxpool_backward, maxpool_forward
from nnlib.datasets.fetch import save_arrays
from nnlib.initializers import INITIALISERS
from nnlib.layers import dense_backward, dense_forward
from nnlib.losses import binary_cross_entropy, softmax_cross_entropy
from nnlib.network import predicted_labels

POOL = 2  # every block's max pooling: 2 x 2 windows, stride 2
#: Most images :meth:`CNN.forward` sends through the layers at once.
FORWARD_CHUNK = 256


class CNN:
    r"""Convolution blocks (conv, activation, 2 x 2 max pooling), then dense layers.

    Parameters are numbered from the input: ``W1``, ``b1`` are the first convolution's
    filters (F1, C, KH, KW) and biases (F1,); after the last block come the dense layers'
    ``W`` (D, M) and ``b`` (M,), as in :class:`~nnlib.network.MLP`.

    Parameters
    ----------
    input_shape : tuple (C, H, W)
        Channels and size of one image.
    channels : sequence of int
        Filters F of each convolution block; each block halves the image's height and width.
    classes : int
        Outputs K: 1 for a binary classifier (sigmoid and binary cross-entropy), K > 1 for
        K classes (softmax and cross-entropy).
    kernel_size : int
        Height and width of every filter, odd, so that a padding of ``kernel_size // 2``
        keeps the image's size.
    hidden : sequence of int
        Units of the dense hidden layers between the last block and the output; none by
        default (the flattened features go straight to the logits).
    activation : str
        The activation after every convolution and hidden dense layer: ``"relu"``,
        ``"leaky_relu"``, ``"tanh"`` or ``"sigmoid"``.
    seed : int
        Seed of the initial weights (He normal, drawn on the host).
    dtype : str
        ``"float32"`` or ``"float64"``; inputs are converted to it.
    backend : str, optional
        ``"numpy"``, ``"cupy"`` or ``"auto"``; default from ``NNLIB_BACKEND``.

    Examples
    --------
    >>> import numpy as np
    >>> model = CNN((1, 16, 16), channels=(4, 8), classes=10)
    >>> model.forward(np.zeros((5, 256), dtype="float32")).shape
    (5, 10)
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        channels: Sequence[int] = (8, 16),
        classes: int = 10,
        *,
        kernel_size: int = 3,
        hidden: Sequence[int] = (),
        activation: str = "relu",
        seed: int = 0,
        dtype: str = "float32",
        backend: str | None = None,
    ) -> None:
        shape, channels, hidden = list(input_shape), list(channels), list(hidden)
        if len(shape) != 3 or not all(_positive_int(s) for s in shape):
            raise ValueError(f"CNN: input_shape must be (C, H, W) positive ints; got {shape!r}")
        if not channels or not all(_positive_int(f) for f in channels):
            raise ValueError(f"CNN: channels must be one or more positive ints; got {channels!r}")
        if not all(_positive_int(m) for m in hidden):
            raise ValueError(f"CNN: hidden must be positive ints; got {hidden!r}")
        if not _positive_int(classes):
            raise ValueError(f"CNN: classes must be a positive int; got {classes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"CNN: activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}"
            )
        if not _positive_int(kernel_size) or kernel_size % 2 == 0:
            raise ValueError(f"CNN: kernel_size must be a positive odd int; got {kernel_size!r}")
        C, H, W = (int(s) for s in shape)
        smallest = POOL ** len(channels)
        if H < smallest or W < smallest:
            raise ValueError(
                f"CNN: {len(channels)} blocks halve the image {len(channels)} times, so it must "
                f"be at least {smallest}x{smallest}; got {H}x{W}"
            )
        self.input_shape = (C, H, W)
        self.channels = [int(f) for f in channels]
        self.hidden = [int(m) for m in hidden]
        self.classes = int(classes)
        self.kernel_size = int(kernel_size)
        self.activation = activation
        self.seed = seed
        self.dtype = canonical_dtype("CNN", dtype)
        self.xp = get_backend(backend)
        self.backend = self.xp.__name__
        host = self._initial_params()
        self.params = {name: asarray(value, self.xp) for name, value in host.items()}

    @property
    def flat_features(self) -> int:
        """Numbers per image that the last block hands to the dense layers."""
        _, H, W = self.input_shape
        for _ in self.channels:
            H, W = H // POOL, W // POOL
        return self.channels[-1] * H * W

    @property
    def layer_sizes(self) -> list[int]:
        """Sizes of the network's flat vectors: ``[D, features, *hidden, K]``.

        D = C H W input pixels, the features after the last block, the dense hidden units and
        the outputs; :func:`nnlib.training.fit` and :func:`~nnlib.training.evaluate` check
        the data against the first and the last, as for an MLP.
        """
        return [int(np.prod(self.input_shape)), self.flat_features, *self.hidden, self.classes]

    @property
    def binary(self) -> bool:
        """True for one output unit (sigmoid + binary cross-entropy)."""
        return self.classes == 1

    def _initial_params(self) -> dict[str, np.ndarray]:
        """Weights for the activation (He or Xavier) and zero biases, drawn from ``seed``."""
        rng = np.random.default_rng(self.seed)
        draw = INITIALISERS[self.activation]
        K = self.kernel_size
        params, previous = {}, self.input_shape[0]
        for layer, F in enumerate(self.channels, start=1):
            # A filter sees C K K inputs: its fan-in, as a dense unit's is its D inputs.
            W = draw(previous * K * K, F, rng).T.reshape(F, previous, K, K)
            params[f"W{layer}"] = np.ascontiguousarray(W, dtype=self.dtype)
            params[f"b{layer}"] = np.zeros(F, dtype=self.dtype)
            previous = F
        sizes = self.layer_sizes[1:]
        for layer, (fan_in, fan_out) in enumerate(
            zip(sizes[:-1], sizes[1:], strict=True), start=len(self.channels) + 1
        ):
            params[f"W{layer}"] = draw(fan_in, fan_out, rng).astype(self.dtype)
            params[f"b{layer}"] = np.zeros(fan_out, dtype=self.dtype)
        return params

    def _input(self, X: Any) -> Any:
        """``X`` as an (N, C, H, W) array of the model's backend and dtype."""
        X = asarray(X, self.xp, self.dtype)
        C, H, W = self.input_shape
        if X.ndim == 2 and X.shape[1] == C * H * W:
            return X.reshape(X.shape[0], C, H, W)
        if X.ndim == 4 and tuple(X.shape[1:]) == self.input_shape:
            return X
        raise ValueError(
            f"CNN: X must be (N, {C * H * W}) flattened images or (N, {C}, {H}, {W}); "
            f"got shape {tuple(X.shape)}"
        )

    def _forward(self, X: Any) -> tuple[Any, list]:
        """Logits of (N, C, H, W) images, and every layer's caches, first to last."""
        act_forward, _ = ACTIVATIONS[self.activation]
        caches = []
        h = X
        pad = self.kernel_size // 2
        for layer in range(1, len(self.channels) + 1):
            W, b = self.params[f"W{layer}"], self.params[f"b{layer}"]
            z, conv_cache = conv2d_forward(h, W, b, stride=1, pad=pad)
            a, act_cache = act_forward(z)
            h, pool_cache = maxpool_forward(a, size=POOL, stride=POOL)
            caches.append((conv_cache, act_cache, pool_cache))
        features_shape = h.shape
        h = h.reshape(h.shape[0], -1)
        first_dense, last = len(self.channels) + 1, len(self.channels) + len(self.hidden) + 1
        for layer in range(first_dense, last + 1):
            h, dense_cache = dense_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])
            act_cache = None
            if layer < last:  # the output layer has no activation: its output is the logits
                h, act_cache = act_forward(h)
            caches.append((dense_cache, act_cache))
        caches.append(features_shape)
        return h, caches

    def _backprop(self, X: Any, y: Any) -> tuple[float, dict]:
        """Mean loss of a batch, and its gradients."""
        logits, caches = self._forward(X)
        loss_fn = binary_cross_entropy if self.binary else softmax_cross_entropy
        loss, dout = loss_fn(logits, y)
        features_shape = caches.pop()
        _, act_backward = ACTIVATIONS[self.activation]
        grads = dict.fromkeys(self.params)
        blocks = len(self.channels)
        for layer in range(len(caches), blocks, -1):
            dense_cache, act_cache = caches[layer - 1]
            if act_cache is not None:
                dout = act_backward(dout, act_cache)
            dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
        dout = dout.reshape(features_shape)
        for layer in range(blocks, 0, -1):
            conv_cache, act_cache, pool_cache = caches[layer - 1]
            dout = act_backward(maxpool_backward(dout, pool_cache), act_cache)
            dout, grads[f"W{layer}"], grads[f"b{layer}"] = conv2d_backward(dout, conv_cache)
        return loss, grads

    def forward(self, X: Any) -> Any:
        """Logits of a batch.

        A large batch goes through in chunks of :data:`FORWARD_CHUNK` images: the same
        numbers, but the im2col matrices of a few hundred images rather than of thousands.

        Parameters
        ----------
        X : array of shape (N, D) or (N, C, H, W)

        Returns
        -------
        logits : array of shape (N, K)
        """
        X = self._input(X)
        if len(X) <= FORWARD_CHUNK:
            return self._forward(X)[0]
        chunks = range(0, len(X), FORWARD_CHUNK)
        return self.xp.concatenate([self._forward(X[i : i + FORWARD_CHUNK])[0] for i in chunks])

    def loss_and_grads(self, X: Any, y: Any) -> tuple[float, dict]:
        r"""Mean loss of a batch and its gradient with respect to every parameter.

        Backpropagation, last layer to first: the loss gives
        :math:`\partial L / \partial \mathrm{logits}`, the dense layers pass it down to the
        flattened features, which are reshaped into feature maps, and every block passes it
        through pooling, the activation and convolution (:func:`nnlib.conv.conv2d_backward`).

        Parameters
        ----------
        X : array of shape (N, D) or (N, C, H, W)
        y : array of shape (N,)
            Labels: 0/1 for a binary network, class indices (or one-hot (N, K)) otherwise.

        Returns
        -------
        loss : float
        grads : dict
            The keys of :attr:`params`, each gradient of the shape of its parameter.
        """
        return self._backprop(self._input(X), asarray(y, self.xp))

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities of a batch: (N,) P(y = 1) when binary, else (N, K) rows."""
        logits = self.forward(X)
        if self.binary:
            return sigmoid_forward(logits)[0][:, 0]
        return softmax(logits)

    def predict(self, X: Any) -> Any:
        """Predicted labels (N,) of a batch (see :func:`nnlib.network.predicted_labels`)."""
        return predicted_labels(self.forward(X))

    def config(self) -> dict[str, Any]:
        """The arguments that make this network again (without its trained weights)."""
        return {
            "input_shape": list(self.input_shape),
            "channels": self.channels,
            "classes": self.classes,
            "kernel_size": self.kernel_size,
            "hidden": self.hidden,
            "activation": self.activation,
            "seed": self.seed,
            "dtype": self.dtype,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and parameters to an ``.npz`` file, atomically."""
        arrays = {name: to_numpy(value) for name, value in self.params.items()}
        config = np.array(json.dumps({"model": "CNN", **self.config()}))
        save_arrays(Path(path), __config__=config, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike, backend: str | None = None) -> CNN:
        """Read a network written by :meth:`save`, onto ``backend``."""
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["__config__"])) if "__config__" in data else {}
            if config.pop("model", None) != "CNN":
                raise ValueError(f"CNN.load: {path} is not a network saved by CNN.save")
            model = cls(backend=backend, **config)
            for name, expected in model.params.items():
                value = data[name] if name in data else None
                if value is None or value.shape != expected.shape:
                    found = "missing" if value is None else f"shape {value.shape}"
                    raise ValueError(
                        f"CNN.load: {name} in {path}: {found}; expected shape {expected.shape}"
                    )
                model.params[name] = asarray(value, model.xp, model.dtype)
        return model

    def __repr__(self) -> str:
        C, H, W = self.input_shape
        return (
            f"CNN({C}x{H}x{W}, channels={self.channels}, hidden={self.hidden}, "
            f"classes={self.classes}, kernel_size={self.kernel_size}, "
            f"activation={self.activation!r}, dtype={self.dtype!r}, "
            f"backend={self.backend!r})"
        )


def _positive_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0
