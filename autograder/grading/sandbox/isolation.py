"""Run a submission in a separate, limited process: what this machine can enforce, and how.

Layers, each used when the machine allows it (:func:`detect_isolation` finds out once and
:meth:`Isolation.describe` says what it found):

* **bubblewrap** (``bwrap``): new user, PID, network, IPC and mount namespaces. The process sees
  only the operating system's ``/usr``, the Python installation (read-only) with no installed
  package but NumPy and IPython (:mod:`~autograder.grading.sandbox.libraries`), a read-only folder
  of allowed course modules and its own job folder; the job folder, ``/tmp`` and ``/dev/shm``,
  the only writable places, are memory file systems of a fixed size, so nothing it writes
  reaches the grader's disk; there is no ``/proc``; the network has no interface but loopback;
  every process it starts dies with it, and none can make a user namespace of its own.
* **cgroups** per submission (:mod:`~autograder.grading.sandbox.cgroups`): ``pids.max`` caps its
  processes, and ``memory.max`` its memory, counting what an address-space limit does not see
  (memory files, the memory file systems); they also let the grader kill every process the
  submission started. Without a ``pids`` cgroup, ``RLIMIT_NPROC`` where the sandbox runs as an
  unprivileged user (that limit counts all of the user's processes, so it is shared by the
  submissions running at once, and the kernel ignores it for root). Without a ``memory`` cgroup,
  ``RLIMIT_AS`` caps each process's address space instead.
* **unshare** (util-linux), when bubblewrap is missing but the grader runs as root: a new network
  namespace, and the process runs as the unprivileged user ``nobody``. The grader uses this only
  when told to grade without a sandbox (``--no-sandbox``), and never runs student code as root:
  where ``nobody`` cannot run the Python installation, it refuses (:meth:`Isolation.refusal`).
* **resource limits**, always: file size, no core dumps, the address space where no memory
  cgroup counts, and a new session so that the grader can kill the process group. ``prlimit``
  (util-linux) sets them, and ``sh`` joins the cgroups, before the sandbox starts
  (:func:`limits_command`); where ``prlimit`` is missing, :func:`limit_resources` sets them in
  the child before ``exec``.

Time limits are enforced by the grader, which kills the process when a cell, a call or all the
calls of a function run too long (see :mod:`autograder.grading.sandbox.supervisor`).
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.sandbox import cgroups
from autograder.grading.sandbox.libraries import library_view
from autograder.reference_use import FORBIDDEN

#: uid and gid of ``nobody``, used for student code when the grader runs as root.
NOBODY = 65534
#: How to get a sandbox, for every refusal to grade without one.
HOW_TO_SANDBOX = (
    "install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap; Fedora: dnf install"
    ' bubblewrap) or grade in the container of autograder/grading/README.md ("Container'
    ' recipe"); --no-sandbox grades without one, as an unprivileged user, and grades.csv and'
    " every feedback page say so"
)


class SandboxRefused(RuntimeError):
    """Student code would run without the isolation the grader requires."""


#: Size of the sandbox's ``/dev/shm``, in MiB: POSIX shared memory and semaphores need a little.
SHM_MB = 16


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.

    Attributes
    ----------
    cell_seconds : float
        Longest a notebook cell may run.
    call_seconds : float
        Longest one call of a graded function may run.
    notebook_seconds : float
        Longest all of one submission may take, restarts included.
    memory_mb : int
        Memory of the whole submission, in MiB: its processes, its memory files and its memory
        file systems (cgroup ``memory.max``); where no memory cgroup can be made, the address
        space of each of its processes (``RLIMIT_AS``).
    file_mb : int
        Largest file the student's process may write, in MiB.
    output_kb : int
        How much of the printed output is kept for the log; the rest is read and dropped.
    processes : int
        Most processes and threads the submission may have at once (cgroup ``pids.max``).
    disk_mb : int
        Size of each of the sandbox's writable folders, the job folder and ``/tmp``, in MiB
        (bubblewrap only).
    """

    cell_seconds: float = 30.0
    call_seconds: float = 10.0
    notebook_seconds: float = 120.0
    memory_mb: int = 2048
    file_mb: int = 64
    output_kb: int = 64
    processes: int = 64
    disk_mb: int = 256


@dataclass(frozen=True)
class Isolation:
    """What this machine lets the grader enforce on a student's process."""

    bwrap: str | None = None
    unshare: str | None = None
    drop_to_nobody: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Folder under which each submission gets a cgroup with ``pids.max``; None: no cgroup.
    cgroup: str | None = None
    #: Folder under which each submission gets a cgroup with its memory cap; None: no memory
    #: cgroup (``RLIMIT_AS`` caps each process instead). The same folder as ``cgroup`` in v2.
    memory_cgroup: str | None = None
    #: Whether the grader runs as root (so that, without bubblewrap, student code would too
    #: unless it drops to ``nobody``).
    root: bool = False

    @property
    def sandboxed(self) -> str:
        """What isolates student code here: ``"bubblewrap"``, or ``"none"``."""
        return "bubblewrap" if self.bwrap else "none"

    def refusal(self, no_sandbox: bool = False) -> str:
        """Why student code may not run here ("" when it may).

        Without bubblewrap it runs only with ``no_sandbox``, and never as root.
        """
        if self.bwrap:
            return ""
        why = next((n for n in self.notes if "bubblewrap" in n), "bubblewrap does not work")
        if not no_sandbox:
            return f"student code runs only in a sandbox, and {why}: {HOW_TO_SANDBOX}"
        if self.root and not self.drop_to_nobody:
            return (
                "--no-sandbox was given, but student code would run as root: the grader runs as"
                " root and the user 'nobody' cannot run this Python installation (a folder on"
                f" its path is private to root, {sys.executable}); install the course in a"
                " folder every user may read, or run the grader as an unprivileged user, or "
                + HOW_TO_SANDBOX.split("; --no-sandbox")[0]
            )
        return ""

    @property
    def process_cap(self) -> str:
        """How the process cap is enforced here: ``cgroup``, ``rlimit`` or ``""`` (not)."""
        if self.cgroup:
            return "cgroup"
        return "rlimit" if self.drop_to_nobody else ""

    @property
    def memory_cap(self) -> str:
        """How memory is capped here: ``cgroup`` (everything counts) or ``rlimit``."""
        return "cgroup" if self.memory_cgroup else "rlimit"

    def cgroup_roots(self) -> cgroups.Roots:
        """The batch's cgroup folders, by controller."""
        return cgroups.Roots(
            Path(self.cgroup) if self.cgroup else None,
            Path(self.memory_cgroup) if self.memory_cgroup else None,
        )

    @property
    def network_cut(self) -> bool:
        return self.bwrap is not None or self.unshare is not None

    @property
    def filesystem_hidden(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> list[str]:
        """One line per guarantee, saying whether it holds here."""

        def mark(ok: bool) -> str:
            return "yes" if ok else "NO "

        memory = (
            f"[{mark(True)}] memory cap per submission (cgroup, under {self.memory_cgroup}):"
            " its processes, memory files, /tmp, the job folder and /dev/shm all count"
            if self.memory_cgroup
            else f"[{mark(False)}] memory cap counting everything (no memory cgroup here): each"
            " process's address space is capped instead (RLIMIT_AS), which does not count"
            " memory files nor the sandbox's memory file systems"
        )
        lines = [
            f"[{mark(True)}] own process per submission, new session, killed on time limits (a"
            " cell, a call, all the calls of a function, the whole submission)",
            memory,
            f"[{mark(True)}] file-size limit, no core dumps",
            f"[{mark(self.network_cut)}] no network (new network namespace"
            + (", bubblewrap)" if self.bwrap else ", unshare)" if self.unshare else ")"),
            f"[{mark(self.filesystem_hidden)}] filesystem: sees only its folder, the standard"
            " library, NumPy and IPython (no other installed package, no ctypes, no /proc) and"
            " the runner's modules; writes only to its folder, /tmp and /dev/shm (bubblewrap)",
            f"[{mark(self.bwrap is not None)}] PID namespace: cannot signal the grader or other"
            " processes; its children die with it (bubblewrap)",
            f"[{mark(self.bwrap is not None or self.drop_to_nobody or not self.root)}] runs as an"
            " unprivileged user",
            f"[{mark(bool(self.process_cap))}] process cap per submission"
            + (
                f" (cgroup pids.max under {self.cgroup})"
                if self.cgroup
                else " (RLIMIT_NPROC, shared by the submissions running at once)"
                if self.process_cap
                else ": no cgroup can be created here and the sandbox runs as root"
            ),
            f"[{mark(self.bwrap is not None)}] disk cap: the job folder, /tmp and /dev/shm are"
            " memory file systems of a fixed size; nothing reaches this machine's disk"
            " (bubblewrap)",
        ]
        return lines + [f"      note: {note}" for note in self.notes]


@functools.cache
def _python_roots() -> tuple[Path, ...]:
    """Folders the sandboxed Python needs: the installation and the virtual environment.

    Worked out once per process: they do not change while it runs, and every sandbox's command
    line would otherwise ask ``sysconfig`` and resolve the same paths again.
    """
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(Path(path).resolve())
    # keep only outermost folders
    ordered = sorted(roots, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in ordered:
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return tuple(kept)


@functools.cache
def _disables_userns(bwrap: str) -> bool:
    """Whether this bubblewrap can forbid new user namespaces inside the sandbox (0.8 on)."""
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--disable-userns" in done.stdout


def _library_mounts(roots: tuple[Path, ...]) -> list[str]:
    """Bubblewrap arguments that show only the allowed installed packages under ``roots``:
    each folder of packages an empty read-only memory file system, with the allowed files
    bound back (see :mod:`~autograder.grading.sandbox.libraries`)."""
    hidden, shown, blanked = library_view(roots)
    cmd: list[str] = []
    for folder in hidden:
        cmd += ["--size", str(2**20), "--tmpfs", str(folder)]
    for path in shown:
        cmd += ["--ro-bind", str(path), str(path)]
    for folder in hidden:
        cmd += ["--remount-ro", str(folder)]
    for file in blanked:
        cmd += ["--ro-bind", "/dev/null", str(file)]
    return cmd


def bwrap_command(
    bwrap: str, job_dir: Path, lib_dir: Path, env: dict[str, str], disk_mb: int = 256
) -> list[str]:
    """The bubblewrap command line that runs ``runner.py`` on ``job_dir``.

    ``/job`` is a memory file system of ``disk_mb`` MiB holding a read-only copy of the job
    description (``job_dir/job.json``); ``lib_dir`` (the runner and allowed course modules) is
    ``/grader`` (read-only); ``/tmp`` is another memory file system of ``disk_mb`` MiB, and
    ``/dev/shm`` one of :data:`SHM_MB` in a read-only ``/dev``. Nothing else of the grader's
    machine is visible except the operating system's programs and libraries and the Python
    installation, read-only, with no installed package but the allowed ones; there is no
    ``/proc``, where a process could rewrite its own memory.
    """
    size = str(disk_mb * 2**20)
    cmd = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    if _disables_userns(bwrap):
        cmd.append("--disable-userns")
    for top in ("usr", "lib", "lib64", "lib32", "bin", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf"):
        if Path(etc).exists():
            cmd += ["--ro-bind", etc, etc]
    # /tmp first: the Python installation may itself live under /tmp (a checkout there with its
    # virtual environment), and a later tmpfs would hide it.
    cmd += ["--dev", "/dev", "--size", str(SHM_MB * 2**20), "--tmpfs", "/dev/shm"]
    cmd += ["--remount-ro", "/dev", "--size", size, "--tmpfs", "/tmp"]
    roots = _python_roots()
    for root in roots:
        if not root.is_relative_to("/usr"):
            cmd += ["--ro-bind", str(root), str(root)]
    cmd += _library_mounts((*roots, Path("/usr").resolve()))
    cmd += ["--ro-bind", str(lib_dir), "/grader", "--size", size, "--tmpfs", "/job"]
    if (job_dir / "job.json").exists():
        cmd += ["--ro-bind", str(job_dir / "job.json"), "/job/job.json"]
    cmd += ["--chdir", "/job", "--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--", sys.executable, "-B", "/grader/runner.py", "/job"]
    return cmd


def sandbox_env(
    lib_dir: str, progress_fd: int, results_fd: int, hidden_fd: int = -1
) -> dict[str, str]:
    """Environment of the student's process: single-threaded maths, no GUI, caches in /tmp."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "PYTHONPATH": lib_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "GRADER_PROGRESS_FD": str(progress_fd),
        "GRADER_RESULTS_FD": str(results_fd),
        "GRADER_HIDDEN_FD": str(hidden_fd),
        "LANG": "C.UTF-8",
    }


def _probe(cmd: list[str]) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _works(cmd: list[str]) -> bool:
    done = _probe(cmd)
    return done is not None and done.returncode == 0


#: Exit status of the probe when the sandbox's Python can import a banned package.
_BANNED_SEEN = 3
#: What the probe runs in the sandbox: NumPy must import, and no banned package may be found.
_PROBE = (
    "import importlib.util, sys, numpy\n"
    "seen = [n for n in {names!r} if importlib.util.find_spec(n) is not None]\n"
    "print(*seen)\n"
    "sys.exit({status} if seen else 0)\n"
)


def _probe_bubblewrap(bwrap: str) -> str:
    """Why bubblewrap cannot isolate student code here, or "" when it can: it must start a
    sandbox whose Python imports NumPy and finds none of the banned packages."""
    probe = Path(__file__).parent  # any readable folder will do as the lib folder
    cmd = bwrap_command(bwrap, Path("/nonexistent"), probe, {"PATH": "/usr/bin"}, 16)
    code = _PROBE.format(names=FORBIDDEN, status=_BANNED_SEEN)
    done = _probe(cmd[: cmd.index("--")] + ["--", sys.executable, "-c", code])
    if done is not None and done.returncode == _BANNED_SEEN:
        seen = done.stdout.decode(errors="replace").split()
        return (
            "bubblewrap runs, but student code would still find banned packages in it"
            f" ({', '.join(seen)}): they are installed outside the folders of packages the"
            " sandbox covers (see autograder/grading/sandbox/libraries.py)"
        )
    if done is None or done.returncode != 0:
        return (
            "bubblewrap is installed but cannot create namespaces here (a container without"
            " user namespaces, or seccomp): see the container recipe in the README"
        )
    return ""


@functools.cache
def detect_isolation(allow_bwrap: bool = True) -> Isolation:
    """Find out which isolation layers work on this machine (tried once, then remembered)."""
    notes: list[str] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    bwrap = shutil.which("bwrap") if allow_bwrap else None
    if bwrap:
        why = _probe_bubblewrap(bwrap)
        if why:
            notes.append(why)
            bwrap = None
    elif allow_bwrap:
        notes.append("bubblewrap (bwrap) is not installed (no bwrap on PATH)")
    unshare = None
    drop = False
    if bwrap is None:
        candidate = shutil.which("unshare")
        python = [sys.executable, "-c", "import numpy, IPython"]
        nobody = ["--setuid", str(NOBODY), "--setgid", str(NOBODY)]
        if candidate and is_root and _works([candidate, "--net", *nobody, *python]):
            unshare, drop = candidate, True
        elif candidate and is_root and _works([candidate, "--net", *python]):
            unshare = candidate
            notes.append(
                "user 'nobody' cannot run this Python (its folder is private): student code"
                " is not run here without bubblewrap"
            )
        elif is_root:
            notes.append("student code would run as root: it is not run here without bubblewrap")
        notes.append("without bubblewrap, student code can read every file its user may read")
    roots = cgroups.make_root()
    for controller, why in cgroups.WHY.items():
        notes.append(f"no cgroup with a {controller} controller can be created here: {why}")
    return Isolation(
        bwrap=bwrap,
        unshare=unshare,
        drop_to_nobody=drop,
        notes=tuple(notes),
        cgroup=str(roots.pids) if roots.pids else None,
        memory_cgroup=str(roots.memory) if roots.memory else None,
        root=is_root,
    )


def limit_resources(
    limits: Limits,
    cgroup_files: list[Path] | tuple[Path, ...] | None = (),
    nproc: bool = False,
    address_space: bool = True,
) -> None:
    """Set the resource limits of the current process (called in the child before exec, where
    :func:`limits_command` has no ``prlimit``).

    With ``cgroup_files`` (the ``cgroup.procs`` of the submission's cgroups) the process first
    moves into those cgroups, which cap it and everything it starts; with ``nproc`` (where no
    cgroup caps its processes), ``RLIMIT_NPROC``; with ``address_space`` (where no cgroup caps
    its memory), ``RLIMIT_AS``.
    """
    for procs in cgroup_files or ():
        Path(procs).write_text(str(os.getpid()))
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    if address_space:
        memory = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = limits.file_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@functools.cache
def _prlimit() -> str | None:
    return shutil.which("prlimit")


#: Exit status of the sandbox's first step when it cannot join its cgroups.
CGROUP_JOIN_FAILED = 125
#: The shell's part of :func:`limits_command`: join each cgroup named before ``--``, then run
#: the rest.
_JOIN = f'while [ "$1" != -- ]; do echo $$ > "$1" || exit {CGROUP_JOIN_FAILED}; shift; done;'
_JOIN += ' shift; exec "$@"'


def limits_command(
    limits: Limits,
    cgroup_files: list[Path] | tuple[Path, ...] = (),
    nproc: bool = False,
    address_space: bool = True,
) -> list[str] | None:
    """The command-line prefix that does what :func:`limit_resources` does, or None.

    ``sh`` moves itself into the cgroups whose ``cgroup.procs`` files are ``cgroup_files``
    (exit status :data:`CGROUP_JOIN_FAILED` if it cannot), then ``prlimit`` (util-linux) sets
    the limits and runs the sandbox. Started this way, the sandbox needs no Python between
    ``fork`` and ``exec``, so ``subprocess`` can use ``vfork``: a few ms less per submission in
    the grader, and nothing that another thread of the grader could deadlock. None where
    ``prlimit`` is not installed; :func:`limit_resources` then runs in the child instead.
    """
    prlimit = _prlimit()
    if prlimit is None:
        return None
    size = limits.file_mb * 2**20
    command = [prlimit, f"--fsize={size}", "--core=0"]
    if address_space:
        command.append(f"--as={limits.memory_mb * 2**20}")
    if nproc:
        command.append(f"--nproc={limits.processes}")
    command.append("--")
    if cgroup_files:
        files = [str(f) for f in cgroup_files]
        command = ["/bin/sh", "-c", _JOIN, "sh", *files, "--", *command]
    return command


def runner_command(
    isolation: Isolation,
    job_dir: Path,
    lib_dir: Path,
    progress_fd: int,
    results_fd: int,
    hidden_fd: int = -1,
    limits: Limits | None = None,
) -> tuple[list[str], dict[str, str] | None]:
    """Command line and environment that run ``runner.py`` on ``job_dir`` under ``isolation``,
    with the grader's pipes: its progress and results (written) and its hidden cases (read).

    Raises
    ------
    SandboxRefused
        Without bubblewrap, where the process would run as root.
    """
    limits = limits or Limits()
    if isolation.bwrap:
        env = sandbox_env("/grader", progress_fd, results_fd, hidden_fd)
        return bwrap_command(isolation.bwrap, job_dir, lib_dir, env, limits.disk_mb), None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not isolation.drop_to_nobody:
        raise SandboxRefused("student code is never run as root without bubblewrap")
    env = sandbox_env(str(lib_dir), progress_fd, results_fd, hidden_fd)
    env["HOME"] = str(job_dir)
    env["MPLCONFIGDIR"] = str(job_dir / ".matplotlib")
    env["IPYTHONDIR"] = str(job_dir / ".ipython")
    cmd = [sys.executable, "-B", str(lib_dir / "runner.py"), str(job_dir)]
    if isolation.unshare:
        nobody = (
            ["--setuid", str(NOBODY), "--setgid", str(NOBODY)] if isolation.drop_to_nobody else []
        )
        cmd = [isolation.unshare, "--net", *nobody, *cmd]
    return cmd, env
