"""Fixtures for the dataset tests: private caches, copies of the mirror and local HTTP servers.

The servers run on 127.0.0.1 and serve the genuine files of ``NNLIB_DATA_MIRROR`` (laid out as
``mnist/<file>`` and ``sign-language-digits/<zip>``) in four ways: faithfully, with corrupted
bytes, cut off halfway through, or not at all (a port where nothing listens).
"""

from __future__ import annotations

import functools
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nnlib.datasets.sign_digits import SIGN_DIGITS_ZIP

MNIST_URLS_ENV = "NNLIB_MNIST_URLS"
SIGNS_URLS_ENV = "NNLIB_SIGN_DIGITS_URLS"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class CorruptingHandler(QuietHandler):
    """Serves each file with the right length but 64 bytes in its middle inverted."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(bytes(data))


class HalfwayHandler(QuietHandler):
    """Announces each file's full length, sends half of it, then closes the connection."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class Server:
    """Base URL of a server and the URLs of the datasets' files on it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.mnist = f"{base}/mnist/"
        self.signs = f"{base}/sign-language-digits/{SIGN_DIGITS_ZIP}"


def _serve(handler: type[SimpleHTTPRequestHandler], folder: Path) -> Iterator[Server]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=folder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def good_server(data_mirror: Path) -> Iterator[Server]:
    """Serves the genuine files."""
    yield from _serve(QuietHandler, data_mirror)


@pytest.fixture(scope="session")
def corrupting_server(data_mirror: Path) -> Iterator[Server]:
    """Serves the genuine files with corrupted bytes."""
    yield from _serve(CorruptingHandler, data_mirror)


@pytest.fixture(scope="session")
def halfway_server(data_mirror: Path) -> Iterator[Server]:
    """Closes the connection halfway through each file."""
    yield from _serve(HalfwayHandler, data_mirror)


@pytest.fixture(scope="session")
def down_server() -> Server:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return Server(f"http://127.0.0.1:{port}")


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder, and no mirror: every raw file must come over HTTP."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NNLIB_DATA_DIR", str(cache))
    monkeypatch.delenv("NNLIB_DATA_MIRROR", raising=False)
    monkeypatch.delenv(MNIST_URLS_ENV, raising=False)
    monkeypatch.delenv(SIGNS_URLS_ENV, raising=False)
    return cache


@pytest.fixture
def mirror_copy(data_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the mirror, used as the mirror, with an empty cache."""
    copy = tmp_path / "mirror"
    for source in [
        *data_mirror.glob("mnist/*.gz"),
        *data_mirror.glob("sign-language-digits/*.zip"),
    ]:
        target = copy / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)  # the copy is writable, unlike the shared files
    monkeypatch.setenv("NNLIB_DATA_MIRROR", str(copy))
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "cache"))
    return copy
