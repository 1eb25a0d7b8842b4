"""Find the submissions of a class and read a student's notebook without trusting it.

Two inputs are understood, each as a folder or a zip file:

* nbgrader's ``submitted`` layout, ``<student_id>/<assignment>/<notebook>.ipynb`` (also
  ``<student_id>/<notebook>.ipynb`` and a flat ``<student_id>.ipynb``);
* a download from a learning management system, with one of these names:

  - Canvas: ``<name>_<user id>_<attachment id>_<file>`` (``<name>_LATE_<user id>_...`` for work
    Canvas counts as late; Canvas appends ``-1``, ``-2`` to a resubmitted file's name). Canvas
    removes every ``_<digits>_`` from the name it writes, so the first ``_<id>_<id>_`` is its own.
  - Moodle: ``<Full Name>_<participant id>_assignsubmission_<plugin>_/<file>`` (a folder per
    student) or the same as one flat file name. Moodle writes every ``_`` of a name as a space,
    so the folder's last ``_<id>_assignsubmission_<plugin>_`` is its own, and a flat name's
    first.

Identity: :attr:`Submission.student_id` is the LMS's id where there is one (two students called
John Smith stay two), taken from the LMS's own fields as above, :attr:`Submission.name` the name
to display, in Unicode, and :attr:`Submission.folder` a file-system-safe name derived from both,
never the name as given. A name the LMS would never write (a Moodle name with ``_``) is graded
under the id the LMS gave it, with a note, and never replaces the files of a name the LMS could
have written under the same id. A file whose owner cannot be told is graded for nobody and
listed. A file name whose bytes are not UTF-8 keeps them readable (``caf\\xe9``), with a note
for that student only.

Several files: each of the assignment's notebooks is taken from the file of that name; among
resubmissions, the newest by the LMS's own order (the Canvas attachment id, then its ``-N``
suffix; the file's time for Moodle and nbgrader's layout). A notebook of another name is graded
only when no file has the right name. Every other file is listed in
:attr:`Submission.other_files`, so that the reason and the feedback can name it.

A zip is read from its directory first: nothing but the notebooks chosen for grading is ever
extracted, each to a name of the grader's making, and a notebook over
:data:`MAX_NOTEBOOK_BYTES` (or one the zip cannot give back) is its owner's loss only.

Times: a zip records the wall-clock time of each file without its time zone (a few zips add the
instant, in an extended time stamp, which is then used). It is read in the zone given
(``--timezone``), else in the convention of the LMS it came from (:data:`LMS_ZONES`), never in the
grading machine's own zone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path

import nbformat

from autograder import nbgrader_cells as cells_
from autograder.grading.late import read_nbgrader_timestamp
from autograder.grading.text import clean, listing, path_text

#: Files nbgrader itself writes beside a submission: not handed in by the student.
BOOKKEEPING = frozenset({"timestamp.txt"})

#: Largest notebook file read, outputs and plots included, and largest amount of code (the
#: sources of its code cells) run, in bytes.
MAX_NOTEBOOK_BYTES = 256 * 2**20
MAX_CODE_BYTES = 20 * 2**20

#: The zone a download's zip times are read in by default, by the LMS it came from ("" for
#: nbgrader's layout). Canvas gives every member the time it made the zip (rubyzip's default),
#: read as UTC; Moodle writes each file's time in its server's own zone, which the zip does not
#: record, so there is no default for it (see the grading README, "Time zones").
LMS_ZONES: dict[str, tzinfo] = {"canvas": timezone.utc, "": timezone.utc}

_CANVAS = re.compile(
    r"^(?P<name>.+?)_(?:(?P<late>late|LATE)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$"
)
_MOODLE_FOLDER = re.compile(r"^(?P<name>.*)_(?P<uid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_$")
_MOODLE_FLAT = re.compile(
    r"^(?P<name>[^_]*)_(?P<uid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$"
)
_MOODLE_MARK = re.compile(r"_\d+_assignsubmission_")
_CANVAS_STRIPPED = re.compile(r"_\d+_")
_RESUBMITTED = re.compile(r"-(\d+)$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")
#: Info-ZIP's extended time stamp (header id 0x5455): the modification time in UTC seconds.
_EXTENDED_TIME = 0x5455


@dataclass
class Member:
    """One file of a download, as its folder or its zip's directory describes it."""

    #: Its path in the download, as text (bytes that are not UTF-8 written as ``\\xe9``).
    rel: str
    size: int
    #: Its time as an instant (a file system's, or a zip's extended time stamp), else None.
    instant: float | None = None
    #: A zip's time without its zone: (year, month, day, hour, minute, second).
    wall: tuple[int, ...] | None = None
    path: Path | None = None
    info: zipfile.ZipInfo | None = None
    #: Whether its name's bytes are not UTF-8.
    bad_name: bool = False

    def time(self, zone: tzinfo | None) -> float | None:
        """Epoch seconds: the instant, or the wall time read in ``zone`` (None: unknown)."""
        if self.instant is not None:
            return self.instant
        if self.wall is None or zone is None:
            return None
        return datetime(*self.wall, tzinfo=zone).timestamp()

    def order(self) -> float:
        """A key that orders one student's files by time (any zone orders them alike)."""
        return self.time(timezone.utc) or 0.0


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
    file_names : dict
        Notebook name -> the name of that file as it was handed in.
    unreadable : dict
        Notebook name -> why the file handed in for it cannot be graded (too large, not
        readable from the zip).
    other_files : list of str
        Every other file the student handed in (other notebooks, PDFs), by its own name.
    notes : list of str
        What the download says of this student that the grader could not take as it is (a
        name the LMS would never write, a file name that is not UTF-8).
    late : bool
        The LMS marked the submission late.
    submitted_at : float or None
        When it was handed in (epoch seconds): nbgrader's ``timestamp.txt``, else the newest
        time of the graded notebooks; None when nothing was handed in or the time is unknown.
    undated : str
        Why ``submitted_at`` is unknown although files were handed in ("": it is known).
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
    file_names: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    other_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    late: bool = False
    submitted_at: float | None = None
    undated: str = ""
    lms: str = ""
    attachments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or self.student_id
        self.folder = self.folder or safe_id(self.student_id)


@dataclass
class Download:
    """What a folder or zip of submissions holds: each student's files, and the files whose
    owner cannot be told (graded for nobody)."""

    submissions: list[Submission]
    unattributed: list[str] = field(default_factory=list)


def safe_id(text: str) -> str:
    """A name usable as a file name: letters, digits and ``_.@+-`` only, accents folded, and
    starting with a letter or a digit (never ``.``, ``-`` or ``@``)."""
    folded = unicodedata.normalize("NFKD", clean(text)).encode("ascii", "ignore").decode()
    cleaned = _SAFE_ID.sub("-", folded.strip()).lstrip("._@+-").rstrip(".-") or "unknown"
    return cleaned[:100]


def _folder(student_id: str, name: str) -> str:
    """The feedback folder of a student: their name, made safe, and the LMS id when it differs."""
    base = safe_id(name)
    return base if name == student_id else f"{base[:80]}-{safe_id(student_id)}"


def folder_members(root: Path) -> list[Member]:
    """Every file under ``root`` (symbolic links and notebook checkpoints left out)."""
    members = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            d
            for d in subfolders
            if d != ".ipynb_checkpoints" and not os.path.islink(os.path.join(folder, d))
        )
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            texts = [path_text(part) for part in path.relative_to(root).parts]
            rel = "/".join(clean(text) for text, _ in texts)
            bad = any(invalid for _, invalid in texts)
            stat = path.stat()
            members.append(Member(rel, stat.st_size, stat.st_mtime, path=path, bad_name=bad))
    return members


def _extended_time(extra: bytes) -> float | None:
    """The modification time of a zip entry's extended time stamp field, if it has one."""
    position = 0
    while position + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + size]
        if kind == _EXTENDED_TIME and len(body) >= 5 and body[0] & 1:
            return float(struct.unpack_from("<i", body, 1)[0])
        position += 4 + size
    return None


def zip_members(archive: zipfile.ZipFile) -> list[Member]:
    """Every file of a zip whose name is safe (no absolute path, no ``..``, no ``__MACOSX``)."""
    members = []
    for info in archive.infolist():
        name = info.filename
        parts = Path(name).parts
        if info.is_dir() or not parts or name.startswith("/") or ".." in parts:
            continue
        if parts[0] == "__MACOSX":
            continue
        rel = "/".join(clean(part) for part in parts)
        instant = _extended_time(info.extra)
        members.append(Member(rel, info.file_size, instant, wall=info.date_time, info=info))
    return members


@dataclass
class _File:
    """One handed-in file, attributed to a student, with its place in the LMS's order."""

    student_id: str
    name: str
    file_name: str
    order: tuple
    member: Member | None = None
    late: bool = False
    lms: str = ""
    attachment: str = ""
    #: Why the name is one the LMS would never write ("" when it could be the LMS's).
    odd_name: str = ""


def _attribute(member: Member, assignment: str) -> _File | str | None:
    """Who handed in ``member``: a :class:`_File`, a reason when the name claims an owner that
    cannot be told, or None (nbgrader's own files, and names of no known layout)."""
    parts = member.rel.split("/")
    when = member.order()
    if len(parts) >= 2 and _MOODLE_MARK.search(parts[0]):
        moodle = _MOODLE_FOLDER.match(parts[0])
        if moodle is None:
            return f"{parts[0]}/ does not end as Moodle ends a student's folder"
        odd = "Moodle writes every _ of a name as a space" if "_" in moodle["name"] else ""
        return _File(moodle["uid"], moodle["name"], parts[-1], (when,), lms="moodle", odd_name=odd)
    if len(parts) == 1 and _MOODLE_MARK.search(parts[0]):
        moodle = _MOODLE_FLAT.match(parts[0])
        if moodle is None:
            return "Moodle writes every _ of a name as a space, so its owner cannot be told"
        return _File(moodle["uid"], moodle["name"], moodle["file"], (when,), lms="moodle")
    canvas = _CANVAS.match(parts[0]) if len(parts) == 1 else None
    if canvas:
        resubmitted = _RESUBMITTED.search(Path(canvas["file"]).stem)
        order = (int(canvas["sid"]), int(resubmitted[1]) if resubmitted else 0, when)
        odd = "Canvas removes every _<digits>_ from a name"
        return _File(
            canvas["uid"],
            canvas["name"],
            canvas["file"],
            order,
            late=bool(canvas["late"]),
            lms="canvas",
            attachment=canvas["sid"],
            odd_name=odd if _CANVAS_STRIPPED.search(canvas["name"] + "_") else "",
        )
    if parts[-1] in BOOKKEEPING:
        return None
    if len(parts) >= 3 and parts[-2] == assignment:
        return _File(parts[-3], parts[-3], parts[-1], (when,))  # <student>/<assignment>/<file>
    if len(parts) == 2:
        return _File(parts[0], parts[0], parts[1], (when,))  # <student>/<file>
    if len(parts) == 1 and parts[0].endswith(".ipynb"):
        return _File(Path(parts[0]).stem, Path(parts[0]).stem, parts[0], (when,))
    return None


def _notebook_key(file_name: str, expected: list[str]) -> tuple[str, bool]:
    """The notebook a file is handed in as, and whether its name says so (not a fallback)."""
    stem = Path(file_name).stem
    for candidate in (stem, _RESUBMITTED.sub("", stem)):
        if candidate in expected:
            return candidate, True
    return (expected[0], False) if len(expected) == 1 else (stem, False)


def _settle_names(files: list[_File]) -> tuple[list[_File], dict[str, list[str]], dict]:
    """Which files may speak for each id, by the names the download gives it.

    A file under a name the LMS would never write cannot replace the files of a name it could
    have written under the same id: it is left out, with a note. Two names the LMS could have
    written for one id leave no way to tell whose files they are: that id is graded from none
    of them. Returns the files kept, the notes by id, and the names of each id in conflict.
    """
    names: dict[str, set[str]] = defaultdict(set)
    for f in files:
        if not f.odd_name:
            names[f.student_id].add(f.name)
    kept, notes = [], {}
    for f in files:
        if f.odd_name and names.get(f.student_id):
            notes.setdefault(f.student_id, []).append(
                f"not graded: {f.file_name} under the name {f.name!r}, which also claims this"
                f" id ({f.odd_name})"
            )
        else:
            kept.append(f)
    conflicts = {sid: sorted(found) for sid, found in names.items() if len(found) > 1}
    return kept, notes, conflicts


def collect(
    members: list[Member],
    assignment: str,
    expected: list[str],
    zone: tzinfo | None = None,
    read: Callable[[Member, int], bytes] | None = None,
) -> Download:
    """Attribute every file of a download to its student, and choose the files to grade.

    ``zone`` is the time zone of a zip's times (default: :data:`LMS_ZONES` of the LMS it came
    from); ``read(member, limit)`` gives a small file's bytes (nbgrader's ``timestamp.txt``).
    The chosen notebooks are in :attr:`Submission.notebooks` as :class:`Member`\\ s until
    :func:`read_download` gives them a file on disk.
    """
    files: list[_File] = []
    unattributed: list[str] = []
    stamps: dict[str, Member] = {}
    for member in members:
        found = _attribute(member, assignment)
        if isinstance(found, str):
            unattributed.append(f"{member.rel} ({found})")
        elif found is not None:
            found.member = member
            files.append(found)
        elif member.rel.split("/")[-1] in BOOKKEEPING:
            stamps[member.rel] = member
    files, left_out, conflicts = _settle_names(files)

    students: dict[str, Submission] = {}
    chosen: dict[tuple[str, str], tuple[tuple, _File]] = {}
    for f in files:
        sub = students.setdefault(f.student_id, Submission(f.student_id, f.name))
        sub.late = sub.late or f.late
        sub.lms = sub.lms or f.lms
        if f.odd_name and not any(f.odd_name in note for note in sub.notes):
            sub.notes.append(
                f"the download names this student {f.name!r}, a name it would never write"
                f" ({f.odd_name}): graded under the id {f.student_id}; check whose work it is"
            )
        if f.member.bad_name and not any("not UTF-8" in note for note in sub.notes):
            sub.notes.append(
                f"the file name {f.member.rel} has bytes that are not UTF-8, shown as \\xNN"
            )
        if not f.file_name.endswith(".ipynb"):
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
    for sid, notes in left_out.items():
        if sid in students:
            students[sid].notes += notes
    for (student_id, key), (_, f) in chosen.items():
        sub = students[student_id]
        if key in expected:
            sub.notebooks[key] = f.member
            sub.file_names[key] = f.file_name
            if f.attachment:
                sub.attachments[key] = f.attachment
        else:
            sub.other_files.append(f.file_name)
    for sid, found in conflicts.items():
        sub = students[sid]
        sub.name = found[0]
        who = "participant" if sub.lms == "moodle" else "user"
        named = " and ".join(repr(name) for name in found)
        for key in expected:
            sub.unreadable[key] = (
                f"the download names {who} {sid} both {named}, and the LMS gives one student"
                " one name: not graded, since nothing tells whose files they are"
            )
        sub.notebooks.clear()
    for sub in students.values():
        _date(sub, assignment, zone, stamps, read)
    return Download(sorted(students.values(), key=lambda s: s.student_id), unattributed)


def _date(sub: Submission, assignment: str, zone, stamps: dict, read) -> None:
    """When ``sub`` was handed in: nbgrader's ``timestamp.txt``, else its notebooks' newest
    time, read in ``zone`` or the convention of its LMS."""
    stamp = stamps.get(f"{sub.student_id}/{assignment}/timestamp.txt")
    if stamp is not None and read is not None:
        try:
            text = read(stamp, 100).decode("utf-8", "replace")
        except ValueError:
            text = ""
        when = read_nbgrader_timestamp(text)
        if when is not None:
            sub.submitted_at = when
            return
    zone = zone or LMS_ZONES.get(sub.lms)
    times = [m.time(zone) for m in sub.notebooks.values()]
    if any(t is None for t in times):
        sub.undated = (
            f"the {sub.lms.capitalize() or 'zip'} download records its files' times without"
            " their time zone"
        )
    known = [t for t in times if t is not None]
    sub.submitted_at = max(known) if known and not sub.undated else None


def derive_folders(submissions) -> None:
    """Give every student a distinct safe folder name, whatever their names are."""
    taken: set[str] = set()
    for sub in sorted(submissions, key=lambda s: s.student_id):
        folder = _folder(sub.student_id, sub.name)
        if folder in taken:
            folder += "-" + hashlib.sha256(clean(sub.student_id).encode()).hexdigest()[:8]
        taken.add(folder)
        sub.folder = folder
        sub.other_files = sorted(dict.fromkeys(sub.other_files))


def read_download(
    source: Path, into: Path, assignment: str, expected: list[str], zone: tzinfo | None = None
) -> Download:
    """The submissions in ``source`` (a folder, or a zip whose chosen notebooks are extracted
    into ``into``), each with its notebooks as files on disk.

    Raises
    ------
    ValueError
        If ``source`` is a file but not a zip.
    FileNotFoundError
        If there is nothing at ``source``.
    """
    if source.is_dir():
        download = collect(folder_members(source), assignment, expected, zone, _read_member)
        _empty_folders(source, assignment, download)
        _materialise(download, into, None)
    elif source.is_file():
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValueError(f"{source} is not a zip file ({exc})") from exc
        with archive:
            reader = lambda member, limit: _read_member(member, limit, archive)  # noqa: E731
            download = collect(zip_members(archive), assignment, expected, zone, reader)
            _materialise(download, into, archive)
    else:
        raise FileNotFoundError(f"no folder or zip file at {source}")
    derive_folders(download.submissions)
    return download


def _empty_folders(root: Path, assignment: str, download: Download) -> None:
    """A student folder with nothing in it for this assignment still gets a row."""
    known = {sub.student_id for sub in download.submissions}
    for child in sorted(root.iterdir()):
        student, _ = path_text(child.name)
        if child.is_dir() and (child / assignment).is_dir() and student not in known:
            download.submissions.append(Submission(clean(student)))
    download.submissions.sort(key=lambda s: s.student_id)


def _read_member(member: Member, limit: int, archive: zipfile.ZipFile | None = None) -> bytes:
    """A file's bytes, at most ``limit`` of them; ValueError says why they cannot be had."""
    if member.size > limit:
        raise ValueError(f"it is {member.size:,} bytes, over the limit of {limit:,}")
    try:
        if member.path is not None:
            with open(member.path, "rb") as f:
                data = f.read(limit + 1)
        else:
            with archive.open(member.info) as f:
                data = f.read(limit + 1)
    except Exception as exc:  # an encrypted, corrupt or oddly compressed member: its owner's
        raise ValueError(f"it cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None
    if len(data) > limit:  # a size in the zip's directory that lies
        raise ValueError(f"it holds more than {limit:,} bytes")
    return data


def _materialise(download: Download, into: Path, archive: zipfile.ZipFile | None) -> None:
    """Give each chosen notebook a file on disk (a folder's own file; a zip's, extracted to a
    name of the grader's making), or a reason why it cannot be graded."""
    count = 0
    for sub in download.submissions:
        for key, member in list(sub.notebooks.items()):
            if member.size > MAX_NOTEBOOK_BYTES:
                sub.unreadable[key] = (
                    f"{sub.file_names[key]} is {member.size:,} bytes, over the"
                    f" {MAX_NOTEBOOK_BYTES // 2**20} MiB a notebook may be: not graded"
                )
                del sub.notebooks[key]
                continue
            if member.path is not None:
                sub.notebooks[key] = member.path
                continue
            try:
                data = _read_member(member, MAX_NOTEBOOK_BYTES, archive)
            except ValueError as exc:
                sub.unreadable[key] = f"{sub.file_names[key]}: not graded, {exc}"
                del sub.notebooks[key]
                continue
            count += 1
            target = into / f"{count:06d}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            sub.notebooks[key] = target


@dataclass
class ReadNotebook:
    """What the grader takes from a submitted notebook: code to run, remarks on it, and which
    written answers (manually graded cells, by id) were answered (``True``) or left as released."""

    cells: list[tuple[int, str]]
    notes: list[str]
    error: str = ""
    written: dict[str, bool] = field(default_factory=dict)


def _parse(path: Path) -> tuple[dict | None, str, list[str]]:
    """The notebook at ``path`` as nbformat 4 JSON, or the reason it is not one; and notes."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return (
                None,
                f"the notebook is {size:,} bytes, over the limit of {MAX_NOTEBOOK_BYTES:,}",
                [],
            )
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text, so not a notebook", []
    except json.JSONDecodeError as exc:
        return None, f"the file is not valid JSON ({exc.msg} at line {exc.lineno})", []
    except RecursionError:
        return None, "the file is JSON nested too deeply to be a notebook", []
    except OSError as exc:
        return None, f"the file could not be read ({exc.strerror})", []
    if not isinstance(nb, dict):
        return None, "the file is JSON but not a notebook (no list of cells)", []
    version = nb.get("nbformat")
    if version == 3 and isinstance(nb.get("worksheets"), list):
        try:  # nbformat's own upgrade, as Jupyter does when it opens the file
            nb = dict(nbformat.convert(nbformat.from_dict(nb), 4))
        except Exception as exc:
            return (
                None,
                (
                    f"the notebook is in nbformat 3 and could not be converted to nbformat 4"
                    f" ({type(exc).__name__}): open it in Jupyter and save it again"
                ),
                [],
            )
        return nb, "", ["the notebook was in nbformat 3: converted to nbformat 4 to grade it"]
    if version is not None and version != 4:
        return (
            None,
            (
                f"the notebook is in nbformat {clean(version)!s:.20}, which the grader does not read:"
                " open it in Jupyter 4 or later and save it again"
            ),
            [],
        )
    if not isinstance(nb.get("cells"), list):
        return None, "the file is JSON but not a notebook (no list of cells)", []
    return nb, "", []


def notebook_json(path: Path) -> dict | None:
    """The notebook at ``path`` as nbformat 4 JSON (parsed, never trusted), or None where it is
    not one (:func:`read_notebook` says why)."""
    return _parse(path)[0]


def read_notebook(
    path: Path, test_cell_ids: set[str], written_ids: frozenset[str] = frozenset()
) -> ReadNotebook:
    """Read a submitted notebook as data and keep the code cells that are not test cells.

    The notebook is parsed as plain JSON (never executed or trusted): a file that is not JSON or
    not a notebook gives ``error``. Its outputs (plots included) count only toward the limit
    on the file's size, :data:`MAX_NOTEBOOK_BYTES`; its code toward :data:`MAX_CODE_BYTES`. An
    nbformat 3 notebook is converted with nbformat's own upgrade. Test cells (by the source's
    ids, or marked as such) are dropped: the grader scores by its own checks. Edited or deleted
    test cells are reported in ``notes`` (nbgrader's checksums) but change nothing. Of the
    written answers ``written_ids`` (the source's manually graded cells), ``written`` says which
    were answered, as nbgrader decides it (:func:`~autograder.nbgrader_cells.answered`).
    """
    nb, error, notes = _parse(path)
    if nb is None:
        return ReadNotebook([], [], error)
    cells: list[tuple[int, str]] = []
    seen: set[str] = set()
    edited_ids: list[str] = []
    written: dict[str, bool] = {}
    code_bytes = 0
    for index, cell in enumerate(nb["cells"]):
        written_id = clean(cells_.grade_id(cell)) if isinstance(cell, dict) else ""
        if written_id in written_ids and written_id not in written:
            written[written_id] = cells_.answered(cell)
        if not cells_.is_code(cell):
            continue
        grade_id = clean(cells_.grade_id(cell))
        if grade_id in test_cell_ids or cells_.is_test_cell(cell):
            seen.add(grade_id)
            if cells_.edited(cell):
                edited_ids.append(grade_id)
            continue
        source = clean(cells_.cell_source(cell))
        code_bytes += len(source.encode("utf-8"))
        cells.append((index, source))
    if code_bytes > MAX_CODE_BYTES:
        return ReadNotebook(
            [],
            notes,
            f"the notebook's code cells hold {code_bytes:,} bytes, over the limit of"
            f" {MAX_CODE_BYTES:,} (outputs do not count)",
        )
    if edited_ids:
        notes.append(
            "test cells edited (ignored: the grader's checks score): " + listing(edited_ids)
        )
    missing = sorted(test_cell_ids - seen)
    if missing:
        notes.append("test cells deleted (ignored: the grader's checks score): " + listing(missing))
    return ReadNotebook(cells, notes, written=written)
