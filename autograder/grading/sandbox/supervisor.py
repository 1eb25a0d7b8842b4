"""Run one submission's code in the sandbox and bring back what its functions returned.

The student's process may hang, exit, be killed or flood its output. The grader watches it
through the progress lines the runner writes (``cell 4 start`` ...), kills it when a cell or a
call overruns its limit, and then starts a fresh process that skips the cell or the function
responsible, so that a fault costs only the work it affects. Results come back through a pipe,
one frame per function (:func:`~autograder.boundary.unpack_arrays`: JSON and numeric
arrays, never a pickle, never a file the submission could replace, nothing on disk); what is
malformed or too large is that submission's loss.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.boundary import decode, encode, unpack_arrays
from autograder.grading.results import CaseResult
from autograder.grading.sandbox import cgroups
from autograder.grading.sandbox.isolation import (
    NOBODY,
    Isolation,
    Limits,
    limit_resources,
    limits_command,
    runner_command,
)
from autograder.outcomes import Outcome
from autograder.reference_use import FOREIGN

#: Largest result of one function read back, and of all of one run's results, in bytes.
MAX_RESULT_BYTES = 64 * 2**20
MAX_RESULTS_BYTES = 256 * 2**20
#: Extra seconds the runner's own timer gets before the grader kills the process.
GRACE_SECONDS = 2.0
#: Most fresh processes started for one submission.
MAX_ATTEMPTS = 6


@dataclass
class FunctionSpec:
    """A graded function as the runner sees it: its name, how to call it, and its cases."""

    name: str
    cases: list[tuple[str, tuple, dict]]
    #: The call step (:data:`autograder.call_steps.STEPS`) that calls the student's functions.
    step: str = "direct"
    also: tuple[str, ...] = ()
    case_seconds: float = 0.0
    #: Whether a case fails when the call changes its input arrays, and the arguments' names
    #: (without them, under the ``direct`` step, the student's parameter names name them).
    pure: bool = False
    arg_names: tuple[str, ...] = ()
    #: Advice for a call that overflows (the call then runs with NumPy's overflow raising).
    no_overflow: str = ""

    def call_seconds(self, limits: Limits) -> float:
        """Time limit of one call: the grader's limit, or more when the check asks for it."""
        return max(limits.call_seconds, self.case_seconds)


@dataclass
class RunReport:
    """Everything the sandbox produced for one submission."""

    results: dict[str, list[CaseResult]]
    cells: dict[int, str]
    attempts: int
    seconds: float
    log: str
    events: list[str]
    #: Writable folders the submission filled (``/job``, ``/tmp``), as the runner saw them.
    disk_full: list[str] = field(default_factory=list)
    #: Whether a fork was refused for the process cap.
    process_cap_hit: bool = False
    #: Seconds spent in each phase, over all attempts.
    timings: dict[str, float] = field(default_factory=dict)
    #: What isolated the code (:attr:`~autograder.grading.sandbox.isolation.Isolation.sandboxed`).
    sandbox: str = ""


class _Reader(threading.Thread):
    """Drains a pipe, keeping at most ``keep`` bytes (the rest is read and dropped)."""

    def __init__(self, fd: int, keep: int, on_line: Any = None) -> None:
        super().__init__(daemon=True)
        self.fd, self.keep, self.on_line = fd, keep, on_line
        self.kept = bytearray()
        self.dropped = 0

    def run(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            room = self.keep - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))
            if self.on_line is not None:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                pending = pending[-256:]
                for line in lines:
                    self.on_line(line[:256].decode("ascii", "replace"))
        os.close(self.fd)

    def text(self) -> str:
        text = self.kept.decode("utf-8", "replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output dropped]"
        return text


class _Watch:
    """The latest progress event, with the time it arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current: tuple[str, ...] = ()
        self.since = time.monotonic()
        self.events: list[str] = []
        self.cells: dict[int, str] = {}
        #: When the first and the last event of each kind (cell, case, done) arrived.
        self.stamps: dict[str, float] = {}

    def __call__(self, line: str) -> None:
        words = tuple(line.split())
        now = time.monotonic()
        with self.lock:
            if words:
                self.stamps.setdefault("first", now)
                self.stamps.setdefault(f"{words[0]}_first", now)
                self.stamps[f"{words[0]}_last"] = now
            if len(self.events) < 2000:
                self.events.append(line)
            if len(words) >= 3 and words[0] in ("cell", "case") and words[-1] == "start":
                self.current, self.since = words, time.monotonic()
            elif words and words[0] == "cell" and len(words) == 4 and words[2] == "end":
                try:
                    self.cells[int(words[1])] = words[3]
                except ValueError:
                    pass
                self.current, self.since = (), time.monotonic()
            elif words and words[0] in ("case", "done"):
                self.current, self.since = (), time.monotonic()


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def split_results(blob: bytes) -> dict[int, bytes]:
    """The per-function results the runner sent: frames ``result INDEX NBYTES\\n`` + bytes.

    Parsing stops at the first malformed frame; a frame over ``MAX_RESULT_BYTES`` is kept as
    empty bytes (unusable).
    """
    frames: dict[int, bytes] = {}
    position = 0
    while position < len(blob):
        end = blob.find(b"\n", position, position + 64)
        words = blob[position:end].split() if end >= 0 else []
        if len(words) != 3 or words[0] != b"result" or not (words[1] + words[2]).isdigit():
            break
        index, size = int(words[1]), int(words[2])
        body = blob[end + 1 : end + 1 + size]
        if len(body) < size:
            break
        frames.setdefault(index, body if size <= MAX_RESULT_BYTES else b"")
        position = end + 1 + size
    return frames


def _read_results(blob: bytes | None, count: int) -> list[CaseResult] | None:
    """Read one function's results safely: bounded, no pickles, every field checked.

    Returns None when there is no result (the function was not reached).
    """
    if blob is None:
        return None
    if not blob:
        unusable = CaseResult(Outcome.WRONG, error="the results were too large")
        return [unusable] * count
    try:
        meta, arrays = unpack_arrays(blob)
        by_case: dict[str, dict[str, np.ndarray]] = {}  # "c3_a0" is the array a0 of case c3_
        for key, array in arrays.items():
            prefix, _, own = key.partition("_")
            by_case.setdefault(prefix + "_", {})[own] = array
        results = []
        for case in list(meta.get("cases", []))[:count]:
            kind = Outcome.parse(case.get("kind"))
            if kind is Outcome.PASSED or kind is Outcome.WRONG:
                kind = Outcome.RAISED  # only the grader judges
            if kind is not Outcome.RETURNED:
                results.append(CaseResult(kind, error=str(case.get("error", ""))[:2000]))
                continue
            try:
                output = decode(case.get("output"), by_case.get(str(case.get("prefix")), {}))
            except Exception as exc:
                unreadable = CaseResult(Outcome.WRONG, error=f"unreadable result: {exc}"[:300])
                results.append(unreadable)
                continue
            seconds = float(case.get("seconds", 0))
            results.append(CaseResult(Outcome.RETURNED, output=output, seconds=seconds))
        none = CaseResult(Outcome.NOT_RUN, error="no result for this case")
        results += [none] * (count - len(results))
        return results
    except Exception as exc:  # a corrupt or forged result is the submission's loss only
        unreadable = CaseResult(Outcome.WRONG, error=f"unreadable results: {type(exc).__name__}")
        return [unreadable] * count


#: Arrays of at least this many bytes (the datasets of the classifier checks) go to ``.npy`` files
#: of their own, which the sandbox maps instead of reading: see :class:`PreparedInputs`.
LARGE_INPUT_BYTES = 2**20


@dataclass
class PreparedInputs:
    """The grader's inputs for a list of functions: encoded once per batch, shared read-only.

    The arrays are in ``path``, an ``.npz`` file, except the large ones (``large``, their keys):
    each of those is an ``.npy`` file in the folder of ``path``'s name without ``.npz``. A
    sandbox maps those copy-on-write instead of reading them, so every sandbox shares one copy
    of a dataset's pages in the page cache, and a page is copied only where a function writes.
    """

    specs: list[dict]
    path: Path
    sandbox_path: str
    large: tuple[str, ...] = ()

    def large_file(self, key: str) -> Path:
        return self.path.with_suffix("") / f"{key}.npy"

    def files(self) -> dict[str, Path]:
        """Every file of these inputs, by its path relative to the folder of ``path``."""
        files = [self.path, *(self.large_file(key) for key in self.large)]
        return {f.relative_to(self.path.parent).as_posix(): f for f in files}

    def sandbox_large(self) -> dict[str, str]:
        """Where the sandbox finds each large array's file, by key."""
        folder = self.sandbox_path.removesuffix(".npz")
        return {key: f"{folder}/{key}.npy" for key in self.large}


def write_inputs(
    specs: list[dict],
    path: Path,
    sandbox_path: str,
    large: tuple[str, ...],
    files: dict[str, Any],
) -> PreparedInputs:
    """Write the files of :meth:`PreparedInputs.files` (read elsewhere) next to ``path`` again.

    ``large`` are the keys of the large arrays (:attr:`PreparedInputs.large`) and ``files``
    holds each file's bytes (``bytes``, or any buffer such as a uint8 array) by its path
    relative to the folder of ``path``: the same paths as :meth:`PreparedInputs.files`.
    """
    inputs = PreparedInputs(specs, path, sandbox_path, tuple(large))
    expected = set(inputs.files())
    if set(files) != expected:
        raise ValueError(
            f"write_inputs: expected the files {sorted(expected)}; got {sorted(files)}"
        )
    for name, data in files.items():
        target = path.parent / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    return inputs


def prepare_inputs(
    functions: list[FunctionSpec], path: Path, sandbox_path: str, limits: Limits
) -> PreparedInputs:
    """Encode the cases of ``functions`` and write their arrays to ``path`` (an ``.npz``).

    ``sandbox_path`` is where the student's process finds that file. Arrays of
    :data:`LARGE_INPUT_BYTES` or more go to files of their own (see :class:`PreparedInputs`).
    """
    arrays: dict[str, np.ndarray] = {}
    specs = []
    for spec in functions:
        cases = [
            {"name": name, "args": encode(tuple(args), arrays), "kwargs": encode(dict(kw), arrays)}
            for name, args, kw in spec.cases
        ]
        specs.append(
            {
                "name": spec.name,
                "cases": cases,
                "step": spec.step,
                "also": list(spec.also),
                "call_timeout": spec.call_seconds(limits),
                "pure": spec.pure,
                "arg_names": list(spec.arg_names),
                "no_overflow": spec.no_overflow,
            }
        )
    large = tuple(key for key, array in arrays.items() if array.nbytes >= LARGE_INPUT_BYTES)
    prepared = PreparedInputs(specs, path, sandbox_path, large)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{key: a for key, a in arrays.items() if key not in large})
    path.chmod(0o644)
    for key in large:
        file = prepared.large_file(key)
        file.parent.mkdir(exist_ok=True)
        np.save(file, arrays[key], allow_pickle=False)
        file.chmod(0o644)
    return prepared


def _write_job(
    job_dir: Path,
    cells: list[tuple[int, str]],
    inputs: PreparedInputs,
    limits: Limits,
    skip_cells: set[int],
    skip_functions: set[int],
    course_cells: set[int] | frozenset[int] = frozenset(),
) -> None:
    job = {
        "cells": cells,
        "functions": inputs.specs,
        "inputs": inputs.sandbox_path,
        "large_inputs": inputs.sandbox_large(),
        "cell_timeout": limits.cell_seconds,
        "skip_cells": sorted(skip_cells),
        "skip_functions": sorted(skip_functions),
        "course_cells": sorted(course_cells),
        "foreign": list(FOREIGN),
    }
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")


def _fresh_job_dir(job_dir: Path, isolation: Isolation) -> None:
    if job_dir.exists():
        shutil.rmtree(job_dir)
    job_dir.mkdir(parents=True)
    if isolation.drop_to_nobody:
        os.chown(job_dir, NOBODY, NOBODY)


class NotGraded(RuntimeError):
    """A submission could not be graded for a reason that is not its own: the batch records it
    as an error with this message, stores no result, and the next run grades it again."""


class SandboxFailed(NotGraded):
    """The sandbox ended before the runner reported anything, so before any of the student's
    code ran: a fault of the machine's sandbox (bubblewrap, the resource limits, the Python
    installation)."""


@dataclass
class _Attempt:
    """What one process of a submission left: its events, output, results and how it ended."""

    watch: _Watch
    log: str
    frames: dict[int, bytes]
    killed_for: str
    returncode: int | None
    capped: bool
    started: float = 0.0
    ended: float = 0.0

    @property
    def finished(self) -> bool:
        return "done" in self.watch.events


@dataclass
class _State:
    """What the attempts at one submission have gathered so far, and what to skip next time."""

    results: dict[str, list[CaseResult | None]]
    skip_cells: set[int] = field(default_factory=set)
    skip_functions: set[int] = field(default_factory=set)
    cell_status: dict[int, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    capped: bool = False
    attempts: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def _time(self, attempt: _Attempt) -> None:
        """Add the attempt's phases: its start (sandbox, interpreter, imports), cells, calls."""
        stamps = attempt.watch.stamps
        first = stamps.get("first", attempt.ended)
        phases = {
            "sandbox, interpreter and imports": first - attempt.started,
            "student's cells": stamps.get("cell_last", first) - stamps.get("cell_first", first),
            "calls of the graded functions": stamps.get("done_last", stamps.get("case_last", 0))
            - stamps.get("case_first", stamps.get("done_last", 0)),
        }
        for name, seconds in phases.items():
            self.timings[name] = self.timings.get(name, 0.0) + max(0.0, seconds)

    def collect(self, attempt: _Attempt, functions: list[FunctionSpec]) -> None:
        """Keep an attempt's output, events, cell statuses and the results it sent."""
        self._time(attempt)
        self.logs.append(attempt.log)
        self.events.extend(attempt.watch.events)
        self.cell_status.update(attempt.watch.cells)
        self.capped = self.capped or attempt.capped
        # a cell that ran out of time would do so again: later attempts skip it
        self.skip_cells.update(i for i, s in attempt.watch.cells.items() if s == "timeout")
        for f_index, spec in enumerate(functions):
            if f_index not in self.skip_functions and self.results[spec.name][0:1] == [None]:
                got = _read_results(attempt.frames.get(f_index), len(spec.cases))
                if got is not None:
                    self.results[spec.name] = list(got)

    def complete(self) -> bool:
        return all(r is not None for rs in self.results.values() for r in rs)

    def blame(self, attempt: _Attempt, functions: list[FunctionSpec]) -> bool:
        """Skip the cell or the function that brought the process down; False: nobody to blame.

        A function that brings its process down loses its cases.
        """
        reason = attempt.killed_for or f"the process ended (exit status {attempt.returncode})"
        timed_out = attempt.killed_for == "timeout"
        culprit = attempt.watch.current
        if culprit[:1] == ("cell",) and len(culprit) >= 2 and culprit[1].isdigit():
            cell = int(culprit[1])
            self.skip_cells.add(cell)
            self.cell_status[cell] = "timeout" if timed_out else "crash"
            return True
        if culprit[:1] == ("case",) and len(culprit) >= 3:
            try:
                f_index = int(culprit[1])
                name = functions[f_index].name
            except (ValueError, IndexError):
                return False
            kind = Outcome.TIMED_OUT if timed_out else Outcome.PROCESS_DIED
            self.results[name] = [CaseResult(kind, error=reason)] * len(self.results[name])
            self.skip_functions.add(f_index)
            return True
        return False

    def final(self) -> dict[str, list[CaseResult]]:
        """Every case's result, NOT_RUN where no attempt reached it."""
        never = CaseResult(
            Outcome.NOT_RUN,
            error="not run: the submission's process kept failing or ran out of time",
        )
        return {
            name: [r if r is not None else never for r in rs] for name, rs in self.results.items()
        }


#: Seconds between two looks at the running cell's or call's time.
SUPERVISE_SECONDS = 0.05


class _ExitWaiter:
    """Waits for a process to end, woken the moment it does: a pidfd on Linux (5.3 on), so
    that a finished sandbox is not left waiting for the next look at its time; elsewhere it
    sleeps 20 ms at a time."""

    def __init__(self, proc: subprocess.Popen) -> None:
        try:
            self.fd: int | None = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            self.fd = None

    def wait(self, seconds: float) -> None:
        if self.fd is None:
            time.sleep(min(seconds, 0.02))
        else:
            select.select([self.fd], [], [], seconds)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _supervise(
    proc: subprocess.Popen,
    watch: _Watch,
    functions: list[FunctionSpec],
    limits: Limits,
    deadline: float,
) -> str:
    """Wait for the process, killing it when a cell or a call overruns; return why it was killed."""
    waiter = _ExitWaiter(proc)
    try:
        while proc.poll() is None:
            waiter.wait(SUPERVISE_SECONDS)
            with watch.lock:
                current, since = watch.current, watch.since
            now = time.monotonic()
            limit = None
            if current[:1] == ("cell",):
                limit = limits.cell_seconds
            elif current[:1] == ("case",):
                try:
                    limit = functions[int(current[1])].call_seconds(limits)
                except (ValueError, IndexError):
                    limit = limits.call_seconds
            if limit is not None and now - since > limit + GRACE_SECONDS:
                _kill(proc)
                return "timeout"
            if now > deadline:
                _kill(proc)
                return "notebook time limit"
        return ""
    finally:
        waiter.close()


def _run_attempt(
    job_dir: Path,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    functions: list[FunctionSpec],
    deadline: float,
    state: _State,
) -> _Attempt:
    """Start the runner on ``job_dir`` in a fresh sandboxed process, watch it, clean up after it."""
    read_end, write_end = os.pipe()
    out_read, out_write = os.pipe()
    results_read, results_write = os.pipe()
    cmd, env = runner_command(isolation, job_dir, lib_dir, write_end, results_write, limits)
    watch = _Watch()
    cgroup = None
    if isolation.cgroup:
        name = f"{job_dir.parent.name}-{job_dir.name}-{state.attempts}"
        cgroup = cgroups.make_job(isolation.cgroup, name, limits.processes)
    nproc = isolation.process_cap == "rlimit"
    prefix = limits_command(limits, cgroup, nproc)
    if prefix is not None:
        cmd, preexec = prefix + cmd, None
    else:
        preexec = functools.partial(limit_resources, limits, cgroup, nproc=nproc)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out_write,
            stderr=out_write,
            pass_fds=(write_end, results_write),
            env=env,
            cwd=job_dir,
            start_new_session=True,
            preexec_fn=preexec,
        )
    finally:
        os.close(write_end)
        os.close(out_write)
        os.close(results_write)
    readers = (
        _Reader(out_read, limits.output_kb * 1024),
        _Reader(read_end, 0, on_line=watch),
        _Reader(results_read, MAX_RESULTS_BYTES),
    )
    for reader in readers:
        reader.start()
    killed_for = _supervise(proc, watch, functions, limits, deadline)
    proc.wait()
    _kill(proc)  # whatever it left behind in its process group
    capped = False
    if cgroup is not None:  # and whatever escaped it: everything in its cgroup
        capped = cgroups.hit_cap(cgroup)
        cgroups.remove(cgroup)
    for reader in readers:
        reader.join(timeout=5)
    output, _, sent = readers
    frames = split_results(bytes(sent.kept))
    attempt = _Attempt(watch, output.text(), frames, killed_for, proc.returncode, capped)
    attempt.started, attempt.ended = started, time.monotonic()
    return attempt


def run_submission(
    cells: list[tuple[int, str]],
    functions: list[FunctionSpec],
    inputs: PreparedInputs,
    job_dir: Path,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    course_cells: set[int] | frozenset[int] = frozenset(),
) -> RunReport:
    """Run ``cells`` then call ``functions`` in the sandbox, restarting around faults.

    Parameters
    ----------
    cells : list of (int, str)
        Index in the notebook and source of each code cell to run, in order.
    functions : list of FunctionSpec
        The graded functions.
    inputs : PreparedInputs
        The grader's inputs for them, from :func:`prepare_inputs`.
    job_dir : Path
        An empty folder for this submission; removed and recreated on every attempt.
    lib_dir : Path
        Folder holding ``runner.py`` and the course modules a student may import.
    isolation, limits
        What to enforce.
    course_cells : set of int
        Indices of the cells that are the course's own (handed in as released): when one of
        them fails, the log says so in one line instead of a traceback.
    """
    started = time.monotonic()
    long_calls = sum(
        len(spec.cases) * spec.call_seconds(limits)
        for spec in functions
        if spec.call_seconds(limits) > limits.call_seconds
    )
    deadline = started + limits.notebook_seconds + long_calls
    state = _State({spec.name: [None] * len(spec.cases) for spec in functions})
    try:
        while state.attempts < MAX_ATTEMPTS and time.monotonic() < deadline:
            state.attempts += 1
            _fresh_job_dir(job_dir, isolation)
            _write_job(
                job_dir, cells, inputs, limits, state.skip_cells, state.skip_functions, course_cells
            )
            attempt = _run_attempt(job_dir, lib_dir, isolation, limits, functions, deadline, state)
            if not attempt.watch.events and not attempt.killed_for:
                output = " ".join(attempt.log.split())[-300:]
                raise SandboxFailed(
                    f"the sandbox ended (exit status {attempt.returncode}) before running any of"
                    f" the notebook: not graded; the next run grades it again. Its output: {output}"
                )
            state.collect(attempt, functions)
            if attempt.finished or state.complete():
                break
            if not state.blame(attempt, functions):
                break  # died before running anything attributable: nothing a restart would fix
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    return RunReport(
        results=state.final(),
        cells=state.cell_status,
        attempts=state.attempts,
        seconds=time.monotonic() - started,
        log="\n".join(state.logs)[-limits.output_kb * 1024 :],
        events=state.events[-200:],
        disk_full=sorted({e.split()[2] for e in state.events if e.startswith("disk full ")}),
        process_cap_hit=state.capped,
        timings=state.timings,
        sandbox=isolation.sandboxed,
    )
