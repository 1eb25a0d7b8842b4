"""A cgroup per submission, to cap its processes and to kill every one of them afterwards.

The grader makes one folder for the batch (:func:`make_root`) under its own cgroup, and one
cgroup per submission run below it (:func:`make_job`), with ``pids.max`` set; the submission's
first process moves itself in before it starts the sandbox (see
:func:`autograder.grading.sandbox.isolation.limit_resources`), so that everything it forks counts. Two
layouts are understood:

* **cgroup v2** (``/sys/fs/cgroup`` or the hybrid ``/sys/fs/cgroup/unified``): the grader's own
  cgroup must offer the ``pids`` controller to its children, which a delegated cgroup (a
  systemd user service with ``Delegate=yes``, a container run with ``--cgroupns``) does;
* **cgroup v1** with a ``pids`` hierarchy (``/sys/fs/cgroup/pids``), writable by root.

Where neither can be written, :func:`make_root` returns None and :data:`WHY` says why. The
batch's folder is named after the process (``autograder-<pid>``) and removed when it exits; the
folders of processes that were killed are removed by the next grader or worker to start
(:func:`remove_stale`).
"""

from __future__ import annotations

import atexit
import os
import signal
import time
from pathlib import Path

#: Why no cgroup could be made, for the isolation report.
WHY = ""

_ROOTS: list[Path] = []


def _own_cgroup(version: int) -> str | None:
    """The grader's cgroup path in the v2 hierarchy (0) or the v1 ``pids`` hierarchy (1)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if version == 2 and number == "0" and controllers == "":
            return path
        if version == 1 and "pids" in controllers.split(","):
            return path
    return None


def _candidates() -> list[Path]:
    found = []
    v2 = _own_cgroup(2)
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        if v2 is not None and (mount / "cgroup.controllers").is_file():
            found.append(mount / v2.lstrip("/"))
    v1 = _own_cgroup(1)
    if v1 is not None and Path("/sys/fs/cgroup/pids/cgroup.procs").is_file():
        found.append(Path("/sys/fs/cgroup/pids") / v1.lstrip("/"))
    return found


def _try_root(parent: Path) -> Path | None:
    root = parent / f"autograder-{os.getpid()}"
    try:
        root.mkdir(exist_ok=True)
    except OSError:
        return None
    if not (root / "pids.max").exists():
        # cgroup v2: children of root get pids only when root offers it to them
        try:
            (root / "cgroup.subtree_control").write_text("+pids")
        except OSError:
            pass
    probe = root / "probe"
    try:
        probe.mkdir(exist_ok=True)
        (probe / "pids.max").write_text("8")
        probe.rmdir()
    except OSError:
        _remove(probe)
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
    for parent in _candidates():
        for root in sorted(parent.glob("autograder-*")) if parent.is_dir() else []:
            pid = root.name.removeprefix("autograder-")
            if not pid.isdigit() or alive(int(pid)) or not root.is_dir():
                continue
            for child in sorted(root.iterdir()):
                if child.is_dir():
                    remove(child)
            _remove(root)
            if not root.exists():
                removed.append(root)
    return removed


def make_root() -> Path | None:
    """Create the batch's cgroup folder, or return None (see :data:`WHY`)."""
    global WHY
    candidates = _candidates()
    remove_stale()
    for parent in candidates:
        root = _try_root(parent)
        if root is not None:
            _ROOTS.append(root)
            return root
    WHY = (
        "no writable cgroup: run the grader as root, or in a delegated cgroup v2"
        if candidates
        else "this machine has no cgroup file system with a pids controller"
    )
    return None


def make_job(root: str | Path, name: str, processes: int) -> Path | None:
    """A fresh cgroup ``root/name`` capped at ``processes`` tasks; None when it cannot be made."""
    job = Path(root) / name
    try:
        if job.exists():
            kill(job)
            _remove(job)
        job.mkdir()
        (job / "pids.max").write_text(str(processes))
    except OSError:
        _remove(job)
        return None
    return job


def members(job: Path) -> list[int]:
    """The processes in cgroup ``job``."""
    try:
        return [int(p) for p in (job / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def peak(job: Path) -> int | None:
    """The most tasks the cgroup has held at once, where the kernel says (``pids.peak``)."""
    try:
        return int((job / "pids.peak").read_text())
    except (OSError, ValueError):
        return None


def hit_cap(job: Path) -> bool:
    """Whether a fork in the cgroup was refused for its cap (``pids.events``)."""
    try:
        for line in (job / "pids.events").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "max" and int(value) > 0:
                return True
    except (OSError, ValueError):
        pass
    return False


def kill(job: Path, seconds: float = 5.0) -> None:
    """Kill every process in cgroup ``job`` and wait until it is empty."""
    try:
        (job / "cgroup.kill").write_text("1")  # cgroup v2, Linux 5.14 and later
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


def remove(job: Path) -> None:
    """Kill what is left in cgroup ``job`` and delete it."""
    kill(job)
    _remove(job)


@atexit.register
def _remove_roots() -> None:
    for root in _ROOTS:
        for child in root.iterdir() if root.is_dir() else []:
            if child.is_dir():
                remove(child)
        _remove(root)
