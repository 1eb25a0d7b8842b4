"""Find the submissions of a class and read a student's notebook without trusting it.

Two inputs are understood:

* a folder in nbgrader's ``submitted`` layout, ``<student_id>/<assignment>/<notebook>.ipynb``
  (also ``<student_id>/<notebook>.ipynb``);
* a zip file or folder downloaded from a learning management system, with one of these names:

  - Canvas: ``<name>_<user id>_<submission id>_<file>`` (``<name>_late_<user id>_...`` for
    late work; Canvas appends ``-1``, ``-2`` to a resubmitted file's name). The student is keyed
    by the Canvas user id.
  - Moodle: ``<Full Name>_<id>_assignsubmission_file_/<file>`` (a folder per student) or the
    same as one flat file name. The student is keyed by Moodle's participant id.

Identity: :attr:`Submission.student_id` is the LMS's id where there is one (two students called
John Smith stay two), :attr:`Submission.name` the name to display, in Unicode, and
:attr:`Submission.folder` a file-system-safe name derived from both, never the name as given.

Several files: each of the assignment's notebooks is taken from the file of that name; among
resubmissions, the newest by the LMS's own order (the Canvas submission id, then its ``-N``
suffix; the file's time stamp for Moodle and nbgrader's layout). A notebook of another name is
graded only when no file has the right name. Every other file is listed in
:attr:`Submission.other_files`, so that the reason and the feedback can name it.

A zip is extracted with checks on member names (no absolute paths, no ``..``) and sizes; only
notebooks are written out, with their time stamps.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import nbgrader_cells as cells_
from autograder.grading.late import read_nbgrader_timestamp

#: Files nbgrader itself writes beside a submission: not handed in by the student.
BOOKKEEPING = frozenset({"timestamp.txt"})

#: Largest notebook read, and largest total size extracted from a zip, in bytes.
MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_ZIP_BYTES = 500 * 2**20

_CANVAS = re.compile(
    r"^(?P<name>[^_/]+)_(?P<late>late_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>[^/]+)$"
)
_MOODLE = re.compile(
    r"^(?P<name>[^/]+?)_(?P<uid>\d+)_assignsubmission_(?:file|onlinetext)_/?(?P<file>.*)$"
)
_RESUBMITTED = re.compile(r"-(\d+)$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")


@dataclass
class Submission:
    """One student's files for the assignment.

    Attributes
    ----------
    student_id : str
        The key: the LMS's user id where there is one, else the folder's name in nbgrader's
        layout (the nbgrader student id).
    name : str
        The name to display, in Unicode, as the LMS gave it.
    folder : str
        A file-system-safe name for the student's feedback folder.
    notebooks : dict
        Notebook name (the source notebook's stem) -> the file graded for it.
    other_files : list of str
        Every other file the student handed in (other notebooks, PDFs), by its own name.
    late : bool
        The LMS marked the submission late.
    submitted_at : float or None
        When it was handed in (epoch seconds): nbgrader's ``timestamp.txt``, else the newest
        time stamp of the graded notebooks; None when nothing was handed in.
    lms : str
        ``"canvas"`` or ``"moodle"`` when the files came from that LMS's download, else ``""``.
    attachments : dict
        Notebook name -> the Canvas attachment id of the file graded for it (the second number
        of a Canvas file name), which Canvas's re-upload of feedback files needs.
    """

    student_id: str
    name: str = ""
    folder: str = ""
    notebooks: dict[str, Path] = field(default_factory=dict)
    other_files: list[str] = field(default_factory=list)
    late: bool = False
    submitted_at: float | None = None
    lms: str = ""
    attachments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or self.student_id
        self.folder = self.folder or safe_id(self.student_id)


def safe_id(text: str) -> str:
    """A name usable as a file name: letters, digits and ``_.@+-`` only, accents folded, and
    starting with a letter or a digit (never ``.``, ``-`` or ``@``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _SAFE_ID.sub("-", folded.strip()).lstrip("._@+-").rstrip(".-") or "unknown"
    return cleaned[:100]


def _folder(student_id: str, name: str) -> str:
    """The feedback folder of a student: their name, made safe, and the LMS id when it differs."""
    base = safe_id(name)
    return base if name == student_id else f"{base[:80]}-{safe_id(student_id)}"


def extract_zip(path: Path, into: Path) -> tuple[Path, list[str]]:
    """Extract the notebooks of an LMS download safely into ``into``.

    Returns
    -------
    folder : Path
        ``into``, holding the notebooks with their time stamps.
    others : list of str
        The member names of everything else (PDFs, text files): named in the feedback,
        never written to disk.

    Raises
    ------
    ValueError
        If the file is not a zip, or would extract to more than ``MAX_ZIP_BYTES``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path} is not a zip file ({exc})") from exc
    others: list[str] = []
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
            if parts[0] == "__MACOSX":
                continue
            if not name.endswith(".ipynb"):
                others.append(Path(name).as_posix())
                continue
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as dst:
                dst.write(src.read(MAX_NOTEBOOK_BYTES + 1))
            stamp = time.mktime((*member.date_time, 0, 0, -1))
            os.utime(target, (stamp, stamp))
    return into, others


@dataclass
class _File:
    """One handed-in file, attributed to a student, with its place in the LMS's order."""

    student_id: str
    name: str
    file_name: str
    order: tuple
    path: Path | None = None
    late: bool = False
    lms: str = ""
    attachment: str = ""


def _attribute(rel: str, assignment: str, mtime: float) -> _File | None:
    """Who handed in the file at ``rel`` (a path relative to the submissions folder)."""
    parts = Path(rel).parts
    moodle = _MOODLE.match(rel)
    if moodle:
        file_name = Path(moodle["file"]).name or parts[-1]
        return _File(moodle["uid"], moodle["name"], file_name, (mtime,), lms="moodle")
    canvas = _CANVAS.match(parts[-1]) if len(parts) == 1 else None
    if canvas:
        resubmitted = _RESUBMITTED.search(Path(canvas["file"]).stem)
        order = (int(canvas["sid"]), int(resubmitted[1]) if resubmitted else 0, mtime)
        late = bool(canvas["late"])
        return _File(
            canvas["uid"],
            canvas["name"],
            canvas["file"],
            order,
            late=late,
            lms="canvas",
            attachment=canvas["sid"],
        )
    if len(parts) >= 3 and parts[-2] == assignment:
        return _File(parts[-3], parts[-3], parts[-1], (mtime,))  # <student>/<assignment>/<file>
    if len(parts) == 2:
        return _File(parts[0], parts[0], parts[1], (mtime,))  # <student>/<file>
    if len(parts) == 1 and parts[0].endswith(".ipynb"):
        return _File(Path(parts[0]).stem, Path(parts[0]).stem, parts[0], (mtime,))
    return None


def _notebook_key(file_name: str, expected: list[str]) -> tuple[str, bool]:
    """The notebook a file is handed in as, and whether its name says so (not a fallback)."""
    stem = Path(file_name).stem
    for candidate in (stem, _RESUBMITTED.sub("", stem)):
        if candidate in expected:
            return candidate, True
    return (expected[0], False) if len(expected) == 1 else (stem, False)


def collect(
    root: Path, assignment: str, expected: list[str], others: list[str] | None = None
) -> list[Submission]:
    """Find every student's files under ``root`` (a folder laid out as described above).

    ``others`` lists the files of a zip download that were not extracted (see
    :func:`extract_zip`), to be named in the feedback of the students who handed them in.
    """
    files: list[_File] = []
    for path in sorted(root.rglob("*")):
        if ".ipynb_checkpoints" in path.parts or path.is_symlink() or not path.is_file():
            continue
        if path.name in BOOKKEEPING:
            continue
        rel = path.relative_to(root).as_posix()
        found = _attribute(rel, assignment, path.stat().st_mtime)
        if found is not None:
            found.path = path if path.suffix == ".ipynb" else None
            files.append(found)
    for rel in others or []:
        found = _attribute(rel, assignment, 0.0)
        if found is not None:
            files.append(found)

    students: dict[str, Submission] = {}
    chosen: dict[tuple[str, str], tuple[tuple, _File]] = {}
    for f in files:
        sub = students.setdefault(f.student_id, Submission(f.student_id, f.name))
        sub.late = sub.late or f.late
        sub.lms = sub.lms or f.lms
        if f.path is None:
            sub.other_files.append(f.file_name)
            continue
        key, named = _notebook_key(f.file_name, expected)
        rank = (named, *f.order)
        previous = chosen.get((f.student_id, key))
        if previous is None or rank > previous[0]:
            if previous is not None:
                sub.other_files.append(previous[1].file_name)
            chosen[(f.student_id, key)] = (rank, f)
        else:
            sub.other_files.append(f.file_name)
    for (student_id, key), (_, f) in chosen.items():
        if key in expected:
            students[student_id].notebooks[key] = f.path
            if f.attachment:
                students[student_id].attachments[key] = f.attachment
        else:
            students[student_id].other_files.append(f.file_name)

    # a student folder with nothing for this assignment still gets a row
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.is_dir() and (child / assignment).is_dir() and child.name not in students:
            students[child.name] = Submission(child.name)
    for sub in students.values():
        sub.submitted_at = _submitted_at(root, assignment, sub)
    derive_folders(students.values())
    return sorted(students.values(), key=lambda s: s.student_id)


def _submitted_at(root: Path, assignment: str, sub: Submission) -> float | None:
    """nbgrader's ``timestamp.txt`` in the student's folder, else the notebooks' newest mtime."""
    stamp = root / sub.student_id / assignment / "timestamp.txt"
    if "/" not in sub.student_id and stamp.is_file() and not stamp.is_symlink():
        with open(stamp, encoding="utf-8", errors="replace") as f:
            when = read_nbgrader_timestamp(f.read(100))
        if when is not None:
            return when
    times = [p.stat().st_mtime for p in sub.notebooks.values()]
    return max(times) if times else None


def derive_folders(submissions) -> None:
    """Give every student a distinct safe folder name, whatever their names are."""
    taken: set[str] = set()
    for sub in sorted(submissions, key=lambda s: s.student_id):
        folder = _folder(sub.student_id, sub.name)
        if folder in taken:
            folder += "-" + hashlib.sha256(sub.student_id.encode()).hexdigest()[:8]
        taken.add(folder)
        sub.folder = folder
        sub.other_files = sorted(dict.fromkeys(sub.other_files))


@dataclass
class ReadNotebook:
    """What the grader takes from a submitted notebook: code to run and remarks on it."""

    cells: list[tuple[int, str]]
    notes: list[str]
    error: str = ""


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
        if not cells_.is_code(cell):
            continue
        grade_id = cells_.grade_id(cell)
        if grade_id in test_cell_ids or cells_.is_test_cell(cell):
            seen.add(grade_id)
            if cells_.edited(cell):
                edited_ids.append(grade_id)
            continue
        cells.append((index, cells_.cell_source(cell)))
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
