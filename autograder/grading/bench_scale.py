"""How the batch grader scales: the local pool and Dask workers, reruns, and where time goes.

``python -m autograder.grading.bench_scale`` (from the repository root, with
``NNLIB_DATA_MIRROR`` set for the MNIST classifier) builds classes of the course's real
assignments from ``solutions/`` (solved notebooks, and ones with a wrong function), then prints:

* submissions per minute for 05-activations and 11-mnist-classifier with the local pool of 1 and
  2 workers, and with a real ``dask scheduler`` and 1 or 2 ``dask worker`` processes on
  loopback, with the ratio of 2 workers to 1;
* the time of a rerun of an unchanged class of ``--class-size`` students (everything reused);
* where a submission's time goes: the sandbox's start, the interpreter and its imports, the
  student's cells, the calls of the graded functions, the judging and the writing.

The Dask processes run with the grading settings of
:data:`~autograder.grading.sandbox.executors.DASK_ENVIRONMENT`; ``--dask-defaults`` starts them with
Dask's own defaults instead, to compare. :class:`DaskProcesses` (a scheduler and workers as
separate processes) is also what the tests of Dask grading use.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.sandbox.executors import DASK_ENVIRONMENT

BIN = Path(sys.executable).parent
SOLUTIONS = Path("solutions")

#: A wrong function per benchmarked assignment: (solution cell, text, replacement).
BUGS = {
    "05-activations": ("softmax", "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z)"),
    "11-mnist-classifier": None,
}


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


def make_class(assignment: str, root: Path, size: int) -> Path:
    """``size`` submissions in nbgrader's layout: solved, and (every third) one bug."""
    source = SOLUTIONS / assignment / f"{assignment}.ipynb"
    solved = json.loads(source.read_text(encoding="utf-8"))
    buggy = json.loads(json.dumps(solved))
    bug = BUGS.get(assignment)
    if bug:
        for cell in buggy["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == bug[0]:
                text = "".join(cell["source"])
                cell["source"] = text.replace(bug[1], bug[2])
    for i in range(size):
        path = root / f"student{i:03d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(buggy if bug and i % 3 == 2 else solved), encoding="utf-8")
    return root


def _grade(assignment, root, out, workers=None, scheduler=None, similarity=None):
    from autograder.grading.grade import grade_class

    started = time.monotonic()
    result = grade_class(
        assignment,
        root,
        out,
        source_dir=SOLUTIONS / assignment,
        workers=workers,
        scheduler=scheduler,
        similarity_threshold=similarity,
        log=lambda line: None,
    )
    return result, time.monotonic() - started


def _median_seconds(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def startup_costs() -> dict[str, float]:
    """Seconds to start an empty sandbox, and to start Python with the runner's imports in it."""
    from autograder.grading.sandbox.isolation import bwrap_command, detect_isolation

    isolation = detect_isolation()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        (work / "job").mkdir()
        (work / "lib").mkdir()
        if not isolation.bwrap:
            return {"sandbox start": 0.0, "interpreter and imports": 0.0}
        base = bwrap_command(isolation.bwrap, work / "job", work / "lib", {"HOME": "/tmp"})
        prefix = base[: base.index("--")]
        empty = _median_seconds([*prefix, "--", "/bin/true"])
        python = _median_seconds([*prefix, "--", sys.executable, "-B", "-c", "import numpy"])
        return {"sandbox start": empty, "interpreter and imports": python - empty}
    finally:
        shutil.rmtree(work, ignore_errors=True)


#: A fixed single-threaded NumPy workload: what one sandbox's training does, without the grader.
_BURN = (
    "import numpy as np\n"
    "a = np.random.default_rng(0).standard_normal((256, 784)).astype(np.float32)\n"
    "w = np.random.default_rng(1).standard_normal((784, 128)).astype(np.float32)\n"
    "for _ in range(2000):\n"
    "    (a @ w).sum()\n"
)


def machine_ceiling() -> dict[str, float]:
    """How much this machine gains from a second process: the throughput of two independent
    single-threaded NumPy processes against one, for a matrix workload and for starting Python
    with NumPy (the two halves of a sandbox's work). No grader can scale better than this."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

    def timed(count: int, cmd: list[str]) -> float:
        started = time.monotonic()
        procs = [subprocess.Popen(cmd, env=env) for _ in range(count)]
        for proc in procs:
            proc.wait()
        return time.monotonic() - started

    burn = [sys.executable, "-c", _BURN]
    start = [sys.executable, "-c", "import numpy"]
    one, two = timed(1, burn), timed(2, burn)
    starts_one = sum(timed(1, start) for _ in range(10))
    starts_two = sum(timed(2, start) for _ in range(10))
    return {
        "matrix products": 2 * one / two,
        "Python and NumPy starts": 2 * starts_one / starts_two,
    }


def breakdown(results) -> dict[str, float]:
    """Mean seconds per submission of each phase the grader timed."""
    phases: dict[str, list[float]] = {}
    for result in results:
        for name, seconds in result.timings.items():
            phases.setdefault(name, []).append(seconds)
    return {name: statistics.mean(values) for name, values in phases.items()}


def _second_worker_table(phases: dict[tuple, dict[str, float]], assignments: list[str]) -> list:
    """Mean seconds per submission of each phase with 1 and with 2 Dask workers: what a
    submission loses when another one runs beside it on the same cores."""
    lines = [
        "What a second Dask worker costs each submission (mean seconds per submission, as the"
        " sandbox measured them):",
        "",
        "| phase | " + " | ".join(f"{a}, Dask 1 | Dask 2" for a in assignments) + " |",
        "| --- |" + " --- | --- |" * len(assignments),
    ]
    names = list(dict.fromkeys(n for p in phases.values() for n in p))
    for name in names:
        cells = [
            f"{phases.get((a, 'dask', n), {}).get(name, 0.0):.3f}"
            for a in assignments
            for n in (1, 2)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def machine() -> list[str]:
    import distributed
    import numpy as np

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"* CPU: {cpu}, {os.cpu_count()} cores",
        f"* Python {platform.python_version()}, NumPy {np.__version__}, distributed "
        f"{distributed.__version__}, {platform.platform()}",
        f"* load average over the last minute: {os.getloadavg()[0]:.1f}",
    ]


def _grade_four_ways(
    assignment: str, root: Path, work: Path, dask_defaults: bool = False
) -> dict[tuple, tuple]:
    """Grade the class in ``root`` with the local pool and with Dask, 1 and 2 workers each
    (Dask with the grading settings, or its own defaults with ``dask_defaults``).

    Returns, by ``(mode, workers)``, the class result and the seconds of setup before its first
    sandbox started.
    """
    runs = {}
    for mode in ("pool", "dask"):
        for n in (1, 2):
            out = work / f"out-{assignment}-{mode}-{n}"
            if mode == "pool":
                result, seconds = _grade(assignment, root, out, workers=n)
            else:
                with DaskProcesses(n, dask_defaults=dask_defaults) as cluster:
                    result, seconds = _grade(assignment, root, out, scheduler=cluster.address)
            runs[(mode, n)] = (result, seconds - result.grading_seconds)
            print(
                f"{assignment} {mode} {n}: {result.grading_seconds:.1f} s for "
                f"{len(result.results)} (+{seconds - result.grading_seconds:.1f} s of setup)",
                flush=True,
            )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--light", type=int, default=24, help="class size for 05-activations")
    parser.add_argument("--heavy", type=int, default=6, help="class size for 11-mnist-classifier")
    parser.add_argument("--class-size", type=int, default=300, help="class size of the rerun")
    parser.add_argument("--skip-heavy", action="store_true", help="05-activations only")
    parser.add_argument(
        "--dask-defaults",
        action="store_true",
        help="start the Dask scheduler and workers with Dask's default settings instead of the "
        "grading settings (DASK_ENVIRONMENT), to compare the two",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    settings = " ".join(f"{k}={v}" for k, v in DASK_ENVIRONMENT.items())
    dask = "Dask's own defaults" if args.dask_defaults else f"the grading settings, {settings}"
    lines = ["## Machine", "", *machine(), f"* Dask scheduler and workers: {dask}", ""]
    try:
        sizes = {"05-activations": args.light}
        if not args.skip_heavy:
            sizes["11-mnist-classifier"] = args.heavy
        lines += ["## Submissions per minute", ""]
        lines += ["| assignment | students | pool, 1 | pool, 2 | Dask, 1 | Dask, 2 |"]
        lines += ["| --- | --- | --- | --- | --- | --- |"]
        ratios = []
        samples: dict[str, list] = {}
        setup: dict[tuple, float] = {}
        phases_by_run: dict[tuple, dict[str, float]] = {}
        for assignment, size in sizes.items():
            root = make_class(assignment, work / f"class-{assignment}", size)
            rates = {}
            runs = _grade_four_ways(assignment, root, work, args.dask_defaults)
            for (mode, n), (result, before) in runs.items():
                rates[(mode, n)] = 60 * size / result.grading_seconds
                setup[(assignment, mode, n)] = before
                samples.setdefault(assignment, []).extend(result.results)
                phases_by_run[(assignment, mode, n)] = breakdown(result.results)
            ratio = {m: rates[(m, 2)] / rates[(m, 1)] for m in ("pool", "dask")}
            ratios.append((assignment, ratio))
            lines.append(
                f"| {assignment} | {size} | "
                + " | ".join(
                    f"{rates[k]:.1f}" for k in [("pool", 1), ("pool", 2), ("dask", 1), ("dask", 2)]
                )
                + " |"
            )
        lines += [
            "",
            "Rates count from the first sandbox started to the last result. Setup before it"
            " (loading the checks, drawing the cases, the gradebook, sending the inputs to the"
            " workers) is apart:",
            "",
        ]
        for (assignment, mode, n), seconds in setup.items():
            lines.append(f"* setup, {assignment}, {mode} with {n}: {seconds:.1f} s")
        lines += [""]
        for assignment, ratio in ratios:
            lines.append(
                f"* {assignment}: 2 workers / 1 worker = {ratio['pool']:.2f} (pool),"
                f" {ratio['dask']:.2f} (Dask)"
            )
        for name, ratio in machine_ceiling().items():
            lines.append(
                f"* this machine's own ceiling, two independent processes against one ({name}):"
                f" {ratio:.2f}"
            )
        lines += ["", *_second_worker_table(phases_by_run, list(sizes))]

        root = make_class("05-activations", work / "class-big", args.class_size)
        out = work / "out-big"
        _, first = _grade("05-activations", root, out, workers=2, similarity=0.5)
        rerun, again = _grade("05-activations", root, out, workers=2, similarity=0.5)
        lines += [
            "",
            f"## Rerun of an unchanged class of {args.class_size}",
            "",
            f"* first run (everything graded, similarity report included): {first:.1f} s",
            f"* rerun: {again:.2f} s, {rerun.graded} graded, {rerun.reused} reused",
            "",
            "## Where a submission's time goes (mean seconds per submission)",
            "",
            "| phase | " + " | ".join(samples) + " |",
            "| --- |" + " --- |" * len(samples),
        ]
        for name, seconds in startup_costs().items():
            cells = " | ".join(f"{seconds:.3f}" for _ in samples)
            lines.append(f"| {name} (measured apart, median of 7) | {cells} |")
        phases = {a: breakdown(results) for a, results in samples.items()}
        names = list(dict.fromkeys(n for p in phases.values() for n in p))
        for name in names:
            cells = " | ".join(f"{phases[a].get(name, 0.0):.3f}" for a in samples)
            lines.append(f"| {name} | {cells} |")
        print("\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
