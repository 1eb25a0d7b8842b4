r"""Weight initialisation, drawn on the host with a seeded NumPy generator.

Drawing on the host means that NumPy and CuPy models made with the same seed start from
bit-identical weights (CuPy's random streams differ from NumPy's); the arrays are moved to the
device afterwards.

Shapes: a layer from D inputs to M units has ``W`` (D, M) and ``b`` (M,).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""He (Kaiming) normal weights, :math:`W \sim \mathcal{N}(0, 2 / D)`, for ReLU layers.

    A ReLU zeroes half of its inputs on average; doubling the variance keeps the activations'
    scale the same from layer to layer.

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs D and units M of the layer.
    rng : numpy.random.Generator
        The seeded generator to draw from.

    Returns
    -------
    W : float64 array of shape (fan_in, fan_out)
    """
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""Xavier (Glorot) normal weights, :math:`W \sim \mathcal{N}(0, 2 / (D + M))`, for tanh and sigmoid.

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs D and units M of the layer.
    rng : numpy.random.Generator
        The seeded generator to draw from.

    Returns
    -------
    W : float64 array of shape (fan_in, fan_out)
    """
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


#: The initialiser that suits each activation.
INITIALISERS = {
    "relu": he_normal,
    "leaky_relu": he_normal,
    "tanh": xavier_normal,
    "sigmoid": xavier_normal,
}


def init_params(
    layer_sizes: Sequence[int], activation: str = "relu", seed: int = 0, dtype: str = "float32"
) -> dict[str, np.ndarray]:
    """Initial parameters of a network, on the host.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, M1, ..., C]``: input size, hidden sizes, output size.
    activation : str
        The hidden activation, which picks He or Xavier initialisation.
    seed : int
        Seed of the NumPy generator: the same seed gives the same weights.
    dtype : str
        ``"float32"`` or ``"float64"``.

    Returns
    -------
    params : dict
        ``"W1"`` of shape (D, M1), ``"b1"`` of shape (M1,) of zeros, ``"W2"``, ``"b2"``, ...
    """
    rng = np.random.default_rng(seed)
    draw = INITIALISERS[activation]
    params = {}
    for i, (fan_in, fan_out) in enumerate(
        zip(layer_sizes[:-1], layer_sizes[1:], strict=True), start=1
    ):
        params[f"W{i}"] = draw(fan_in, fan_out, rng).astype(dtype)
        params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
    return params
