"""Fixtures of the book tests: the built book, a local web server for it, and headless Chromium.

The book is built once per test session, incrementally in ``book/_build`` (executed chapters
come from its cache when their code is unchanged), exactly as CI builds it: warnings are errors.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
MATHJAX = BOOK / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"
SCREENSHOTS = ROOT / "test-artifacts" / "book-screenshots"
CHROMIUM = Path(os.environ.get("BOOK_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str) -> None:
    """Skip for a missing tool on a developer's machine; fail in CI, which must provide it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: see .ci/run)")
    pytest.skip(what)


def _jupyter_book() -> str:
    beside = Path(sys.executable).with_name("jupyter-book")
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if not found:
        pytest.fail("jupyter-book is not installed: pip install -e '.[book]'")
    return found


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, the browser the test drives; skipped only outside CI."""
    if not CHROMIUM.is_file():
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book (warnings are errors) and return the folder of its HTML pages."""
    if not MATHJAX.is_file():
        npm = shutil.which("npm")
        if npm is None:
            _missing("MathJax is not installed in book/node_modules and npm is not available")
        subprocess.run([npm, "ci", "--prefix", str(BOOK), "--no-audit", "--no-fund"], check=True)
    result = subprocess.run(
        [_jupyter_book(), "build", str(BOOK), "--warningiserror", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(
            f"the book does not build (exit status {result.returncode}):\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
        )
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def book_url(built_book: Path) -> Iterator[str]:
    """Serve the built book on 127.0.0.1 and return its base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    """One headless Chromium for the session, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
