"""Fixtures shared by the whole test suite.

* ``xp``: the array module, once per available backend (NumPy always; CuPy where it sees a GPU,
  skipped cleanly elsewhere). Tests that can run on a GPU take this fixture.
* ``data_mirror``: the folder named by ``NNLIB_DATA_MIRROR`` that holds the genuine datasets.
* Every test session gets its own empty ``NNLIB_DATA_DIR`` unless one is set, so the tests
  exercise the real download, verification and caching code and never touch the user's cache.
* Every test session grades under a course secret of its own (``AUTOGRADER_SECRET``), so that
  no test creates one in the repository; tests of how the secret is found unset it.
* BLAS runs on one thread in the tests' process.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnlib.backend import available_backends, get_backend

BACKENDS = ["numpy", "cupy"]


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory):
    if os.environ.get("NNLIB_DATA_DIR"):
        yield Path(os.environ["NNLIB_DATA_DIR"])
        return
    path = tmp_path_factory.mktemp("nnlib-data")
    os.environ["NNLIB_DATA_DIR"] = str(path)
    yield path
    os.environ.pop("NNLIB_DATA_DIR", None)


@pytest.fixture(scope="session", autouse=True)
def _course_secret():
    if os.environ.get("AUTOGRADER_SECRET"):
        yield os.environ["AUTOGRADER_SECRET"]
        return
    import secrets

    os.environ["AUTOGRADER_SECRET"] = secrets.token_hex(32)
    yield os.environ["AUTOGRADER_SECRET"]
    os.environ.pop("AUTOGRADER_SECRET", None)


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Run BLAS on one thread in the tests' own process.

    The tests' matrices are small, and a multi-threaded BLAS whose threads wait for each other
    slows down by a factor of ten or more when other processes share the cores (as other
    test sessions, sandboxes or kernels may); one thread keeps the tests' run time predictable.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


#: Fixtures that make a test slow, whatever its module: the whole book built and executed.
SLOW_FIXTURES = {"built_book"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a fixture of :data:`SLOW_FIXTURES`.

    The fast tier (``pytest -m "not slow"``) runs every test not marked ``slow``: a new test is
    fast unless its module, itself or one of these fixtures says otherwise.
    """
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=BACKENDS)
def xp(request: pytest.FixtureRequest):
    """NumPy, then CuPy when CuPy is installed and sees an NVIDIA GPU."""
    if request.param not in available_backends():
        pytest.skip(f"backend {request.param!r} is not available here (needs CuPy and a GPU)")
    return get_backend(request.param)


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    """The local copy of the raw datasets (``NNLIB_DATA_MIRROR``); skip when none is set."""
    value = os.environ.get("NNLIB_DATA_MIRROR")
    if not value:
        if os.environ.get("CI"):
            pytest.fail("CI must set NNLIB_DATA_MIRROR to the folder holding the raw datasets")
        pytest.skip("NNLIB_DATA_MIRROR is not set: no local copy of the datasets")
    path = Path(value).resolve()
    if not path.is_dir():
        pytest.fail(f"NNLIB_DATA_MIRROR={value} is not a folder")
    return path
