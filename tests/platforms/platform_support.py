"""Submissions of 05-activations and the simulated platform containers, for the platform tests.

A platform runs its grader as root in a container of its own: Gradescope mounts everything at
``/autograder``, PrairieLearn at ``/grade``. :func:`container` builds that with bubblewrap from
this machine's ``/usr`` and ``/etc`` and this Python (its virtual environment and the
installation it comes from), read-only, with the platform's folder bound where the platform
puts it. Two kinds of container:

* ``docker``: root with Docker's default capabilities, a ``/proc`` of its own and a seccomp
  filter that refuses new user namespaces as Docker's default profile does, where bubblewrap
  cannot make namespaces (as in Gradescope's and PrairieLearn's containers): the grader falls
  back to the user ``nobody``;
* ``privileged``: root with every capability and the machine's ``/proc``, where bubblewrap
  works (a container started with the privileges it needs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from classroom import make_submission

from autograder.grading.sandbox.isolation import detect_isolation

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "05-activations"
RELEASED = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOURCE = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
#: Docker's default capabilities (``docker run`` without ``--privileged``).
DOCKER_CAPABILITIES = (
    "CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT"
    " MKNOD AUDIT_WRITE SETFCAP"
).split()

#: The ReLU cell's backward function, right.
RELU_BACKWARD = "\n\ndef relu_backward(da, cache):\n    return da * (cache > 0)\n"
#: relu_forward as |z|: wrong on the visible and the hidden cases alike.
ABS_RELU = "def relu_forward(z):\n    return np.abs(z), z\n" + RELU_BACKWARD
#: relu_forward right on every batch the visible cases use (1, 3, 4 and 16 rows) and 0.5 too
#: large on the hidden cases' batch of 32 rows: a failure only the hidden cases find, whose
#: message shows the values.
HIDDEN_ONLY_RELU = (
    "def relu_forward(z):\n"
    "    if z.shape[0] > 16:\n"
    "        return np.maximum(z, 0) + 0.5, z\n"
    "    return np.maximum(z, 0), z\n" + RELU_BACKWARD
)
#: A softmax without the max-subtraction: it overflows on the large logits.
NAIVE_SOFTMAX = "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n"

HOSTILE_CELL = """import glob, os, pathlib
found = []
for pattern in ("/autograder/source/**/*", "/autograder/course/**/*", "/grade/tests/**/*",
                "/grade/course/**/*", "/proc/1/environ", "/root/**/*"):
    for path in glob.glob(pattern, recursive=True):
        try:
            found.append(path + " " + pathlib.Path(path).read_text(errors="replace")[:300])
        except Exception as exc:
            found.append(path + " " + type(exc).__name__)
print("\\n".join(found))
print(dict(os.environ))
for target in ("/autograder/results/results.json", "/grade/results/results.json"):
    try:
        pathlib.Path(target).write_text('{"score": 100, "gradable": true, "tests": []}')
        print("wrote", target)
    except Exception as exc:
        print("cannot write", target, type(exc).__name__)
"""
#: A graded function whose failure message carries whatever secret it could read: the
#: grader shows the first line of an exception's message to the student.
SNOOPING_SIGMOID = """def sigmoid_forward(z):
    import glob, os, pathlib
    seen = []
    for pattern in ("/autograder/source/course/secret", "/grade/tests/course/secret",
                    "/autograder/source/course/*", "/grade/tests/course/*",
                    "/autograder/course/autograder/checks/*.py", "/grade/course/autograder/checks/*.py"):
        for path in glob.glob(pattern):
            try:
                seen.append(path + "=" + pathlib.Path(path).read_text(errors="replace")[:80].strip())
            except Exception as exc:
                seen.append(path + "=" + type(exc).__name__)
    raise ValueError(f"uid {os.getuid()} read: " + (" | ".join(seen) or "nothing"))
"""
HOSTILE_FUNCTIONS = (
    SNOOPING_SIGMOID
    + "\n\n"
    + (
        "\n\n".join(
            f"def {name}(*args, **kwargs):\n"
            f"    from nnlib.activations import {name} as reference\n"
            "    return reference(*args, **kwargs)\n"
            for name in (
                "sigmoid_backward",
                "tanh_forward",
                "tanh_backward",
                "relu_forward",
                "relu_backward",
                "leaky_relu_forward",
                "leaky_relu_backward",
                "softmax",
            )
        )
    )
)


def written(nb: dict, text: str) -> dict:
    """``nb`` with ``text`` as its written answer."""
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("written-"):
            cell["source"] = text
    return nb


def notebook(kind: str) -> dict:
    """A submission of 05-activations: ``honest`` (the solutions), ``buggy`` (ReLU as |z| and a
    softmax that overflows), ``hidden_only`` (a ReLU that fails the hidden cases alone) or
    ``hostile`` (it calls nnlib, looks for the secret and the checks, and tries to write the
    results)."""
    if kind == "honest":
        nb = make_submission(RELEASED, SOURCE)
        return written(nb, "Each sigmoid layer multiplies the gradient by at most 1/4.")
    if kind == "buggy":
        return make_submission(RELEASED, SOURCE, {"relu": ABS_RELU, "softmax": NAIVE_SOFTMAX})
    if kind == "hidden_only":
        return make_submission(RELEASED, SOURCE, {"relu": HIDDEN_ONLY_RELU})
    if kind == "hostile":
        nb = make_submission(RELEASED, SOURCE)
        solution_cells = [
            c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
        ]
        for cell in solution_cells:
            if cell["cell_type"] == "code":
                cell["source"] = "pass"
        solution_cells[0]["source"] = HOSTILE_FUNCTIONS + "\n\n" + HOSTILE_CELL
        return nb
    raise ValueError(kind)


def write_notebook(path: Path, nb: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def require_container() -> None:
    """Skip without what the simulated containers need (root and a working bubblewrap), except
    in CI, which has both: there, fail."""
    problem = ""
    if os.geteuid() != 0:
        problem = "the simulated platform containers need root (bubblewrap's --cap-add)"
    elif detect_isolation().bwrap is None:
        problem = "bubblewrap cannot create namespaces on this machine"
    if problem and os.environ.get("CI"):
        pytest.fail(problem)
    if problem:
        pytest.skip(problem)


def _folders_above(paths: list[Path]) -> list[str]:
    """``--dir`` for every folder above ``paths``, enterable by every user as on a real system
    (bubblewrap would make them private to root)."""
    above: list[Path] = []
    for path in paths:
        for parent in reversed(path.parents):
            if parent != Path("/") and parent not in above:
                above.append(parent)
    args: list[str] = []
    for folder in above:
        args += ["--perms", "0755", "--dir", str(folder)]
    return args


#: Syscall numbers of unshare, clone and clone3, and the audit architecture, by machine.
_SYSCALLS = {"x86_64": (272, 56, 435, 0xC000003E), "aarch64": (97, 220, 435, 0xC00000B7)}
CLONE_NEWUSER = 0x10000000


def _docker_seccomp() -> Path:
    """A seccomp filter (classic BPF, as ``bwrap --seccomp`` reads it) that refuses, as Docker's
    default profile does in a container without CAP_SYS_ADMIN, the new user namespaces an
    unprivileged bubblewrap needs (``unshare`` or ``clone`` with ``CLONE_NEWUSER``; ``clone3``
    answers ENOSYS, so that the C library falls back to ``clone``)."""
    import platform
    import struct
    import tempfile

    machine = platform.machine()
    if machine not in _SYSCALLS:
        pytest.skip(f"no seccomp filter written for {machine}")
    unshare, clone, clone3, arch = _SYSCALLS[machine]
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    load, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    program = [  # (code, jump if true, jump if false, k); jumps count from the next one
        (load, 0, 0, 4),  # 0: the architecture
        (jeq, 0, 6, arch),  # 1: another one: allow (8)
        (load, 0, 0, 0),  # 2: the syscall's number
        (jeq, 6, 0, clone3),  # 3: ENOSYS (10)
        (jeq, 1, 0, unshare),  # 4: look at its flags (6)
        (jeq, 0, 2, clone),  # 5: neither: allow (8)
        (load, 0, 0, 16),  # 6: the flags, the low half of the first argument
        (jset, 1, 0, CLONE_NEWUSER),  # 7: a new user namespace: refuse (9)
        (ret, 0, 0, allow),  # 8
        (ret, 0, 0, eperm),  # 9
        (ret, 0, 0, enosys),  # 10
    ]
    path = Path(tempfile.gettempdir()) / f"docker-seccomp-{machine}.bpf"
    path.write_bytes(b"".join(struct.pack("<HBBI", *op) for op in program))
    return path


def container(
    mount: Path, at: str, kind: str, *, env: dict[str, str] | None = None, path: str = ""
) -> list[str]:
    """The bubblewrap command line of a platform's container: ``mount`` at ``at``, this Python
    read-only, root inside (see the module for ``kind``)."""
    environment = Path(sys.prefix)
    installation = Path(sys.base_prefix)
    python_roots = [
        p for p in dict.fromkeys([installation, environment]) if not p.is_relative_to("/usr")
    ]
    cmd = ["bwrap", "--ro-bind", "/usr", "/usr"]
    if kind == "docker":  # bwrap reads the filter from descriptor 9, which sh opens first
        cmd = ["/bin/sh", "-c", 'exec "$@" 9<"$0"', str(_docker_seccomp()), *cmd]
        cmd += ["--seccomp", "9"]
    for top in ("bin", "lib", "lib64", "sbin"):
        if Path("/", top).is_symlink():
            cmd += ["--symlink", os.readlink(Path("/", top)), f"/{top}"]
        elif Path("/", top).is_dir():
            cmd += ["--ro-bind", f"/{top}", f"/{top}"]
    cmd += ["--ro-bind", "/etc", "/etc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if kind == "privileged":
        cmd += ["--bind", "/proc", "/proc", "--cap-add", "ALL"]
    elif kind == "docker":
        cmd += ["--proc", "/proc", "--unshare-pid"]
        for capability in DOCKER_CAPABILITIES:
            cmd += ["--cap-add", f"CAP_{capability}"]
    else:
        raise ValueError(kind)
    cmd += _folders_above(python_roots)
    for root in python_roots:
        cmd += ["--ro-bind", str(root), str(root)]
    cmd += ["--bind", str(mount), at, "--chdir", at, "--unshare-net", "--unshare-ipc"]
    cmd += ["--die-with-parent", "--clearenv"]
    variables = {"PATH": path or "/usr/bin:/bin:/usr/sbin", "HOME": "/root", "LANG": "C.UTF-8"}
    for key, value in {**variables, **(env or {})}.items():
        cmd += ["--setenv", key, value]
    return cmd


def run_in(command: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a container's command, its output as text."""
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def unzip(archive: Path, into: Path) -> None:
    """Unpack a zip as ``unzip`` does, with the members' Unix permissions."""
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = into / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)


def fresh_copy(source: Path, target: Path) -> Path:
    """A copy of ``source`` at ``target`` (replacing what is there), keeping permissions."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    return public(target)


def public(folder: Path) -> Path:
    """``folder`` (and the folders above it) enterable by every user, as a platform's
    ``/autograder`` or ``/grade`` is: what is private in it must be made so by the grader."""
    folder.chmod(0o755)
    for parent in folder.parents:
        if parent.is_relative_to(Path("/tmp")) and parent != Path("/tmp"):
            parent.chmod(parent.stat().st_mode | 0o005)
    return folder
