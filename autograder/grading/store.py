"""Incremental grading: each student's result kept under a key of everything it depends on.

A submission's result depends on its notebooks' bytes, the assignment's source notebooks, the
grader's code (checks, runner, nnlib), the course secret and the limits. :func:`content_key`
hashes all of them; :class:`ResultStore` keeps one JSON file per student under
``OUT/results/<assignment>/``, written atomically (a temporary file, then a rename) the moment
the student is graded. A rerun reuses every stored result whose key is unchanged, so a batch
stopped by Ctrl-C, a SIGKILL or a dead worker resumes where it stopped: a student is one file,
keyed by the student id, so nothing is lost and nothing is counted twice.

Stored results are the grader's own records (from its own judging, never from a student's
process), read back as plain JSON.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from autograder.grading.results import CaseVerdict, FunctionScore, StudentResult
from autograder.outcomes import Outcome

if TYPE_CHECKING:
    from autograder.grading.assignment import Assignment
    from autograder.grading.sandbox.isolation import Limits
    from autograder.grading.submissions import Submission

#: Version of the stored format; a change regrades everything.
STORE_VERSION = 1

#: Packages whose source is part of every key: what grades a submission.
GRADER_PACKAGES = ("autograder", "nnlib")


@functools.cache
def grader_version() -> str:
    """A hash of the grader's Python source (the checks, the runner, nnlib)."""
    import importlib

    digest = hashlib.sha256()
    for package in GRADER_PACKAGES:
        root = Path(importlib.import_module(package).__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_version(assignment: Assignment) -> str:
    """A hash of the assignment's source notebooks (their grade cells and points)."""
    digest = hashlib.sha256(assignment.name.encode() + b"\0")
    if assignment.source_dir is not None and assignment.source_dir.is_dir():
        for path in sorted(assignment.source_dir.rglob("*.ipynb")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for nb in assignment.notebooks:
        for cell in nb.grade_cells:
            digest.update(f"{nb.name}/{cell.grade_id}/{cell.points}/{cell.calls}\0".encode())
    # the checks' own modules, wherever the registry lives (the course's are in the grader's)
    files = set()
    for check in assignment.checks.values():
        with contextlib.suppress(TypeError, OSError):
            files.add(inspect.getsourcefile(type(check)))
    for path in sorted(f for f in files if f):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def content_key(
    submission: Submission,
    assignment: Assignment,
    fingerprint: str,
    limits: Limits,
    versions: str | None = None,
) -> str:
    """The key of a submission's result: it changes when anything the result depends on does.

    ``versions`` is :func:`grader_version` and :func:`source_version` joined, when the caller
    has computed them once for a whole class.
    """
    digest = hashlib.sha256(f"autograder result v{STORE_VERSION}\0".encode())
    digest.update((versions or grader_version() + source_version(assignment)).encode())
    digest.update(f"{fingerprint}\0{limits!r}\0".encode())
    for nb in assignment.notebooks:
        path = submission.notebooks.get(nb.name)
        digest.update(nb.name.encode() + b"\0")
        digest.update(path.read_bytes() if path is not None else b"<none>")
        digest.update(b"\0")
    digest.update(json.dumps(sorted(submission.other_files)).encode())
    # what the download says of the student beside the files: names, notebooks not graded
    digest.update(json.dumps([submission.notes, sorted(submission.unreadable.items())]).encode())
    return digest.hexdigest()


def result_to_dict(result: StudentResult) -> dict:
    """A JSON-ready copy of ``result`` (outcomes as their values)."""
    data = asdict(result)
    for fs in data["functions"]:
        fs["kind"] = fs["kind"].value if fs["kind"] is not None else None
        for verdict in fs["verdicts"]:
            verdict["kind"] = verdict["kind"].value
    return data


def result_from_dict(data: dict) -> StudentResult:
    """The :class:`StudentResult` that :func:`result_to_dict` wrote."""
    functions = []
    for fs in data.get("functions", []):
        verdicts = [
            CaseVerdict(**{**v, "kind": Outcome(v["kind"])}) for v in fs.get("verdicts", [])
        ]
        kind = Outcome(fs["kind"]) if fs.get("kind") else None
        functions.append(FunctionScore(**{**fs, "verdicts": verdicts, "kind": kind}))
    return StudentResult(**{**data, "functions": functions})


class Entry(NamedTuple):
    """A stored student: the key graded under, the result as graded, and the row as last
    written (with its late penalty and identity)."""

    key: str
    result: StudentResult
    row: StudentResult


def _file_name(student_id: str) -> str:
    """A student's file: a hash of the id, never the id itself (it comes from a submission)."""
    return hashlib.sha256(student_id.encode()).hexdigest()[:32] + ".json"


class ResultStore:
    """The stored results of one assignment in one output folder, one file per student."""

    def __init__(self, out: Path, assignment: str) -> None:
        self.root = out / "results" / hashlib.sha256(assignment.encode()).hexdigest()[:16]
        self.assignment = assignment

    def entries(self) -> dict[str, Entry]:
        """Every stored student by id. Unreadable files are skipped (graded again)."""
        found: dict[str, Entry] = {}
        if not self.root.is_dir():
            return found
        for path in sorted(self.root.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("assignment") != self.assignment:
                    continue
                result = result_from_dict(data["result"])
                row = result_from_dict(data["row"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not a file this grader wrote: that student is graded again
            found[result.student_id] = Entry(data["key"], result, row)
        return found

    def save(self, key: str, result: StudentResult, row: StudentResult) -> None:
        """Store ``result`` and ``row`` under ``key``, atomically: a reader sees the old file
        or the new one, never a part."""
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "assignment": self.assignment,
            "key": key,
            "result": result_to_dict(result),
            "row": result_to_dict(row),
        }
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        try:
            # no fsync: a killed grader loses nothing written (the page cache survives it), and
            # a file a power cut leaves empty is unreadable, so that student is graded again
            # json.dumps encodes in C at once; json.dump writes piece by piece from Python
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(data))
            os.replace(tmp, self.root / _file_name(result.student_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_meta(self, assignment: Assignment) -> None:
        """What ``grades.csv`` needs of the assignment: its graded functions and points."""
        self.root.mkdir(parents=True, exist_ok=True)
        meta = {
            "assignment": assignment.name,
            "max_score": assignment.max_score,
            "functions": [fn for nb in assignment.notebooks for fn in nb.functions],
        }
        path, text = self.root / "assignment.json", json.dumps(meta)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:  # a rerun: as it was
            path.write_text(text, encoding="utf-8")


def stored_assignments(out: Path) -> list[dict]:
    """Every assignment graded into ``out``: its name, max score and functions, by name."""
    metas = []
    for path in sorted((out / "results").glob("*/assignment.json")):
        try:
            metas.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(metas, key=lambda m: m["assignment"])
