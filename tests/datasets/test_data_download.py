"""The real download code over HTTP, against servers on 127.0.0.1.

Each case ends either with verified files in the cache or with an error that names the file,
the URLs tried and what to do, and never with a partial or corrupted file left in the cache.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from datatools import MNIST_FILES, files_under

from nnlib.datasets import (
    ChecksumError,
    DownloadError,
    download,
    load_mnist,
    load_sign_digits,
)
from nnlib.datasets.mnist import MNIST_FILES as MNIST_SHA256
from nnlib.datasets.sign_digits import SIGN_DIGITS_ZIP


def test_mnist_downloads_from_the_second_url_when_the_first_is_down(
    fresh_cache, down_server, good_server, monkeypatch
):
    """A refused connection moves on to the next mirror; the files land verified."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", f"{down_server.mnist} {good_server.mnist}")
    paths = download("mnist")
    assert [p.name for p in paths] == list(MNIST_FILES)
    for path in paths:
        assert path.parent == fresh_cache / "mnist"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == MNIST_SHA256[path.name]
    assert files_under(fresh_cache) == [f"mnist/{name}" for name in sorted(MNIST_FILES)]

    (X_train, y_train), (X_test, y_test) = load_mnist()
    assert X_train.shape == (60000, 784) and y_test[:3].tolist() == [7, 2, 1]


def test_mnist_corrupted_download_is_rejected_and_removed(
    fresh_cache, corrupting_server, monkeypatch
):
    """Corrupted bytes fail the SHA-256 check: the error names file and hashes, no file stays."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", corrupting_server.mnist)
    with pytest.raises(ChecksumError) as info:
        download("mnist")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert MNIST_SHA256["train-images-idx3-ubyte.gz"] in message
    assert "removed" in message and corrupting_server.mnist in message
    assert files_under(fresh_cache) == []


def test_mnist_corrupted_first_mirror_falls_back_to_a_good_one(
    fresh_cache, corrupting_server, good_server, monkeypatch
):
    """A bad copy from one mirror is discarded and the next mirror's good copy is kept."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", f"{corrupting_server.mnist} {good_server.mnist}")
    paths = download("mnist")
    for path in paths:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == MNIST_SHA256[path.name]
    assert len(files_under(fresh_cache)) == 4


def test_mnist_connection_closed_mid_file(fresh_cache, halfway_server, monkeypatch):
    """A transfer cut off halfway is an error that lists the URL; nothing stays in the cache."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", halfway_server.mnist)
    with pytest.raises((DownloadError, ChecksumError)) as info:
        download("mnist")
    assert halfway_server.mnist + "train-images-idx3-ubyte.gz" in str(info.value)
    assert files_under(fresh_cache) == []


def test_no_network_error_says_what_was_tried_and_how_to_place_files(
    fresh_cache, down_server, monkeypatch
):
    """With every mirror down, the error lists the URLs and where to put the file by hand."""
    other = down_server.base + "/elsewhere/"
    monkeypatch.setenv("NNLIB_MNIST_URLS", f"{down_server.mnist} {other}")
    with pytest.raises(DownloadError) as info:
        load_mnist()
    message = str(info.value)
    assert down_server.mnist + "train-images-idx3-ubyte.gz" in message
    assert other + "train-images-idx3-ubyte.gz" in message
    assert str(fresh_cache / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "NNLIB_DATA_MIRROR" in message
    assert files_under(fresh_cache) == []


def test_a_damaged_cached_file_is_replaced(fresh_cache, good_server, monkeypatch):
    """A cached raw file that no longer verifies is removed and downloaded again."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", good_server.mnist)
    (path, *_) = download("mnist")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="failed verification"):
        (again, *_) = download("mnist")
    assert again == path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MNIST_SHA256[path.name]


def test_sign_digits_download_and_load(fresh_cache, down_server, good_server, monkeypatch):
    """The archive comes over HTTP, is verified by content and loads."""
    monkeypatch.setenv("NNLIB_SIGN_DIGITS_URLS", f"{down_server.signs} {good_server.signs}")
    assert download("signs") == [fresh_cache / "sign-language-digits" / SIGN_DIGITS_ZIP]
    (X_train, y_train), (X_test, y_test) = load_sign_digits((0, 1))
    assert len(X_train) + len(X_test) == 205 + 206
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == [205, 206]
    assert sorted(files_under(fresh_cache)) == [
        "preprocessed/sign-digits-64px-v1.npz",
        f"sign-language-digits/{SIGN_DIGITS_ZIP}",
    ]


@pytest.mark.parametrize("server", ["corrupting_server", "halfway_server"])
def test_sign_digits_bad_transfer_leaves_nothing(fresh_cache, server, request, monkeypatch):
    """A corrupted or cut-off archive is rejected by content; nothing stays in the cache."""
    url = request.getfixturevalue(server).signs
    monkeypatch.setenv("NNLIB_SIGN_DIGITS_URLS", url)
    with pytest.raises((ChecksumError, DownloadError)) as info:
        load_sign_digits((0, 1))
    assert url in str(info.value) and SIGN_DIGITS_ZIP in str(info.value)
    if server == "corrupting_server":
        assert isinstance(info.value, ChecksumError)
        assert "removed" in str(info.value)
    assert files_under(fresh_cache) == []
