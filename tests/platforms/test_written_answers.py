"""Written answers graded by hand: from the notebook to nbgrader's gradebook (as formgrader reads
it), to ``grades.csv`` once a person has scored them, and to one PDF per student.

Every assignment asks a written question as an nbgrader "Manually graded answer" (a markdown
cell marked ``grade`` and ``solution``, with points). ``autograder grade`` leaves it to a person
where it was answered and scores it 0 where it was left as released, as ``nbgrader autograde``
does; formgrader's score (its API sets ``manual_score``) joins the automatic points.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from platform_support import ASSIGNMENT, REPO, notebook, written

from autograder.grading.assignment import load_assignment, load_registry
from autograder.grading.grade import grade_class
from autograder.grading.sandbox.isolation import detect_isolation
from autograder.nbgrader_cells import ensure_scripts_on_path

ARTIFACTS = REPO / "test-artifacts" / "platforms"
ANSWER = "Each sigmoid layer multiplies the gradient by at most 1/4."
HTML_ANSWER = "It vanishes. <script>document.title='x'</script><img src=/etc/passwd>"


def _figure() -> str:
    """A real plot, as a notebook stores it: base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(3, 2), layout="tight")
    ax.plot(np.linspace(-6, 6, 50), 1 / (1 + np.exp(-np.linspace(-6, 6, 50))))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _with_outputs(nb: dict) -> dict:
    """``nb`` with a student's plot in its last code cell, and outputs no person should be shown:
    an "image" that is not one, and an SVG with a script."""
    cell = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    cell["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": _figure()}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "bm90IGEgcG5n"}},
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/svg+xml": "<svg><script>alert(1)</script></svg>"},
        },
    ]
    return nb


@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> Path:
    """nbgrader's submitted/ layout: an answer and a plot, a blank answer, an answer with HTML,
    and a notebook whose answer cell was deleted."""
    root = tmp_path_factory.mktemp("written") / "submitted"

    def put(student: str, nb: dict) -> None:
        path = root / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb), encoding="utf-8")

    put("alice", _with_outputs(notebook("honest")))
    put("bob", notebook("buggy"))
    put("carol", written(notebook("honest"), HTML_ANSWER))
    deleted = notebook("honest")
    deleted["cells"] = [
        c
        for c in deleted["cells"]
        if not c["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("written-")
    ]
    put("dave", deleted)
    return root


@pytest.fixture(scope="module")
def graded(submitted, tmp_path_factory) -> Path:
    """The class graded into ``grades/05-activations``, as the README grades it."""
    if detect_isolation().bwrap is None:
        pytest.skip("bubblewrap cannot create namespaces here")
    out = tmp_path_factory.mktemp("course") / "grades" / ASSIGNMENT
    grade_class(
        ASSIGNMENT, submitted, out, workers=2, similarity_threshold=None, log=lambda line: None
    )
    return out


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _api(out: Path):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    ensure_scripts_on_path()
    config = Config()
    config.CourseDirectory.root = str(out)  # formgrader run in OUT: gradebook.db is its default
    return NbGraderAPI(config=config)


def test_every_assignment_asks_a_written_question():
    for source in sorted((REPO / "solutions").iterdir()):
        assignment = load_assignment(source.name, load_registry(), source)
        assert assignment.written_points > 0, source.name
        for nb in assignment.notebooks:
            for cell in nb.written:
                assert cell.question.strip() and cell.points > 0, (source.name, cell.grade_id)
        released = nbformat.read(REPO / "exercises" / source.name / f"{source.name}.ipynb", 4)
        answers = [
            c
            for c in released.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("written-")
        ]
        assert answers and all(c.source == "YOUR ANSWER HERE" for c in answers), source.name
        assert all(c.metadata["nbgrader"].get("checksum") for c in answers)


def test_formgrader_lists_the_answers_that_await_a_person(graded):
    submissions = {
        s["student"]: s for s in _api(graded).get_notebook_submissions(ASSIGNMENT, ASSIGNMENT)
    }
    assert set(submissions) == {"alice", "bob", "carol", "dave"}
    assert submissions["alice"]["needs_manual_grade"] is True
    assert submissions["carol"]["needs_manual_grade"] is True
    assert submissions["bob"]["needs_manual_grade"] is False  # left as released: 0, as nbgrader
    assert submissions["dave"]["needs_manual_grade"] is False  # deleted: 0
    assert submissions["alice"]["max_score"] == 12.0
    # formgrader shows the notebook it finds in autograded/: the answer, made safe
    shown = nbformat.read(graded / "autograded" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    (answer,) = [
        c
        for c in shown.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "written-saturation"
    ]
    assert "&lt;script>" in answer.source and "<script>" not in answer.source
    alice = nbformat.read(graded / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    kinds = [
        set(o.get("data", {})) for c in alice.cells if c.cell_type == "code" for o in c.outputs
    ]
    assert {"image/png"} in kinds and not any("image/svg+xml" in k for k in kinds)


def test_grades_csv_adds_a_persons_score_once_given(graded, submitted):
    rows = _rows(graded)
    assert (rows["alice"]["score"], rows["alice"]["max_score"]) == ("10", "12")
    assert rows["alice"]["manual_status"] == "awaiting manual grading (1 answer)"
    assert rows["alice"]["manual_score"] == "" and rows["alice"]["manual_max"] == "2"
    assert (rows["bob"]["manual_status"], rows["bob"]["manual_score"]) == ("not answered", "0")
    assert "written answers deleted (0 points): written-saturation" in rows["dave"]["reason"]
    # a grader scores alice's answer in formgrader (what its API does to the gradebook)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gb:
        grade = gb.find_grade("written-saturation", ASSIGNMENT, ASSIGNMENT, "alice")
        assert (grade.auto_score, grade.max_score) == (None, 2.0)
        grade.manual_score = 1.5
        grade.needs_manual_grade = False
        gb.db.commit()
    grade_class(
        ASSIGNMENT, submitted, graded, workers=2, similarity_threshold=None, log=lambda line: None
    )
    rows = _rows(graded)
    assert (rows["alice"]["score"], rows["alice"]["raw_score"]) == ("11.5", "11.5")
    assert (rows["alice"]["manual_score"], rows["alice"]["manual_status"]) == (
        "1.5",
        "graded by hand",
    )
    page = (graded / "feedback" / "alice" / f"{ASSIGNMENT}.html").read_text()
    assert "1.5 / 2" in page
    # nbgrader's own export of the grader's gradebook agrees
    export = graded / "nbgrader-export.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "export",
            "--db",
            f"sqlite:///{graded / 'gradebook.db'}",
            "--to",
            str(export),
        ],
        check=True,
        capture_output=True,
        cwd=graded,
    )
    with open(export, newline="") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(exported["alice"]["score"]) == 11.5
    assert float(exported["alice"]["max_score"]) == 12.0


def test_a_pdf_per_student_of_the_answers_and_figures(submitted, tmp_path):
    from pypdf import PdfReader

    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    out = tmp_path / "pdfs"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "export",
            "pdf",
            ASSIGNMENT,
            str(submitted),
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "alice.pdf",
        "bob.pdf",
        "carol.pdf",
        "dave.pdf",
    ]
    alice = PdfReader(out / "alice.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in alice.pages)
    assert "The sigmoid's derivative" in text  # the question, from the source
    assert ANSWER in text
    images = [image for page in alice.pages for image in page.images]
    assert len(images) == 1  # the plot; the fake PNG and the SVG are not shown
    carol = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out / "carol.pdf").pages)
    assert "<script>document.title='x'</script>" in carol  # shown as text, never run
    dave = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out / "dave.pdf").pages)
    assert "The answer cell was deleted." in dave
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out / "alice.pdf", ARTIFACTS / "written-answers-alice.pdf")
