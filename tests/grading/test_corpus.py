"""A class of honest and hostile submissions graded in one batch, per assignment.

One hostile student per attack (see ``hostile_corpus.py``): none earns more than its code would without
the attack, honest students get exactly their marks, the instructor's files and the gradebook
are unchanged, no connection reaches the test's listener, and every student has a row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest
from classroom import make_submission, release
from grading_support import FIXTURES, SOURCE, TEST_LIMITS, require_bubblewrap
from hostile_corpus import CORPUS

from autograder.grading.assignment import load_assignment, load_registry
from autograder.grading.grade import grade_class
from autograder.grading.outputs import open_gradebook

REPO = Path(__file__).resolve().parents[2]
#: Every test here reads a class of the whole corpus, graded once per target: slow.
pytestmark = pytest.mark.slow


class Listener(threading.Thread):
    """A TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections: list[tuple] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, address = self.server.accept()
            except OSError:
                continue
            self.connections.append(address)
            conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.server.close()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


#: The assignments the corpus is graded on: the course's activations exercise, and the toy one
#: (whose checks live in the tests, so the corpus still runs if the course's change).
TARGETS = {
    "05-activations": (REPO / "solutions" / "05-activations", "autograder.checks"),
    "toy": (SOURCE, "toy_checks"),
}


class Class:
    """One assignment's class: the released notebook, and solutions to build submissions from."""

    def __init__(self, name: str, course: Path, source: Path, registry: str, paths: dict):
        self.name, self.course, self.source, self.registry = name, course, source, registry
        self.paths = paths
        notebooks = sorted(source.glob("*.ipynb"))
        assert len(notebooks) == 1, notebooks
        self.notebook = notebooks[0].name
        self.released = course / "release" / name / self.notebook
        self.assignment = load_assignment(name, load_registry(registry), source)

    def complete(self) -> dict:
        return make_submission(self.released, self.source / self.notebook)

    def blank(self) -> dict:
        return make_submission(self.released, self.source / self.notebook, blank=True)

    def expected(self, broken: tuple[str, ...]) -> float:
        """Every automatic point (the written answers, left as released, score 0) less the
        points of the test cells that check a broken function."""
        cells = [cell for nb in self.assignment.notebooks for cell in nb.grade_cells]
        lost = sum(
            cell.points for cell in cells if "*" in broken or set(cell.functions) & set(broken)
        )
        return self.assignment.max_score - self.assignment.written_points - lost


@pytest.fixture(scope="module", params=list(TARGETS))
def graded(request, tmp_path_factory):
    """Grade the corpus once per assignment; return the paths, the listener and the results."""
    require_bubblewrap()
    name = request.param
    source, registry = TARGETS[name]
    base = tmp_path_factory.mktemp(f"corpus-{name}")
    course = base / "instructor"
    release(source, name, course)
    submissions, out = base / "submissions", base / "out"
    # the instructor's files the attacks go after
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    (course / "grades.csv").write_text("student_id,score\n")
    shutil.copy(FIXTURES / "toy_checks.py", course / "checks.py")
    listener = Listener()
    listener.start()
    paths = {
        "instructor_parent": str(base),
        "instructor_gradebook": str(course / "gradebook.db"),
        "instructor_csv": str(course / "grades.csv"),
        "out_gradebook": str(out / "gradebook.db"),
        "out_csv": str(out / "grades.csv"),
        "source_notebook": str(course / "source" / name / source.glob("*.ipynb").__next__().name),
        "config": str(course / "nbgrader_config.py"),
        "registry": str(course / "checks.py"),
        "port": listener.port,
    }
    cls = Class(name, course, source, registry, paths)
    for entry in CORPUS:
        notebook = entry.build(cls)
        path = submissions / entry.student / name / cls.notebook
        path.parent.mkdir(parents=True)
        if isinstance(notebook, dict):
            notebook = json.dumps(notebook)
        if isinstance(notebook, str):
            notebook = notebook.encode()
        path.write_bytes(notebook)
    before = _hashes(course)
    try:
        result = grade_class(
            name,
            submissions,
            out,
            registry=registry,
            source_dir=source,
            workers=2,
            limits=TEST_LIMITS,
            log=lambda line: None,
        )
    finally:
        listener.stop()
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    return {
        "class": cls,
        "course": course,
        "out": out,
        "before": before,
        "listener": listener,
        "result": result,
        "rows": rows,
    }


def test_every_student_has_exactly_one_row(graded):
    assert sorted(graded["rows"]) == sorted(entry.student for entry in CORPUS)


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.student for entry in CORPUS])
def test_score_is_what_the_code_earns_without_the_attack(graded, entry):
    cls = graded["class"]
    row = graded["rows"][entry.student]
    assert float(row["score"]) == pytest.approx(cls.expected(entry.broken)), (entry.attack, row)
    assert float(row["max_score"]) == cls.assignment.max_score
    assert row["status"] == entry.status, row


def test_gradebook_holds_the_same_scores(graded):
    cls = graded["class"]
    gb = open_gradebook(graded["out"] / "gradebook.db", cls.assignment)
    try:
        scores = {s.student.id: s.score for s in gb.find_assignment(cls.name).submissions}
        tables = set(
            gb.db.connection()
            .exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            .scalars()
        )
    finally:
        gb.close()
    assert scores == pytest.approx({e.student: cls.expected(e.broken) for e in CORPUS})
    assert "owned" not in tables


def test_instructor_files_are_unchanged(graded):
    assert _hashes(graded["course"]) == graded["before"]


def test_no_connection_reached_the_listener(graded):
    assert graded["listener"].connections == []


def test_feedback_is_small_and_reveals_no_hidden_test(graded):
    pages = sorted((graded["out"] / "feedback").glob(f"*/{graded['class'].name}.html"))
    assert len(pages) == len(CORPUS)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert len(text) < 64_000, page
        assert "BEGIN HIDDEN TESTS" not in text, page
        assert "BEGIN SOLUTION" not in text, page


def test_reasons_say_what_happened(graded):
    rows = graded["rows"]
    page = f"{graded['class'].name}.html"
    feedback = graded["out"] / "feedback"
    assert "calls nnlib" in (feedback / "import_reference" / page).read_text()
    assert "calls autograder" in (feedback / "use_autograder" / page).read_text()
    assert "time limit" in rows["loop_forever"]["reason"]
    assert "ended the process" in rows["exit_cell"]["reason"]
    assert "edited" in rows["edit_tests"]["reason"]
    assert "deleted" in rows["delete_tests"]["reason"]
    assert "not valid JSON" in rows["truncated"]["reason"]
    assert "not a notebook" in rows["not_notebook"]["reason"]
    assert "time limit" in (feedback / "loop_in_function" / page).read_text()
    assert "relu_forward calls nnlib" in rows["import_reference"]["reason"]
    assert "relu_backward ran past the time limit" in rows["loop_in_function"]["reason"]
    assert "softmax ended the process" in rows["exit_in_function"]["reason"]
