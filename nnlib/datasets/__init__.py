"""The course's two real datasets, downloaded once, verified, and cached.

* :func:`load_mnist`: 70,000 handwritten digits, 28x28 (the 10-class classifier).
* :func:`load_sign_digits`: 2,062 photos of hands showing 0 to 9 (the binary classifier).
* :func:`download`: fetch a dataset's raw files ahead of time, for offline use.

Raw files and preprocessed arrays are cached under :func:`data_dir` (the user's cache
directory, or ``NNLIB_DATA_DIR``). ``NNLIB_DATA_MIRROR`` names a local folder laid out as
``mnist/<file>`` and ``sign-language-digits/<zip>`` that is read instead of the network.
"""

from __future__ import annotations

from pathlib import Path

from nnlib.datasets.fetch import ChecksumError, DatasetError, DownloadError, data_dir
from nnlib.datasets.mnist import download_mnist, load_mnist
from nnlib.datasets.sign_digits import download_sign_digits, load_sign_digits

__all__ = [
    "ChecksumError",
    "DatasetError",
    "DownloadError",
    "data_dir",
    "download",
    "load_mnist",
    "load_sign_digits",
]

_DOWNLOADERS = {"mnist": download_mnist, "signs": download_sign_digits}


def download(name: str) -> list[Path]:
    """Fetch and verify the raw files of a dataset; return where they are.

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"signs"``.

    Returns
    -------
    list of pathlib.Path
        The verified files: in ``NNLIB_DATA_MIRROR`` when it is set, else in the cache.
    """
    if name not in _DOWNLOADERS:
        raise ValueError(f"download: name must be one of {sorted(_DOWNLOADERS)}; got {name!r}")
    return _DOWNLOADERS[name]()
