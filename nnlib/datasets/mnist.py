"""MNIST: 70,000 handwritten digits of 28x28 pixels (LeCun, Cortes and Burges).

The four standard gzip'd IDX files come from the public mirrors in :data:`MNIST_URLS` (the
environment variable ``NNLIB_MNIST_URLS`` replaces them), each verified by its SHA-256 before
use. The parsed pixels and labels are cached as one ``.npz`` file, so a second
:func:`load_mnist` skips the decompression.

Shapes: N images of H = W = 28 pixels, D = H * W = 784 features.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from nnlib.datasets.fetch import (
    DatasetError,
    data_dir,
    fetch,
    load_arrays,
    save_arrays,
    sha256_verifier,
    urls_from_env,
)

#: Base URLs of the mirrors, tried in order; each ends with a slash.
MNIST_URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MNIST_URLS_ENV = "NNLIB_MNIST_URLS"

#: SHA-256 of each gzip'd file, as distributed since 1998.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

# An IDX file starts with the magic number 0x0000TTNN: TT = 0x08 for unsigned bytes, NN = the
# number of dimensions; then one big-endian uint32 per dimension; then the values.
_IDX_MAGIC = {1: 2049, 3: 2051}

# Bump when the cached arrays would change, so that old caches are not read.
_CACHE_VERSION = 1


def download_mnist() -> list[Path]:
    """Return verified local copies of the four MNIST files, downloading what is missing."""
    base_urls = urls_from_env(MNIST_URLS_ENV, MNIST_URLS)
    return [
        fetch(
            "mnist",
            name,
            [base.rstrip("/") + "/" + name for base in base_urls],
            sha256_verifier(sha256),
        )
        for name, sha256 in MNIST_FILES.items()
    ]


def parse_idx(data: bytes, ndim: int, source: str = "IDX data") -> np.ndarray:
    """Return the unsigned-byte array stored in the bytes of an (uncompressed) IDX file.

    Parameters
    ----------
    data : bytes
        The whole file.
    ndim : int
        The number of dimensions expected: 1 for labels, 3 for images.
    source : str
        Name of the file, for error messages.

    Returns
    -------
    array of dtype uint8
        Of shape ``(N,)`` for labels, ``(N, H, W)`` for images.
    """
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(f"{source}: {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if magic != _IDX_MAGIC[ndim]:
        raise DatasetError(
            f"{source}: IDX magic number {magic}, expected {_IDX_MAGIC[ndim]} "
            f"(unsigned bytes in {ndim} dimension(s))"
        )
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected_size = header_size + int(np.prod(shape))
    if len(data) != expected_size:
        raise DatasetError(
            f"{source}: {len(data)} bytes, expected {expected_size} for shape {shape}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def _read_mnist_arrays() -> dict[str, np.ndarray]:
    arrays = {}
    for path in download_mnist():
        split = "train" if path.name.startswith("train") else "test"
        kind, ndim = ("images", 3) if "images" in path.name else ("labels", 1)
        with gzip.open(path, "rb") as f:
            arrays[f"{split}_{kind}"] = parse_idx(f.read(), ndim, source=path.name)
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_images != n_labels:
            raise DatasetError(f"MNIST {split}: {n_images} images but {n_labels} labels")
    return arrays


def load_mnist(
    *, normalize: bool = True, flatten: bool = True, dtype: str = "float32"
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST's 60,000 training and 10,000 test images with their labels.

    Parameters
    ----------
    normalize : bool
        Scale the pixels from 0..255 to [0, 1].
    flatten : bool
        Return each image as a row of D = 784 features instead of a 28x28 array.
    dtype : str
        dtype of the images: ``"float32"`` or ``"float64"``; ``"uint8"`` with
        ``normalize=False`` gives the raw pixels.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X_train`` of shape (60000, 784), or (60000, 28, 28) when ``flatten=False``;
        ``y_train`` of shape (60000,), int64 digits 0..9; the same for the 10,000 test images.

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_train.dtype, y_train[:5]  # doctest: +SKIP
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    dtype = np.dtype(dtype)
    if normalize and dtype.kind != "f":
        raise ValueError(
            f"load_mnist: normalize=True needs a float dtype ('float32' or 'float64'); got "
            f"{dtype.name!r} (pass normalize=False for the raw 0..255 pixels)"
        )

    cache = data_dir() / "preprocessed" / f"mnist-v{_CACHE_VERSION}.npz"
    arrays = load_arrays(cache)
    if arrays is None:
        arrays = _read_mnist_arrays()
        save_arrays(cache, **arrays)

    def images(split: str) -> np.ndarray:
        X = arrays[f"{split}_images"]
        if flatten:
            X = X.reshape(len(X), -1)
        X = X.astype(dtype)
        if normalize:
            X /= 255
        return X

    return (
        (images("train"), arrays["train_labels"].astype(np.int64)),
        (images("test"), arrays["test_labels"].astype(np.int64)),
    )
