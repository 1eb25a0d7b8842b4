"""A damaged local mirror gives a clear error, caches nothing, and good files work afterwards."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from datatools import MNIST_FILES, files_under, snapshot

from nnlib.cli import main
from nnlib.datasets import ChecksumError, DatasetError, load_mnist, load_sign_digits
from nnlib.datasets.mnist import MNIST_FILES as MNIST_SHA256
from nnlib.datasets.sign_digits import SIGN_DIGITS_ZIP


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
def test_bad_mnist_file_in_mirror(mirror_copy, data_mirror, tmp_path, damage):
    """The error names the file, both hashes and the mirror; a good file then loads."""
    path = mirror_copy / "mnist" / "train-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        del data[len(data) // 2 :]
    else:
        data[100] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(ChecksumError) as info:
        load_mnist()
    message = str(info.value)
    assert str(path) in message and MNIST_SHA256[path.name] in message
    assert "NNLIB_DATA_MIRROR" in message and "replace" in message
    assert files_under(tmp_path / "cache") == []  # no preprocessed arrays from bad data
    assert path.read_bytes() == bytes(data)  # the mirror is reported, not repaired

    shutil.copyfile(data_mirror / "mnist" / path.name, path)
    (_, y_train), _ = load_mnist()
    assert y_train[:3].tolist() == [5, 0, 4]


@pytest.mark.parametrize("damage", ["truncated", "member changed"])
def test_bad_sign_archive_in_mirror(mirror_copy, data_mirror, tmp_path, damage):
    """A truncated or altered archive fails the content check; a good one then loads."""
    path = mirror_copy / "sign-language-digits" / SIGN_DIGITS_ZIP
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        del data[-1000:]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(ChecksumError) as info:
        load_sign_digits((0, 1))
    message = str(info.value)
    assert str(path) in message and "NNLIB_DATA_MIRROR" in message
    assert "not a readable zip archive" in message or "CRC-32" in message
    assert files_under(tmp_path / "cache") == []

    shutil.copyfile(data_mirror / "sign-language-digits" / SIGN_DIGITS_ZIP, path)
    (X_train, _), _ = load_sign_digits((0, 1))
    assert X_train.shape[1] == 64 * 64


def test_mirror_is_never_written(data_mirror, tmp_path, monkeypatch):
    """Loading through the mirror writes only into the cache folder."""
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "cache"))
    before = snapshot(data_mirror)
    load_mnist()
    assert snapshot(data_mirror) == before
    assert files_under(tmp_path / "cache") == ["preprocessed/mnist-v1.npz"]


def test_mirror_that_is_not_a_folder(tmp_path, monkeypatch):
    """NNLIB_DATA_MIRROR naming a missing folder is reported as such."""
    monkeypatch.setenv("NNLIB_DATA_MIRROR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "cache"))
    with pytest.raises(DatasetError, match="which is not a folder"):
        load_mnist()


def test_cli_download_with_the_mirror(data_mirror, capsys):
    """``nnlib download`` verifies the mirror's files and prints where they are."""
    assert main(["download"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [f"mnist: {data_mirror / 'mnist' / name}" for name in MNIST_FILES]
    expected.append(f"signs: {data_mirror / 'sign-language-digits' / SIGN_DIGITS_ZIP}")
    assert lines == expected


def test_cli_download_over_http(fresh_cache, good_server, monkeypatch):
    """``nnlib download mnist`` as a command fills the cache from a server."""
    monkeypatch.setenv("NNLIB_MNIST_URLS", good_server.mnist)
    result = subprocess.run(
        [sys.executable, "-m", "nnlib.cli", "download", "mnist"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"mnist: {fresh_cache / 'mnist' / name}" for name in MNIST_FILES
    ]
    (_, y_train), _ = load_mnist()
    assert np.bincount(y_train)[0] == 5923
