"""Find the submissions of a class and read a student's notebook without trusting it.

Two inputs are understood:

* a folder in nbgrader's ``submitted`` layout, ``<student_id>/<assignment>/<notebook>.ipynb``
  (also ``<student_id>/<notebook>.ipynb``);
* a zip file or folder downloaded from a learning management system, with one of these names:

  - Canvas: ``<name>_<user id>_<submission id>_<notebook>.ipynb``
    (``<name>_late_<user id>_...`` for late work; Canvas may append ``-1``, ``-2`` to a resubmitted
    file's name). The student id is ``<name>``.
  - Moodle: ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb`` (a folder per student)
    or the same as one flat file name. The student id is the full name with spaces replaced by
    ``-``.

A zip is extracted with checks on member names (no absolute paths, no ``..``) and sizes.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import compute_checksum

#: Largest notebook read, and largest total size extracted from a zip, in bytes.
MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_ZIP_BYTES = 500 * 2**20

_CANVAS = re.compile(
    r"^(?P<student>[A-Za-z0-9]+)_(?:late_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$"
)
_MOODLE = re.compile(r"^(?P<student>.+?)_(?P<uid>\d+)_assignsubmission_file_/?(?P<file>.*)$")
_RESUBMITTED = re.compile(r"-\d+$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")


@dataclass
class Submission:
    """One student's files for the assignment: notebook name (source stem) -> path."""

    student_id: str
    notebooks: dict[str, Path] = field(default_factory=dict)


def safe_id(text: str) -> str:
    """A student id usable as a file name: letters, digits and ``_.@+-`` only."""
    cleaned = _SAFE_ID.sub("-", text.strip()).strip(".-") or "unknown"
    return cleaned[:100]


def _notebook_key(file_name: str, expected: list[str]) -> str:
    """Match a submitted file name to one of the assignment's notebook names."""
    stem = Path(file_name).stem
    for candidate in (stem, _RESUBMITTED.sub("", stem)):
        if candidate in expected:
            return candidate
    if len(expected) == 1:
        return expected[0]
    return stem


def extract_zip(path: Path, into: Path) -> Path:
    """Extract an LMS download safely into ``into`` and return that folder.

    Raises
    ------
    ValueError
        If the file is not a zip, or holds unsafe names or more than ``MAX_ZIP_BYTES``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path} is not a zip file ({exc})") from exc
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_ZIP_BYTES:
            raise ValueError(
                f"{path} would extract to {total} bytes; at most {MAX_ZIP_BYTES} are allowed"
            )
        into.mkdir(parents=True, exist_ok=True)
        for member in members:
            name = member.filename
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts or not parts or member.is_dir():
                continue
            if parts[0] == "__MACOSX" or not name.endswith(".ipynb"):
                continue
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as dst:
                dst.write(src.read(MAX_NOTEBOOK_BYTES + 1))
    return into


def collect(root: Path, assignment: str, expected: list[str]) -> list[Submission]:
    """Find every student's notebooks under ``root`` (a folder laid out as described above)."""
    found: dict[str, Submission] = {}

    def add(student: str, file_path: Path, file_name: str) -> None:
        sid = safe_id(student)
        sub = found.setdefault(sid, Submission(sid))
        key = _notebook_key(file_name, expected)
        previous = sub.notebooks.get(key)
        if previous is None or previous.name < file_path.name:  # latest resubmission wins
            sub.notebooks[key] = file_path

    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(root)
        moodle = _MOODLE.match(rel.as_posix())
        canvas = _CANVAS.match(rel.name)
        if moodle:
            add(moodle["student"], path, Path(moodle["file"]).name or rel.name)
        elif len(rel.parts) >= 3 and rel.parts[-2] == assignment:
            add(rel.parts[-3], path, rel.name)  # nbgrader: <student>/<assignment>/<nb>
        elif len(rel.parts) == 2:
            add(rel.parts[0], path, rel.name)  # <student>/<nb>
        elif len(rel.parts) == 1:
            if canvas:
                add(canvas["student"], path, canvas["file"])
            else:
                add(rel.stem, path, rel.name)  # <student>.ipynb
    # a student folder with no notebook for this assignment still gets a row
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.is_dir() and (child / assignment).is_dir() and safe_id(child.name) not in found:
            found[safe_id(child.name)] = Submission(safe_id(child.name))
    return list(found.values())


@dataclass
class ReadNotebook:
    """What the grader takes from a submitted notebook: code to run and remarks on it."""

    cells: list[tuple[int, str]]
    notes: list[str]
    error: str = ""


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def read_notebook(path: Path, test_cell_ids: set[str]) -> ReadNotebook:
    """Read a submitted notebook as data and keep the code cells that are not test cells.

    The notebook is parsed as plain JSON (never executed or trusted): a file that is not JSON or
    not a notebook gives ``error``. Test cells (by the source's ids, or marked as such) are
    dropped: the grader scores by its own checks. Edited or deleted test cells are reported in
    ``notes`` (nbgrader's checksums) but change nothing.
    """
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return ReadNotebook(
                [], [], f"the notebook is {size} bytes, over the limit of {MAX_NOTEBOOK_BYTES}"
            )
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return ReadNotebook([], [], "the file is not UTF-8 text, so not a notebook")
    except json.JSONDecodeError as exc:
        return ReadNotebook([], [], f"the file is not valid JSON ({exc.msg} at line {exc.lineno})")
    except OSError as exc:
        return ReadNotebook([], [], f"the file could not be read ({exc.strerror})")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return ReadNotebook([], [], "the file is JSON but not a notebook (no list of cells)")
    cells: list[tuple[int, str]] = []
    notes: list[str] = []
    seen: set[str] = set()
    edited_ids: list[str] = []
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata")
        meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
        meta = meta if isinstance(meta, dict) else {}
        grade_id = str(meta.get("grade_id", ""))
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        if grade_id in test_cell_ids or is_test:
            seen.add(grade_id)
            checksum = meta.get("checksum")
            try:
                edited = checksum is not None and compute_checksum(_as_node(cell)) != checksum
            except Exception:
                edited = True
            if edited:
                edited_ids.append(grade_id)
            continue
        cells.append((index, _cell_source(cell)))
    if edited_ids:
        notes.append(
            "test cells edited (ignored: the grader's checks score): " + ", ".join(edited_ids)
        )
    missing = sorted(test_cell_ids - seen)
    if missing:
        notes.append(
            "test cells deleted (ignored: the grader's checks score): " + ", ".join(missing)
        )
    return ReadNotebook(cells, notes)


def _as_node(cell: dict):
    import nbformat

    node = nbformat.from_dict(cell)
    node.source = _cell_source(cell)
    return node
