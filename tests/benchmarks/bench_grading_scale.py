"""How the batch grader scales: the local pool and Dask workers, reruns, and where time goes.

``python tests/benchmarks/bench_grading_scale.py`` (from the repository root, with the
``grading`` extra and ``NNLIB_DATA_MIRROR`` set for the MNIST classifier) builds classes of the
course's real assignments from ``solutions/`` (solved notebooks, and ones with a wrong
function), then prints, as Markdown:

* submissions per minute for 05-activations and 11-mnist-classifier with the local pool of 1 and
  2 workers, and with a real ``dask scheduler`` and 1 or 2 ``dask worker`` processes on
  loopback, with the ratio of 2 workers to 1;
* the time of a rerun of an unchanged class of ``--class-size`` students (everything reused);
* where a submission's time goes: the sandbox's start, the interpreter and its imports, the
  student's cells, the calls of the graded functions, the judging and the writing.

The Dask processes run with the grading settings of
:data:`~autograder.grading.sandbox.executors.DASK_ENVIRONMENT`; ``--dask-defaults`` starts them with
Dask's own defaults instead, to compare. The scheduler and workers are separate processes
(``DaskProcesses`` of ``tests/classroom.py``, which the tests of Dask grading use too).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.sandbox.executors import DASK_ENVIRONMENT
from autograder.secret import CourseSecret

# The Dask processes are the tests' own, in tests/classroom.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classroom import DaskProcesses  # noqa: E402
from machine import machine_description  # noqa: E402

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
#: The benchmark's own course secret: the classes it grades draw their hidden cases from it.
SECRET = CourseSecret(secrets.token_hex(32), "the grading benchmark")

#: A wrong function per benchmarked assignment: (solution cell, text, replacement).
BUGS = {
    "05-activations": ("softmax", "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z)"),
    "11-mnist-classifier": None,
}


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
        secret=SECRET,
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
    parser = argparse.ArgumentParser(
        prog="python tests/benchmarks/bench_grading_scale.py", description=__doc__.split("\n\n")[0]
    )
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
    parser.add_argument("--record", metavar="PATH", help="also write the report to PATH")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    settings = " ".join(f"{k}={v}" for k, v in DASK_ENVIRONMENT.items())
    dask = "Dask's own defaults" if args.dask_defaults else f"the grading settings, {settings}"
    import distributed

    machine = [f"* {line}" for line in machine_description()]
    machine.append(f"* distributed {distributed.__version__}; Dask scheduler and workers: {dask}")
    lines = ["## Machine", "", *machine, ""]
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
        if args.record:
            command = shlex.join(["python", "tests/benchmarks/bench_grading_scale.py", *argv])
            Path(args.record).write_text(
                "# Grading at scale: the latest run\n\nFrom the repository root, with "
                f"`NNLIB_DATA_MIRROR` set:\n\n```\n{command}\n```\n\nWhat it measures, and how: "
                "`tests/benchmarks/README.md`.\n\n" + "\n".join(lines) + "\n",
                encoding="utf-8",
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
