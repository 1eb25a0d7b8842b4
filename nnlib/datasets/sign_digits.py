"""Sign Language Digits: 2,062 photos of hands showing the digits 0 to 9 (Mavi, 2020).

The dataset's GitHub repository archive at a fixed commit (:data:`SIGN_DIGITS_URLS`; the
environment variable ``NNLIB_SIGN_DIGITS_URLS`` replaces them). GitHub builds its archives on
request and does not promise the same bytes every time, so the archive is verified by its
*content*: every member's name and CRC-32 must match the manifest shipped with nnlib
(``nnlib/data/sign_digits_manifest.json``), and every member must decompress to its CRC-32.

Every photo is converted to grayscale and resized to ``image_size`` x ``image_size`` pixels
(2,059 photos are 100x100 and three are 3024x3024). The resized images of all ten digits are
cached per ``image_size``; choosing the digits and splitting into training and test sets is
cheap and done on each call.

Shapes: N images of S x S pixels (S = ``image_size``), D = S * S features.
"""

from __future__ import annotations

import io
import json
import operator
import zipfile
import zlib
from pathlib import Path

import numpy as np

from nnlib.datasets.fetch import (
    ChecksumError,
    data_dir,
    fetch,
    load_arrays,
    save_arrays,
    urls_from_env,
)
from nnlib.preprocessing import stratified_split_indices

SIGN_DIGITS_COMMIT = "4b09433ef9d5c60602e8805bb54b8aa2428527f8"
SIGN_DIGITS_ZIP = f"Sign-Language-Digits-Dataset-{SIGN_DIGITS_COMMIT}.zip"
#: Full URLs of the archive, tried in order.
SIGN_DIGITS_URLS = (
    f"https://github.com/ardamavi/Sign-Language-Digits-Dataset/archive/{SIGN_DIGITS_COMMIT}.zip",
)
SIGN_DIGITS_URLS_ENV = "NNLIB_SIGN_DIGITS_URLS"
MANIFEST_PATH = Path(__file__).resolve().parent.parent / "data" / "sign_digits_manifest.json"

# Bump when the cached arrays would change, so that old caches are not read.
_CACHE_VERSION = 1


def read_manifest() -> dict:
    """Return the manifest shipped with nnlib."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def verify_archive(path: Path) -> None:
    """Raise :class:`ChecksumError` unless the archive holds exactly the manifest's files."""
    manifest = read_manifest()
    expected = {manifest["root"] + name: int(crc, 16) for name, crc in manifest["members"].items()}
    try:
        with zipfile.ZipFile(path) as archive:
            found = {info.filename: info.CRC for info in archive.infolist() if not info.is_dir()}
            problems = [f"missing {name}" for name in expected.keys() - found.keys()]
            problems += [f"unexpected {name}" for name in found.keys() - expected.keys()]
            problems += [
                f"{name} has CRC-32 {found[name]:08x}, expected {crc:08x}"
                for name, crc in expected.items()
                if name in found and found[name] != crc
            ]
            if not problems:
                # Decompresses every member and compares it with its stored CRC-32.
                bad_member = archive.testzip()
                if bad_member is not None:
                    problems.append(f"{bad_member} does not decompress to its CRC-32")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise ChecksumError(
            f"not a readable zip archive: truncated or corrupted ({error})"
        ) from None
    if problems:
        shown = "; ".join(sorted(problems)[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise ChecksumError(
            f"content differs from the manifest {MANIFEST_PATH.name} "
            f"({len(expected)} files): {shown}{more}"
        )


def download_sign_digits() -> list[Path]:
    """Return a verified local copy of the archive, downloading it when missing."""
    urls = urls_from_env(SIGN_DIGITS_URLS_ENV, SIGN_DIGITS_URLS)
    return [fetch("sign-language-digits", SIGN_DIGITS_ZIP, urls, verify_archive)]


def _decode_images(zip_path: Path, image_size: int) -> dict[str, np.ndarray]:
    """Return every photo as grayscale ``(N, S, S)`` uint8 and its digit ``(N,)``."""
    from PIL import Image, ImageOps

    images, digits = [], []
    with zipfile.ZipFile(zip_path) as archive:
        names = sorted(n for n in archive.namelist() if "/Dataset/" in n and n.endswith(".JPG"))
        for name in names:
            with Image.open(io.BytesIO(archive.read(name))) as photo:
                # Let the JPEG decoder skip detail we would throw away (3024x3024 photos).
                photo.draft("RGB", (image_size, image_size))
                # The three large photos are stored sideways with an EXIF rotation tag.
                upright = ImageOps.exif_transpose(photo)
                gray = upright.convert("L").resize(
                    (image_size, image_size), Image.Resampling.LANCZOS
                )
            images.append(np.asarray(gray, dtype=np.uint8))
            digits.append(int(name.split("/")[-2]))
    return {"images": np.stack(images), "digits": np.array(digits, dtype=np.int64)}


def check_digit_pair(digits: object) -> tuple[int, int]:
    """Return ``digits`` as two different ints from 0 to 9, or raise a ValueError that says so.

    Used by :func:`load_sign_digits` and by the command line, which checks a chosen pair before
    it spends time training anything else.
    """
    try:
        pair = tuple(operator.index(d) for d in digits if not isinstance(d, bool))
        ok = len(pair) == len(digits) == 2 and pair[0] != pair[1]
    except TypeError:  # not a sequence, or an element that is not an integer
        ok = False
    if not ok or not all(0 <= d <= 9 for d in pair):
        raise ValueError(
            f"digits must be two different digits from 0 to 9, such as (0, 1); got {digits!r}"
        )
    return pair


def load_sign_digits(
    digits: tuple[int, int] | None = (0, 1),
    *,
    image_size: int = 64,
    test_fraction: float = 0.2,
    seed: int = 0,
    flatten: bool = True,
    dtype: str = "float32",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the Sign Language Digits photos as grayscale images in [0, 1].

    Parameters
    ----------
    digits : pair of int, or None
        The two digits of a binary task, such as ``(0, 1)``: ``y`` is 1 where the photo shows
        ``digits[1]`` and 0 where it shows ``digits[0]``. None keeps all ten digits, and ``y``
        is the digit.
    image_size : int
        S: every photo is resized to S x S pixels.
    test_fraction : float
        The share of each class put in the test set (a stratified split), in (0, 1).
    seed : int
        Seed of the split: the same seed always gives the same split.
    flatten : bool
        Return each image as a row of D = S * S features instead of an S x S array.
    dtype : str
        ``"float32"`` or ``"float64"``.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X_train`` of shape (N_train, S * S), or (N_train, S, S) when ``flatten=False``,
        values in [0, 1]; ``y_train`` of shape (N_train,), int64; the same for the test set.

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_sign_digits((0, 1))  # doctest: +SKIP
    >>> X_train.shape, X_test.shape  # doctest: +SKIP
    ((329, 4096), (82, 4096))
    """
    if digits is not None:
        try:
            digits = check_digit_pair(digits)
        except ValueError as error:
            raise ValueError(f"load_sign_digits: {error} (or None for all ten)") from None
    if isinstance(image_size, bool) or not isinstance(image_size, int | np.integer):
        raise TypeError(f"load_sign_digits: image_size must be an int; got {image_size!r}")
    if not 1 <= image_size <= 512:
        raise ValueError(f"load_sign_digits: image_size must be in 1..512; got {image_size}")
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"load_sign_digits: test_fraction must lie strictly between 0 and 1; "
            f"got {test_fraction}"
        )
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"load_sign_digits: dtype must be a float dtype; got {dtype.name!r}")

    cache = data_dir() / "preprocessed" / f"sign-digits-{image_size}px-v{_CACHE_VERSION}.npz"
    arrays = load_arrays(cache)
    if arrays is None:
        (zip_path,) = download_sign_digits()
        arrays = _decode_images(zip_path, int(image_size))
        save_arrays(cache, **arrays)

    images, photo_digits = arrays["images"], arrays["digits"]
    if digits is None:
        y = photo_digits
    else:
        keep = np.isin(photo_digits, digits)
        images, y = images[keep], (photo_digits[keep] == digits[1]).astype(np.int64)
    train, test = stratified_split_indices(y, test_fraction, seed)

    def features(indices: np.ndarray) -> np.ndarray:
        X = images[indices]
        if flatten:
            X = X.reshape(len(X), -1)
        X = X.astype(dtype)
        X /= 255
        return X

    return (features(train), y[train]), (features(test), y[test])
