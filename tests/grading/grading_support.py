"""Constants and helpers shared by the grading tests (fixtures are in ``conftest.py``).

The toy assignment (``fixtures/source/toy``, checks in ``fixtures/toy_checks.py``) has three
graded functions: ``relu_forward`` (2 points), ``relu_backward`` (2) and ``softmax`` (3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.grading.sandbox.isolation import Limits, detect_isolation

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "source" / "toy"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

#: Short limits, so that the faults of the corpus cost seconds, not minutes.
TEST_LIMITS = Limits(
    cell_seconds=5.0, call_seconds=4.0, notebook_seconds=60.0, memory_mb=1536, output_kb=32
)


def write_submission(root: Path, student: str, notebook: dict | str | bytes) -> Path:
    """Put a notebook at ``root/<student>/toy/toy.ipynb`` (nbgrader's submitted layout)."""
    path = root / student / "toy" / "toy.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, dict):
        path.write_text(json.dumps(notebook), encoding="utf-8")
    elif isinstance(notebook, str):
        path.write_text(notebook, encoding="utf-8")
    else:
        path.write_bytes(notebook)
    return path


def require_bubblewrap() -> None:
    """Skip without a working bubblewrap, except in CI, which installs it: there, fail."""
    if detect_isolation().bwrap:
        return
    message = "bubblewrap (bwrap) cannot create namespaces on this machine"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it (apt-get install bubblewrap)")
    pytest.skip(message)


def grade_toy(submissions: Path, out: Path, **options):
    """Grade the toy assignment's ``submissions`` into ``out``, quietly, on 2 workers.

    ``options`` go to :func:`~autograder.grading.grade.grade_class` (``limits`` defaults to
    ``TEST_LIMITS``).
    """
    from autograder.grading.grade import grade_class

    options.setdefault("limits", TEST_LIMITS)
    options.setdefault("log", lambda line: None)
    return grade_class(
        "toy", submissions, out, registry="toy_checks", source_dir=SOURCE, workers=2, **options
    )


def grade_command(
    submissions: Path,
    out: Path,
    *options: str,
    python: str | Path = sys.executable,
    env: dict[str, str] | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess:
    """``python -m autograder.grading grade toy SUBMISSIONS --out OUT`` on 2 workers, with the
    toy checks importable; ``env`` is added to the environment."""
    command, full = grade_argv(submissions, out, *options, python=python, env=env)
    return subprocess.run(command, env=full, capture_output=True, text=True, timeout=timeout)


def grade_argv(
    submissions: Path,
    out: Path,
    *options: str,
    python: str | Path = sys.executable,
    env: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of :func:`grade_command`."""
    from classroom import nbgrader_env

    command = [str(python), "-m", "autograder.grading", "grade", "toy", str(submissions)]
    command += ["--out", str(out), "--registry", "toy_checks", "--source", str(SOURCE)]
    command += ["--workers", "2", *options]
    return command, {**nbgrader_env(str(FIXTURES)), **(env or {})}


def path_without_bwrap(folder: Path) -> str:
    """A PATH on which every program of this machine's PATH is found except bubblewrap: a
    folder of links to them, as on a machine where bubblewrap is not installed."""
    folder.mkdir(parents=True, exist_ok=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            link = folder / name
            if name != "bwrap" and not link.exists() and os.access(target, os.X_OK):
                link.symlink_to(target)
    # this Python's scripts first, as nbgrader_env puts them (nbgrader runs alembic from there)
    path = os.pathsep.join([os.path.dirname(sys.executable), str(folder)])
    assert shutil.which("bwrap", path=path) is None
    return path


def course_python(folder: Path, readable: bool) -> Path:
    """A Python with the course installed (this environment's packages), in ``folder`` (which
    must be one that every user may enter, unlike pytest's own: ``world_folder``), made so that
    the user ``nobody`` may run it (``readable``) or may not.

    It is a virtual environment of a base interpreter of this Python's version, whose packages
    are this environment's (a ``.pth`` file). For ``readable``, the base interpreter must be one
    that ``nobody`` may run: this one, else the system's of the same version.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    bases = [Path(sys._base_executable), Path("/usr/bin", version), Path("/usr/local/bin", version)]
    base = next((b for b in bases if b.exists() and (not readable or _nobody_may_run(b))), None)
    if base is None:
        message = f"no {version} that the user nobody may run, to build a course Python from"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755 if readable else 0o700)
    venv = folder / "venv"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = venv / "lib" / version / "site-packages"
    ours = [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
    if readable:  # this environment may sit in a private folder, as a fresh clone in mktemp's
        for needed in [*ours, str(Path(__file__).resolve().parents[2])]:
            _let_everyone_enter(Path(needed))
    lines = [f"import site; site.addsitedir({p!r})" for p in ours]
    (site_packages / "course.pth").write_text("\n".join(lines) + "\n")
    return venv / "bin" / "python"


#: Folders whose mode a test widened so that ``nobody`` may enter them, and their old modes.
_WIDENED: dict[Path, int] = {}


def _let_everyone_enter(path: Path) -> None:
    """Let every user enter each folder above ``path`` (``o+x``), as a course installed for a
    class would be; :func:`world_folder` gives the old modes back after the test."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode & 0o7777
        if not mode & 0o001 and folder not in _WIDENED:
            _WIDENED[folder] = mode
            folder.chmod(mode | 0o005)


def _nobody_may_run(python: Path) -> bool:
    """Whether the user ``nobody`` may run ``python`` (needs root and unshare to find out)."""
    unshare = shutil.which("unshare")
    if not python.exists() or unshare is None or os.geteuid() != 0:
        return False
    probe = [unshare, "--setuid", "65534", "--setgid", "65534", str(python), "-c", "pass"]
    return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0


@pytest.fixture
def world_folder():
    """A temporary folder that every user may enter (pytest's ``tmp_path`` is its owner's only)."""
    path = Path(tempfile.mkdtemp(prefix="course-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
    for folder, mode in _WIDENED.items():
        folder.chmod(mode)
    _WIDENED.clear()
