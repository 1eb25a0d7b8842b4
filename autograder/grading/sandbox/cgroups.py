"""A cgroup per submission: caps on its processes and on its memory, and a way to kill it all.

The grader makes one folder for the batch (:func:`make_root`) under its own cgroup, and one
cgroup per submission run below it (:func:`make_job`); the submission's first process moves
itself in before it starts the sandbox (see
:func:`autograder.grading.sandbox.isolation.limits_command`), so that everything it forks and
everything it holds in memory counts. Two controllers are used, each where the machine offers
it:

* ``pids``: ``pids.max``, the most processes and threads at once;
* ``memory``: ``memory.max`` (cgroup v2) or ``memory.limit_in_bytes`` (v1), which counts every
  page the submission's processes charge: their own memory, anonymous memory files
  (``memfd_create``) and the pages of the sandbox's memory file systems (``/tmp``, the job
  folder, ``/dev/shm``), none of which an address-space limit (``RLIMIT_AS``) sees. Swap is
  capped at nothing (``memory.swap.max`` 0, or ``memory.memsw.limit_in_bytes`` at the same
  limit), and where the kernel can (v2), an out-of-memory kill takes the whole sandbox.

Two layouts are understood, for each controller:

* **cgroup v2** (``/sys/fs/cgroup``, or the hybrid ``/sys/fs/cgroup/unified``): the grader's own
  cgroup must offer the controller to its children, which a delegated cgroup (a systemd user
  service with ``Delegate=yes``, a container run with ``--cgroupns``) does;
* **cgroup v1**, a hierarchy of that controller (``/sys/fs/cgroup/pids``,
  ``/sys/fs/cgroup/memory``), writable by root.

Where a controller can be used in neither, :func:`make_root` leaves it out and :data:`WHY` says
why. The batch's folders are named after the process (``autograder-<pid>``) and removed when it
exits; the folders of processes that were killed are removed by the next grader or worker to
start (:func:`remove_stale`).
"""

from __future__ import annotations

import atexit
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

#: The controllers used, and the file that caps each in cgroup v2 and in v1.
CONTROLLERS = ("pids", "memory")
_LIMIT_FILES = {"pids": ("pids.max", "pids.max"), "memory": ("memory.max", "memory.limit_in_bytes")}
#: Why a controller could not be used, by controller, for the isolation report.
WHY: dict[str, str] = {}

_ROOTS: list[Path] = []


@dataclass(frozen=True)
class Roots:
    """The batch's cgroup folders: where each controller is used (None: it is not)."""

    pids: Path | None = None
    memory: Path | None = None

    def folders(self) -> tuple[Path, ...]:
        """Each folder once (cgroup v2 holds both controllers in one)."""
        return tuple(dict.fromkeys(p for p in (self.pids, self.memory) if p is not None))


@dataclass(frozen=True)
class Job:
    """One submission run's cgroups: a folder per hierarchy, and which caps which."""

    folders: tuple[Path, ...]
    pids: Path | None = None
    memory: Path | None = None

    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` file of each folder: a process joins by writing its pid there."""
        return [folder / "cgroup.procs" for folder in self.folders]


def _own_cgroup(controller: str | None) -> str | None:
    """The grader's cgroup path in the v2 hierarchy (None) or in a v1 controller's hierarchy."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controller is None and number == "0" and controllers == "":
            return path
        if controller is not None and controller in controllers.split(","):
            return path
    return None


def _candidates(controller: str) -> list[tuple[Path, int]]:
    """Folders under which a batch folder may get ``controller``, with their cgroup version."""
    found = []
    v2 = _own_cgroup(None)
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        if v2 is not None and (mount / "cgroup.controllers").is_file():
            found.append((mount / v2.lstrip("/"), 2))
    v1 = _own_cgroup(controller)
    mount = Path("/sys/fs/cgroup") / controller
    if v1 is not None and (mount / "cgroup.procs").is_file():
        found.append((mount / v1.lstrip("/"), 1))
    return found


def _limit_file(folder: Path, controller: str) -> Path:
    """The file that caps ``controller`` in ``folder``, v2's name where it exists."""
    v2, v1 = _LIMIT_FILES[controller]
    return folder / v2 if (folder / v2).exists() or not (folder / v1).exists() else folder / v1


def _try_root(parent: Path, version: int, controller: str) -> Path | None:
    root = parent / f"autograder-{os.getpid()}"
    try:
        root.mkdir(exist_ok=True)
    except OSError:
        return None
    if version == 2:
        # children of root get a controller only when root offers it to them
        try:
            (root / "cgroup.subtree_control").write_text(f"+{controller}")
        except OSError:
            pass
    probe = root / f"probe-{controller}"
    try:
        probe.mkdir(exist_ok=True)
        _limit_file(probe, controller).write_text("8" if controller == "pids" else str(2**26))
        probe.rmdir()
    except OSError:
        _remove(probe)
        if not any(p.is_dir() for p in root.iterdir()):
            _remove(root)
        return None
    return root


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as existing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale() -> list[Path]:
    """Remove the batch folders (and the cgroups in them) of processes that no longer exist,
    killing whatever is still in them; returns the folders removed."""
    removed = []
    parents = {parent for c in CONTROLLERS for parent, _ in _candidates(c)}
    for parent in sorted(parents):
        for root in sorted(parent.glob("autograder-*")) if parent.is_dir() else []:
            pid = root.name.removeprefix("autograder-")
            if not pid.isdigit() or alive(int(pid)) or not root.is_dir():
                continue
            for child in sorted(root.iterdir()):
                if child.is_dir():
                    remove(Job((child,)))
            _remove(root)
            if not root.exists():
                removed.append(root)
    return removed


def make_root() -> Roots:
    """Create the batch's cgroup folders, for each controller the machine lets the grader use
    (see :data:`WHY` for the others)."""
    remove_stale()
    found: dict[str, Path] = {}
    WHY.clear()
    for controller in CONTROLLERS:
        candidates = _candidates(controller)
        for parent, version in candidates:
            root = _try_root(parent, version, controller)
            if root is not None:
                found[controller] = root
                if root not in _ROOTS:
                    _ROOTS.append(root)
                break
        else:
            WHY[controller] = (
                "no writable cgroup offers it: run the grader as root, or in a delegated"
                f" cgroup v2 with the {controller} controller"
                if candidates
                else f"this machine has no cgroup file system with a {controller} controller"
            )
    return Roots(found.get("pids"), found.get("memory"))


def _write_memory_cap(folder: Path, memory_bytes: int) -> None:
    """``memory_bytes`` as the folder's memory cap, swap included, in v2 or v1 terms."""
    if (folder / "memory.max").exists():
        (folder / "memory.max").write_text(str(memory_bytes))
        optional = {"memory.swap.max": "0", "memory.oom.group": "1"}
    else:
        (folder / "memory.limit_in_bytes").write_text(str(memory_bytes))
        optional = {"memory.memsw.limit_in_bytes": str(memory_bytes)}
    for name, value in optional.items():  # not every kernel has them (no swap accounting)
        try:
            (folder / name).write_text(value)
        except OSError:
            pass


def make_job(roots: Roots, name: str, processes: int, memory_bytes: int) -> Job | None:
    """Fresh cgroups ``name`` under each of ``roots``, capped at ``processes`` tasks and
    ``memory_bytes`` of memory (where each controller is used); None when they cannot be made."""
    folders = tuple(root / name for root in roots.folders())
    job = Job(
        folders,
        roots.pids / name if roots.pids else None,
        roots.memory / name if roots.memory else None,
    )
    try:
        for folder in folders:
            if folder.exists():
                remove(Job((folder,)))
            folder.mkdir()
        if job.pids is not None:
            (job.pids / "pids.max").write_text(str(processes))
        if job.memory is not None:
            _write_memory_cap(job.memory, memory_bytes)
    except OSError:
        for folder in folders:
            _remove(folder)
        return None
    return job


def members(job: Job) -> list[int]:
    """The processes in the job's cgroups."""
    found: set[int] = set()
    for folder in job.folders:
        try:
            found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        except (OSError, ValueError):
            pass
    return sorted(found)


def _counter(path: Path, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file (``max 3``), 0 where there is none."""
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def peak(job: Job) -> int | None:
    """The most tasks the cgroup has held at once, where the kernel says (``pids.peak``)."""
    try:
        return int((job.pids / "pids.peak").read_text()) if job.pids else None
    except (OSError, ValueError):
        return None


def hit_cap(job: Job) -> bool:
    """Whether a fork in the job was refused for its process cap (``pids.events``)."""
    return job.pids is not None and _counter(job.pids / "pids.events", "max") > 0


def out_of_memory(job: Job) -> bool:
    """Whether the kernel killed a process of the job for its memory cap."""
    if job.memory is None:
        return False
    events = job.memory / "memory.events"  # v2; v1 counts in memory.oom_control
    path = events if events.exists() else job.memory / "memory.oom_control"
    return _counter(path, "oom_kill") > 0


def kill(job: Job, seconds: float = 5.0) -> None:
    """Kill every process in the job's cgroups and wait until they are empty."""
    for folder in job.folders:
        try:
            (folder / "cgroup.kill").write_text("1")  # cgroup v2, Linux 5.14 and later
        except OSError:
            pass
    deadline = time.monotonic() + seconds
    while (pids := members(job)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def _remove(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def remove(job: Job) -> None:
    """Kill what is left in the job's cgroups and delete them."""
    kill(job)
    for folder in job.folders:
        _remove(folder)


@atexit.register
def _remove_roots() -> None:
    for root in _ROOTS:
        for child in root.iterdir() if root.is_dir() else []:
            if child.is_dir():
                remove(Job((child,)))
        _remove(root)
