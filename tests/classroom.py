"""A class of students for the tests and the grading benchmarks, made with the real tools.

* :func:`release` runs ``nbgrader generate_assignment`` on source notebooks in a course folder;
* :func:`make_submission` fills in a released notebook as a student would (or leaves it blank);
* :func:`nbgrader_env` is the environment nbgrader's commands need;
* :class:`DaskProcesses` is a real ``dask scheduler`` with ``dask worker`` processes on loopback.

The tests import this module by name (pytest puts ``tests/`` on the path); the benchmarks in
``tests/benchmarks/`` put ``tests/`` on the path themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from autograder import nbgrader_cells as cells_
from autograder.grading.sandbox.executors import DASK_ENVIRONMENT

BIN = Path(sys.executable).parent
#: What a student who did not answer leaves in a solution cell.
BLANK = "# YOUR CODE HERE\nraise NotImplementedError()"


def nbgrader_env(extra_path: str | None = None) -> dict[str, str]:
    """Environment for nbgrader's commands: this Python's ``bin`` first (for ``alembic``)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if extra_path:
        env["PYTHONPATH"] = extra_path + os.pathsep + env.get("PYTHONPATH", "")
    return env


def release(source_dir: Path, assignment: str, course: Path) -> Path:
    """Copy the source notebooks into a course folder and run ``nbgrader generate_assignment``.

    Returns the folder of the released (student) notebooks.
    """
    (course / "source").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source_dir, course / "source" / assignment, dirs_exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            assignment,
            "--force",
            f"--CourseDirectory.root={course}",
            "--log-level=ERROR",
        ],
        check=True,
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
    )
    return course / "release" / assignment


def make_submission(
    released: Path, source: Path, replace: dict[str, str] | None = None, blank: bool = False
) -> dict:
    """A student's notebook: the released one with each solution cell filled in.

    Solution cells get the source's solution (the student solved it), ``BLANK`` when ``blank``,
    or ``replace[grade_id]`` when given.
    """
    nb = json.loads(released.read_text(encoding="utf-8"))
    solutions = {
        cells_.grade_id(cell): cell["source"]
        for cell in json.loads(source.read_text(encoding="utf-8"))["cells"]
        if cells_.is_solution_cell(cell)
    }
    for cell in nb["cells"]:
        if cells_.is_solution_cell(cell) and cells_.is_code(cell):
            grade_id = cells_.grade_id(cell)
            text = (replace or {}).get(grade_id)
            if text is None:
                text = BLANK if blank else solutions[grade_id]
            cell["source"] = text
    return nb


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskProcesses:
    """A ``dask scheduler`` and ``n`` single-threaded ``dask worker`` processes on loopback.

    The workers run without a nanny, so that a killed worker stays dead. ``tls`` maps
    ``ca-file``, ``cert`` and ``key`` to PEM files for a ``tls://`` scheduler. The processes get
    the grading settings of :data:`~autograder.grading.sandbox.executors.DASK_ENVIRONMENT`, Dask's own
    defaults with ``dask_defaults``, and then ``env`` (Dask reads its configuration from
    ``DASK_*`` variables).
    """

    def __init__(
        self,
        n: int,
        tls: dict[str, Path] | None = None,
        timeout: float = 60,
        env: dict[str, str] | None = None,
        dask_defaults: bool = False,
    ) -> None:
        self.port = _free_port()
        protocol = "tls" if tls else "tcp"
        self.address = f"{protocol}://127.0.0.1:{self.port}"
        self.tls = tls
        tls_args: list[str] = []
        for option, path in (tls or {}).items():
            tls_args += [f"--tls-{option}", str(path)]
        quiet = {
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "env": {
                **{k: v for k, v in os.environ.items() if k not in DASK_ENVIRONMENT},
                **({} if dask_defaults else DASK_ENVIRONMENT),
                **(env or {}),
            },
        }
        self.scheduler = subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(self.port)]
            + ["--no-dashboard", "--protocol", protocol, *tls_args],
            **quiet,
        )
        self.workers = [
            subprocess.Popen(
                [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny"]
                + ["--no-dashboard", "--name", f"w{i}", "--host", "127.0.0.1", *tls_args],
                **quiet,
            )
            for i in range(n)
        ]
        try:
            self._wait_for(n, timeout)
        except BaseException:
            self.close()
            raise

    def security(self):
        """The client's TLS settings (None for tcp://)."""
        if not self.tls:
            return None
        from autograder.grading.sandbox.executors import tls_security

        return tls_security(self.tls["ca-file"], self.tls["cert"], self.tls["key"])

    def _wait_for(self, n: int, timeout: float) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout
        while True:
            try:
                with Client(self.address, security=self.security(), timeout=5) as client:
                    client.wait_for_workers(n, timeout=max(1, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def __enter__(self) -> DaskProcesses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
