"""Run one submission's code in the sandbox and bring back what its functions returned.

The student's process may hang, exit, be killed, flood its output or write whatever it likes to
the grader's pipes. The grader watches it through the progress lines the runner writes
(``cell 4 start`` ...), kills it when a cell, a call or all the calls of a function overrun
their limits, and then starts a fresh process that skips the cell or the function responsible,
so that a fault costs only the work it affects. Those lines come from a process the notebook
controls, so they can only shorten a limit: a clock restarts only when the run moves on to a
later cell or case, and a function's calls share one budget from its first. Results come back
through a pipe, one frame per function (:func:`~autograder.boundary.unpack_arrays`: JSON and
numeric arrays, never a pickle, never a file the submission could replace, nothing on disk),
each bounded before a byte of it is kept; what is malformed or too large is that submission's
loss. The hidden cases go in through a pipe of their own, when the runner asks for them; from
then on the output is not kept. The sandbox ends when its results are in.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import termios
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from autograder.boundary import decode, unpack_arrays
from autograder.grading.results import CaseResult
from autograder.grading.sandbox import cgroups
from autograder.grading.sandbox.inputs import FunctionSpec, Hidden, PreparedInputs
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

#: Largest result of one function kept, and of all of one run's results, in bytes: a frame
#: past either is read and dropped, never held.
MAX_RESULT_BYTES = 32 * 2**20
MAX_RESULTS_BYTES = 64 * 2**20
#: Longest header line of a result frame (``result 3 1048576``).
MAX_HEADER_BYTES = 64
#: Extra seconds the runner's own timer gets before the grader kills the process.
GRACE_SECONDS = 2.0
#: Seconds a sandbox may take to end once it said it is done (its results are in).
DONE_SECONDS = 1.0
#: Most fresh processes started for one submission.
MAX_ATTEMPTS = 6


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
    #: Whether the kernel killed a process of the submission for its memory cap.
    memory_cap_hit: bool = False
    #: Source the notebook tried to run at run time and the sandbox refused (``exec`` of a
    #: string...), for the similarity report.
    refused: list[str] = field(default_factory=list)
    #: Seconds spent in each phase, over all attempts.
    timings: dict[str, float] = field(default_factory=dict)
    #: What isolated the code (:attr:`~autograder.grading.sandbox.isolation.Isolation.sandboxed`).
    sandbox: str = ""


def _pending_bytes(fd: int) -> int:
    """How many bytes the pipe ``fd`` holds, unread (-1 where that cannot be told)."""
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return -1


class _Reader(threading.Thread):
    """Drains a pipe, keeping at most ``keep`` bytes (the rest is read and dropped); after
    :meth:`withhold`, nothing more is kept."""

    def __init__(self, fd: int, keep: int, on_line: Any = None) -> None:
        super().__init__(daemon=True)
        self.fd, self.keep, self.on_line = fd, keep, on_line
        self.kept = bytearray()
        self.dropped = 0
        self.withheld = threading.Event()
        #: Set from before a read until what it read is kept or dropped.
        self.busy = False

    def withhold(self, settle: float = 1.0) -> None:
        """Keep nothing read from now on (the hidden cases are about to be sent): first, for
        at most ``settle`` seconds, keep what the pipe holds already (the runner flushed its
        output before it asked for them)."""
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            if _pending_bytes(self.fd) == 0 and not self.busy:
                break
            time.sleep(0.005)
        self.withheld.set()

    def run(self) -> None:
        pending = b""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            poller.poll()
            self.busy = True
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            room = 0 if self.withheld.is_set() else self.keep - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))
            if self.on_line is not None:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                pending = pending[-256:]
                for line in lines:
                    self.on_line(line[:256].decode("ascii", "replace"))
            self.busy = False
        self.busy = False
        os.close(self.fd)

    def text(self) -> str:
        text = self.kept.decode("utf-8", "replace")
        if self.withheld.is_set():
            text += "\n[what was printed once the hidden cases began is not shown]"
        elif self.dropped:
            text += f"\n[... {self.dropped} more bytes of output dropped]"
        return text


class _Frames(threading.Thread):
    """Reads the runner's result frames as they arrive, ``result INDEX NBYTES\\n`` then the
    bytes, keeping a frame only within bounds: at most :data:`MAX_RESULT_BYTES`, for an index
    not seen before, while the run's total stays within :data:`MAX_RESULTS_BYTES`. A frame past
    a bound is read and dropped (its index then has no usable result); a malformed header ends
    the reading of frames, and the rest of the pipe is drained and dropped. Nothing is parsed
    here: :func:`_read_results` does, on what was kept."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.frames: dict[int, bytes | bytearray] = {}
        self.total = 0
        self.broken = False

    def _header(self, line: bytes) -> tuple[int, int] | None:
        words = line.split()
        if len(words) != 3 or words[0] != b"result" or not (words[1] + words[2]).isdigit():
            return None
        return int(words[1]), int(words[2])

    def run(self) -> None:
        header = bytearray()
        body: bytearray | None = None
        index, remaining = -1, 0
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            view = memoryview(chunk)
            while view and not self.broken:
                if remaining:
                    part = view[:remaining]
                    view, remaining = view[len(part) :], remaining - len(part)
                    if body is not None:
                        body += part
                    if not remaining:
                        self._finish(index, body)
                    continue
                part = bytes(view[: MAX_HEADER_BYTES - len(header)])
                end = part.find(b"\n")
                if end < 0:
                    header += part
                    view = view[len(part) :]
                    self.broken = len(header) >= MAX_HEADER_BYTES
                    continue
                parsed = self._header(bytes(header) + part[:end])
                header.clear()
                view = view[end + 1 :]
                if parsed is None:
                    self.broken = True
                    break
                index, remaining = parsed
                within = remaining <= MAX_RESULT_BYTES
                if within and self.total + remaining <= MAX_RESULTS_BYTES:
                    body = None if index in self.frames else bytearray()
                    self.total += remaining if body is not None else 0
                else:
                    body = None
                    self.frames.setdefault(index, b"")  # unusable: too large
                if not remaining:
                    self._finish(index, body)
        os.close(self.fd)

    def _finish(self, index: int, body: bytearray | None) -> None:
        if body is not None:
            self.frames.setdefault(index, body)


class _Watch:
    """Follows the runner's progress lines: where the run is, and since when.

    The lines come from the student's process, so a line can move the run on but never back:
    a ``start`` of a cell or case at or before the furthest one started is ignored, and a
    function's first case starts the budget all its cases share. The notebook can thus only
    shorten the limits it runs under, never extend them.
    """

    def __init__(self, cells: list[int], on_hidden: Any = None, cases: list[int] = ()) -> None:
        self.lock = threading.Lock()
        self.rank = {index: rank for rank, index in enumerate(cells)}
        #: How many cases each function has: a line naming another case names nothing.
        self.cases = list(cases)
        #: The furthest cell or case started, as a sortable key, and when it started.
        self.position: tuple = ()
        self.since = time.monotonic()
        #: What is running now (the last started, until it ends), for blame.
        self.current: tuple[str, ...] = ()
        #: When each function's first case started.
        self.function_started: dict[int, float] = {}
        self.done_at: float | None = None
        self.on_hidden = on_hidden
        self.events: list[str] = []
        self.cells: dict[int, str] = {}
        #: When the first and the last event of each kind (cell, case, done) arrived.
        self.stamps: dict[str, float] = {}

    def _key(self, words: tuple[str, ...]) -> tuple | None:
        """The order of a ``start`` line's cell or case in the run, or None if it names none."""
        try:
            if words[0] == "cell" and len(words) == 3 and int(words[1]) in self.rank:
                return (0, self.rank[int(words[1])])
            if words[0] == "case" and len(words) == 4:
                f_index, c_index = int(words[1]), int(words[2])
                if 0 <= f_index < len(self.cases) and 0 <= c_index < self.cases[f_index]:
                    return (1, f_index, c_index)
        except ValueError:
            pass
        return None

    def __call__(self, line: str) -> None:
        words = tuple(line.split())
        now = time.monotonic()
        hidden = None
        with self.lock:
            if words:
                self.stamps.setdefault("first", now)
                self.stamps.setdefault(f"{words[0]}_first", now)
                self.stamps[f"{words[0]}_last"] = now
            if len(self.events) < 2000:
                self.events.append(line)
            if words and words[-1] == "start" and (key := self._key(words)) is not None:
                if key > self.position:
                    self.position, self.since, self.current = key, now, words
                    if key[0] == 1:
                        self.function_started.setdefault(key[1], now)
            elif words and words[0] in ("cell", "case") and len(words) >= 3 and words[-2] == "end":
                if words[:-1] == (*self.current[:-1], "end"):
                    self.current = ()
                if words[0] == "cell" and len(words) == 4 and words[1].isdigit():
                    if int(words[1]) in self.rank:
                        self.cells[int(words[1])] = words[3]
            elif words == ("hidden",) and self.on_hidden is not None:
                hidden, self.on_hidden = self.on_hidden, None
            elif words == ("done",) and self.done_at is None:
                self.done_at, self.current = now, ()
        if hidden is not None:
            hidden()

    def overrun(self, functions: list[FunctionSpec], limits: Limits, now: float) -> bool:
        """Whether the running cell, call or function has gone past its limit."""
        with self.lock:
            position, since = self.position, self.since
            started = dict(self.function_started)
        if not position:
            return False
        if position[0] == 0:
            return now - since > limits.cell_seconds + GRACE_SECONDS
        f_index = position[1]
        spec = functions[f_index] if 0 <= f_index < len(functions) else None
        call = spec.call_seconds(limits) if spec else limits.call_seconds
        if now - since > call + GRACE_SECONDS:
            return True
        cases = len(spec.cases) + spec.n_hidden if spec else 1
        return now - started.get(f_index, since) > cases * call + GRACE_SECONDS


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def _read_results(blob: bytes | bytearray | None, count: int) -> list[CaseResult] | None:
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


def _read_refused(blob: bytes | bytearray | None) -> list[str]:
    """The source the guard refused, as the runner sent it after the functions' frames."""
    try:
        meta, _ = unpack_arrays(blob or b"")
        return [str(text)[:64_000] for text in list(meta.get("refused", []))[:100]]
    except Exception:
        return []


def _write_job(
    job_dir: Path,
    cells: list[tuple[int, str]],
    inputs: PreparedInputs,
    functions: list[FunctionSpec],
    limits: Limits,
    isolation: Isolation,
    state: _State,
    course_cells: set[int] | frozenset[int] = frozenset(),
) -> None:
    specs = [
        {**spec, "n_hidden": function.n_hidden}
        for spec, function in zip(inputs.specs, functions, strict=True)
    ]
    job = {
        "cells": cells,
        "functions": specs,
        "inputs": inputs.sandbox_path,
        "large_inputs": inputs.sandbox_large(),
        "cell_timeout": limits.cell_seconds,
        "skip_cells": sorted(state.skip_cells),
        "skip_functions": sorted(state.skip_functions),
        "course_cells": sorted(course_cells),
        "foreign": list(FOREIGN),
        "sandboxed": isolation.bwrap is not None,
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
    frames: dict[int, bytes | bytearray]
    killed_for: str
    returncode: int | None
    capped: bool
    out_of_memory: bool = False
    started: float = 0.0
    ended: float = 0.0

    @property
    def finished(self) -> bool:
        return self.watch.done_at is not None


@dataclass
class _State:
    """What the attempts at one submission have gathered so far, and what to skip next time."""

    results: dict[str, list[CaseResult | None]]
    skip_cells: set[int] = field(default_factory=set)
    skip_functions: set[int] = field(default_factory=set)
    cell_status: dict[int, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    capped: bool = False
    out_of_memory: bool = False
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
        self.out_of_memory = self.out_of_memory or attempt.out_of_memory
        for text in _read_refused(attempt.frames.get(len(functions))):
            if text not in self.refused:
                self.refused.append(text)
        # a cell that ran out of time would do so again: later attempts skip it
        self.skip_cells.update(i for i, s in attempt.watch.cells.items() if s == "timeout")
        for f_index, spec in enumerate(functions):
            if f_index not in self.skip_functions and self.results[spec.name][0:1] == [None]:
                count = len(self.results[spec.name])
                got = _read_results(attempt.frames.get(f_index), count)
                if got is not None:
                    self.results[spec.name] = list(got)

    def complete(self) -> bool:
        return all(r is not None for rs in self.results.values() for r in rs)

    def blame(self, attempt: _Attempt, functions: list[FunctionSpec]) -> bool:
        """Skip the cell or the function that brought the process down; False: nobody to blame.

        A function that brings its process down loses its cases.
        """
        reason = attempt.killed_for or f"the process ended (exit status {attempt.returncode})"
        if attempt.out_of_memory:
            reason = "the process went past its memory cap and was killed"
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
    """Wait for the process, killing it when a cell, a call or a function overruns, or once its
    results are in and it lingers; return why it was killed ("" for an end in its own time)."""
    waiter = _ExitWaiter(proc)
    try:
        while proc.poll() is None:
            waiter.wait(SUPERVISE_SECONDS)
            now = time.monotonic()
            done_at = watch.done_at
            if done_at is not None:
                if now - done_at > DONE_SECONDS:
                    _kill(proc)  # its results are in: a thread left running keeps nothing
                    return ""
                continue
            if watch.overrun(functions, limits, now):
                _kill(proc)
                return "timeout"
            if now > deadline:
                _kill(proc)
                return "notebook time limit"
        return ""
    finally:
        waiter.close()


def _send_hidden(fd: int, frame: Any) -> None:
    """Write the hidden cases' frame into the sandbox's pipe, then close it (in a thread of its
    own: the pipe holds 64 KiB, and the runner reads as the grader writes)."""
    try:
        view = memoryview(frame).cast("B")
        while view:
            view = view[os.write(fd, view) :]
    except OSError:  # the sandbox ended, or the notebook closed the pipe
        pass
    finally:
        os.close(fd)


def _run_attempt(
    job_dir: Path,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    functions: list[FunctionSpec],
    deadline: float,
    state: _State,
    hidden: Hidden | None,
    cell_order: list[int],
) -> _Attempt:
    """Start the runner on ``job_dir`` in a fresh sandboxed process, watch it, clean up after it."""
    read_end, write_end = os.pipe()
    out_read, out_write = os.pipe()
    results_read, results_write = os.pipe()
    hidden_read, hidden_write = os.pipe()
    fds = (write_end, results_write, hidden_read)
    cmd, env = runner_command(isolation, job_dir, lib_dir, *fds, limits)
    job = None
    if isolation.cgroup or isolation.memory_cgroup:
        name = f"{job_dir.parent.name}-{job_dir.name}-{state.attempts}"
        memory = limits.memory_mb * 2**20
        job = cgroups.make_job(isolation.cgroup_roots(), name, limits.processes, memory)
    nproc = isolation.process_cap == "rlimit"
    address_space = job is None or job.memory is None
    files = job.procs_files() if job is not None else []
    prefix = limits_command(limits, files, nproc, address_space)
    if prefix is not None:
        cmd, preexec = prefix + cmd, None
    else:
        preexec = functools.partial(limit_resources, limits, files, nproc, address_space)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out_write,
            stderr=out_write,
            pass_fds=fds,
            env=env,
            cwd=job_dir,
            start_new_session=True,
            preexec_fn=preexec,
        )
    finally:
        for fd in (write_end, out_write, results_write, hidden_read):
            os.close(fd)
    output = _Reader(out_read, limits.output_kb * 1024)
    sent: list[threading.Thread] = []

    def send_hidden() -> None:
        """The runner asked for the hidden cases: keep no more output, then send them."""
        output.withhold()
        sender = threading.Thread(
            target=_send_hidden, args=(hidden_write, hidden.frame if hidden else b""), daemon=True
        )
        sent.append(sender)
        sender.start()

    # a function skipped in this attempt has no case the runner could start
    cases = [
        0 if i in state.skip_functions else len(spec.cases) + spec.n_hidden
        for i, spec in enumerate(functions)
    ]
    watch = _Watch(cell_order, send_hidden, cases)
    readers = (output, _Reader(read_end, 0, on_line=watch))
    frames = _Frames(results_read)
    for reader in (*readers, frames):
        reader.start()
    killed_for = _supervise(proc, watch, functions, limits, deadline)
    proc.wait()
    _kill(proc)  # whatever it left behind in its process group
    capped = out_of_memory = False
    if job is not None:  # and whatever escaped it: everything in its cgroups
        capped, out_of_memory = cgroups.hit_cap(job), cgroups.out_of_memory(job)
        cgroups.remove(job)
    if not sent:
        os.close(hidden_write)
    for thread in (*readers, frames, *sent):
        thread.join(timeout=5)
    attempt = _Attempt(
        watch, output.text(), frames.frames, killed_for, proc.returncode, capped, out_of_memory
    )
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
    hidden: Hidden | None = None,
) -> RunReport:
    """Run ``cells`` then call ``functions`` in the sandbox, restarting around faults.

    Parameters
    ----------
    cells : list of (int, str)
        Index in the notebook and source of each code cell to run, in order.
    functions : list of FunctionSpec
        The graded functions.
    inputs : PreparedInputs
        The grader's inputs for them, from :func:`~autograder.grading.sandbox.inputs.prepare_inputs`.
    job_dir : Path
        An empty folder for this submission; removed and recreated on every attempt.
    lib_dir : Path
        Folder holding ``runner.py`` and the course modules a student may import.
    isolation, limits
        What to enforce.
    course_cells : set of int
        Indices of the cells that are the course's own (handed in as released): when one of
        them fails, the log says so in one line instead of a traceback.
    hidden : Hidden, optional
        This submission's hidden cases (:func:`~autograder.grading.sandbox.inputs.encode_hidden`),
        sent when the runner asks; their number for each function must be its ``n_hidden``.
    """
    started = time.monotonic()
    counts = hidden.counts if hidden is not None else {}
    functions = [
        spec if spec.n_hidden == counts.get(spec.name, 0) else _with_hidden(spec, counts)
        for spec in functions
    ]
    long_calls = sum(
        (len(spec.cases) + spec.n_hidden) * spec.call_seconds(limits)
        for spec in functions
        if spec.call_seconds(limits) > limits.call_seconds
    )
    deadline = started + limits.notebook_seconds + long_calls
    state = _State({spec.name: [None] * (len(spec.cases) + spec.n_hidden) for spec in functions})
    try:
        while state.attempts < MAX_ATTEMPTS and time.monotonic() < deadline:
            state.attempts += 1
            _fresh_job_dir(job_dir, isolation)
            _write_job(job_dir, cells, inputs, functions, limits, isolation, state, course_cells)
            order = [index for index, _ in cells if index not in state.skip_cells]
            attempt = _run_attempt(
                job_dir, lib_dir, isolation, limits, functions, deadline, state, hidden, order
            )
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
        memory_cap_hit=state.out_of_memory,
        refused=state.refused,
        timings=state.timings,
        sandbox=isolation.sandboxed,
    )


def _with_hidden(spec: FunctionSpec, counts: dict[str, int]) -> FunctionSpec:
    """``spec`` with the number of hidden cases this submission has."""
    return replace(spec, n_hidden=counts.get(spec.name, 0))
