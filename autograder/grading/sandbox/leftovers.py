"""What a grader or a Dask worker leaves on the machine, and how the next one removes it.

Every grading process (the grader, a Dask worker, the similarity comparison) works in temporary
folders named after its process id, ``autograder-<pid>-...``, ``autograder-worker-<pid>-...`` or
``autograder-similarity-<pid>-...`` (:func:`work_dir`), and caps its sandboxes in a cgroup folder
``autograder-<pid>`` (:mod:`autograder.grading.sandbox.cgroups`). A process that ends cleanly
removes its own. One that is killed (SIGKILL, out of memory, a lost machine) cannot, so every
grader and worker that starts removes those whose process is gone (:func:`remove_stale`): a
rerun after a killed run leaves the machine as a clean run does.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

from autograder.grading.sandbox import cgroups

#: The temporary folders of a grading process, and the process id in their name.
WORK_DIR = re.compile(r"^autograder-(?:(?:worker|similarity)-)?(?P<pid>\d+)-")

_OWN: list[Path] = []


def work_dir(prefix: str = "autograder-") -> Path:
    """A new temporary folder ``<prefix><pid>-XXXX``, removed when this process exits."""
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    _OWN.append(path)
    return path


def remove_stale(tmp: str | Path | None = None) -> list[Path]:
    """Remove the temporary folders (in ``tmp``, default the system's) and the cgroups of
    grading processes that no longer exist; returns what was removed."""
    removed = []
    root = Path(tmp or tempfile.gettempdir())
    for path in sorted(root.glob("autograder-*")):
        match = WORK_DIR.match(path.name)
        if match is None or path.is_symlink() or not path.is_dir():
            continue
        if not cgroups.alive(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed + cgroups.remove_stale()


@atexit.register
def _remove_own() -> None:
    for path in _OWN:
        shutil.rmtree(path, ignore_errors=True)
