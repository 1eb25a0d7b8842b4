"""Where the datasets' files come from: a local mirror, the cache, or a verified download.

Every raw file goes through :func:`fetch`, which returns the path of a verified copy, taken from

1. the folder named by ``NNLIB_DATA_MIRROR``, when it is set: read only, never written to;
2. else the cache folder (``NNLIB_DATA_DIR``, or the user's cache directory), verified again;
3. else each URL in turn: downloaded into a temporary file beside its final place, verified, and
   only then renamed, so that the cache never holds a partial or corrupted file.

The mirror and the cache share one layout, ``mnist/<file>`` and ``sign-language-digits/<zip>``,
so a cache folder filled by ``nnlib download`` on a connected machine can be copied to another
machine and used there as ``NNLIB_DATA_MIRROR`` (or as ``NNLIB_DATA_DIR``).

The preprocessed arrays are cached as ``.npz`` files under ``<cache>/preprocessed/``, written in
the same atomic way by :func:`save_arrays`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

MIRROR_ENV = "NNLIB_DATA_MIRROR"
DATA_DIR_ENV = "NNLIB_DATA_DIR"
DOWNLOAD_TIMEOUT_S = 60

Verifier = Callable[[Path], None]


class DatasetError(RuntimeError):
    """A dataset file could not be obtained or read."""


class ChecksumError(DatasetError):
    """A file's content is not the expected one (corrupted, truncated or a different file)."""


class DownloadError(DatasetError):
    """No URL gave a good copy of a file."""


def data_dir() -> Path:
    """Return the cache folder: ``NNLIB_DATA_DIR`` if set, else the user's cache directory."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    import platformdirs

    return platformdirs.user_cache_path("nnlib")


def mirror_dir() -> Path | None:
    """Return the read-only mirror folder named by ``NNLIB_DATA_MIRROR``, or None when unset."""
    configured = os.environ.get(MIRROR_ENV)
    if not configured:
        return None
    mirror = Path(configured).expanduser().resolve()
    if not mirror.is_dir():
        raise DatasetError(
            f"{MIRROR_ENV} is set to {configured!r}, which is not a folder. Point it to a folder "
            "laid out as mnist/<file> and sign-language-digits/<zip>, or unset it to download."
        )
    return mirror


def urls_from_env(variable: str, default: Sequence[str]) -> list[str]:
    """Return the whitespace-separated URLs in the environment variable, else ``default``."""
    configured = os.environ.get(variable, "").split()
    return configured or list(default)


def sha256_of(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_verifier(expected: str) -> Verifier:
    """Return a function that raises :class:`ChecksumError` unless a file has this SHA-256."""

    def verify(path: Path) -> None:
        actual = sha256_of(path)
        if actual != expected:
            raise ChecksumError(
                f"SHA-256 is {actual}, expected {expected} "
                f"({path.stat().st_size:,} bytes: corrupted, truncated or a different file)"
            )

    return verify


def fetch(subdir: str, filename: str, urls: Sequence[str], verify: Verifier) -> Path:
    """Return the path of a verified copy of ``subdir/filename``.

    Parameters
    ----------
    subdir : str
        The dataset's folder in the mirror and the cache, such as ``"mnist"``.
    filename : str
        The file's name in that folder.
    urls : sequence of str
        Full URLs of the file, tried in order when neither the mirror nor the cache has it.
    verify : callable
        ``verify(path)`` raises :class:`ChecksumError` when the file is not the expected one;
        its message says what was expected and what was found, and fetch adds which file.

    Returns
    -------
    pathlib.Path
        A file in the mirror, or in the cache.

    Raises
    ------
    ChecksumError
        If the mirror's copy fails verification, or if every URL served a bad copy.
    DownloadError
        If no URL could be downloaded.
    """
    mirror = mirror_dir()
    if mirror is not None:
        return _from_mirror(mirror / subdir / filename, verify)

    destination = data_dir() / subdir / filename
    if destination.exists():
        try:
            verify(destination)
            return destination
        except ChecksumError as error:
            destination.unlink()
            warnings.warn(
                f"the cached {destination} failed verification and was removed ({error}); "
                "downloading it again",
                stacklevel=3,
            )
    return _download(destination, urls, verify)


def _from_mirror(path: Path, verify: Verifier) -> Path:
    if not path.is_file():
        raise DatasetError(
            f"{path.name} is not in the mirror: expected the file {path} "
            f"({MIRROR_ENV} names a folder laid out as mnist/<file> and "
            "sign-language-digits/<zip>). Copy the file there, or unset "
            f"{MIRROR_ENV} to download it."
        )
    try:
        verify(path)
    except ChecksumError as error:
        raise ChecksumError(
            f"{path}: {error}\nThis copy in {MIRROR_ENV} is bad; replace it with a good one "
            f"(nnlib never writes into the mirror)."
        ) from None
    return path


def _download(destination: Path, urls: Sequence[str], verify: Verifier) -> Path:
    """Try each URL: download to a temporary file, verify it, then rename it into place."""
    import pooch
    import requests
    from tqdm import tqdm  # the text bar, which follows the total that pooch sets later

    destination.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    checksum_failures = 0
    for url in urls:
        fd, tmp_name = tempfile.mkstemp(
            dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
        )
        os.close(fd)
        tmp = Path(tmp_name)
        # pooch sets the total from the server's Content-Length; it only needs to start truthy.
        progress = tqdm(
            desc=destination.name, total=1, unit="B", unit_scale=True, unit_divisor=1024
        )
        try:
            download = pooch.HTTPDownloader(progressbar=progress, timeout=DOWNLOAD_TIMEOUT_S)
            download(url, str(tmp), None)
            verify(tmp)
            os.replace(tmp, destination)
            return destination
        except ChecksumError as error:
            checksum_failures += 1
            failures.append(f"{url}: {error}; the bad copy was removed")
        except (requests.RequestException, OSError) as error:
            failures.append(f"{url}: {type(error).__name__}: {error}")
        finally:
            progress.close()
            tmp.unlink(missing_ok=True)

    tried = "\n".join(f"  {line}" for line in failures) or "  (no URL configured)"
    message = (
        f"could not get a good copy of {destination.name}. Tried:\n{tried}\n"
        f"Without a network: download it by hand from one of these URLs and save it as\n"
        f"  {destination}\n"
        f"or set {MIRROR_ENV} to a folder that holds {destination.parent.name}/{destination.name} "
        "(for example a copy of the cache folder of a machine that ran `nnlib download`)."
    )
    if failures and checksum_failures == len(failures):
        raise ChecksumError(message)
    raise DownloadError(message)


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to an ``.npz`` file atomically: a temporary file, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """Return the arrays of a cached ``.npz`` file, or None (and remove it) if it is unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        path.unlink(missing_ok=True)
        return None
