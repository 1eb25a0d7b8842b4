"""What the sandbox's Python may import: the standard library, NumPy and IPython, nothing else.

A banned library (SciPy, PyTorch, scikit-learn, nnlib, the autograder's checks) is not hooked in
the sandbox, where a cell could remove the hook: it is absent from its file system. Bubblewrap
mounts an empty, read-only memory file system over every folder of installed packages
(``site-packages``, ``dist-packages``) it would otherwise show, then binds back, read-only, only
the files of :data:`ALLOWED_DISTRIBUTIONS` and of what they require (their ``RECORD``, as
``importlib.metadata`` lists it). The course's own modules come from the runner's folder
(``/grader``): the runner, :mod:`autograder.boundary` and :mod:`autograder.call_steps`.

The standard library stays, less the modules that reach into the interpreter's own memory or
run code beside it (:data:`HIDDEN_STDLIB`: ``ctypes``, the C-API test modules,
subinterpreters), each covered by an empty file: NumPy runs without them.

:func:`library_view` works this out once per process, from the Python that runs the grader,
which is the one the sandbox runs.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from autograder.grading.sandbox.guard import REFUSED_MODULES

#: The distributions student code may import, with everything they require: NumPy, and IPython
#: for notebooks that use magics. An instructor who lets students plot while grading adds
#: ``"matplotlib"`` here.
ALLOWED_DISTRIBUTIONS = ("numpy", "ipython")

#: Extension modules of the standard library that the sandbox does not have: ``ctypes`` writes
#: anywhere in the process's memory, the C-API test modules do as much, and subinterpreters run
#: code beside the runner, out of its sight.
HIDDEN_STDLIB = tuple(sorted(REFUSED_MODULES - {"ctypes", "_posixsubprocess"}))

#: Folders of installed packages, as Python installations name them.
_SITE_NAMES = ("site-packages", "dist-packages")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def required_distributions(names: tuple[str, ...] = ALLOWED_DISTRIBUTIONS) -> list:
    """The installed distributions ``names`` and, recursively, those they require (their
    requirements whose environment markers hold, extras left out); missing ones are skipped."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        key = _canonical(dist.metadata["Name"] or name)
        if key in found:
            continue
        found[key] = dist
        for text in dist.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(found.values())


def _outermost(paths: set[Path]) -> list[Path]:
    kept: list[Path] = []
    for path in sorted(paths, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def site_folders(roots: tuple[Path, ...]) -> list[Path]:
    """Every folder of installed packages under ``roots`` (the Python installation and
    ``/usr``, as the sandbox shows them), outermost first."""
    found: set[Path] = set()
    for root in roots:
        for pattern in ("lib*/python3*/", "local/lib*/python3*/", "lib*/python3/"):
            for name in _SITE_NAMES:
                found.update(p.resolve() for p in root.glob(pattern + name) if p.is_dir())
    for entry in sys.path:
        path = Path(entry)
        if path.name in _SITE_NAMES and path.is_dir():
            found.add(path.resolve())
    return _outermost({p for p in found if any(p.is_relative_to(r) for r in roots)})


def _files_of(dist) -> list[Path]:
    """The files and top-level folders of ``dist`` to show, as absolute paths: its packages, its
    modules, their cached bytecode and its metadata folder."""
    base = Path(dist.locate_file("")).resolve()
    shown: set[Path] = set()
    for file in dist.files or []:
        parts = Path(file).parts
        if not parts or parts[0] == "..":
            continue  # scripts and data installed outside the site folder
        if parts[0] == "__pycache__" or len(parts) == 1:
            shown.add(base / Path(*parts))  # a single-file module, or its bytecode
        else:
            shown.add(base / parts[0])
    return sorted(p for p in shown if p.exists())


@functools.cache
def library_view(roots: tuple[Path, ...]) -> tuple[list[Path], list[Path], list[Path]]:
    """How the sandbox shows the installed packages under ``roots``.

    Returns
    -------
    hidden : list of Path
        Folders of installed packages to cover with an empty memory file system.
    shown : list of Path
        What to bind back into them, read-only: the allowed distributions' files.
    blanked : list of Path
        Files of :data:`HIDDEN_STDLIB` modules, to cover with an empty file.
    """
    hidden = site_folders(roots)
    shown = [
        path
        for dist in required_distributions()
        for path in _files_of(dist)
        if any(path.is_relative_to(folder) for folder in hidden)
    ]
    blanked = []
    for name in HIDDEN_STDLIB:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is not None and origin.is_file() and any(origin.is_relative_to(r) for r in roots):
            blanked.append(origin)
    return hidden, shown, blanked
