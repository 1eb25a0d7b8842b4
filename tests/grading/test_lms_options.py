"""The LMS files' details: SIS ids from the roster, blank grades for work never handed in, the
Moodle worksheet in the site's language, names nbgrader's export keeps aligned, and the outputs
of the README's workflow kept out of git.

Moodle's importer (``mod/assign/feedback/offline/importgradeslib.php``) finds its columns by
comparing each header with ``get_string('gradenoun')``, ``get_string('recordid', 'assign')`` and
``get_string('lastmodifiedgrade', 'assign')`` in the importing user's language, reads the
participant id after ``get_string('hiddenuser', 'assign')``, and skips a row whose grade is
blank. The strings below are those of Moodle's language packs (4.5), written out here so that
the test does not read them from the code it checks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from grading_support import grade_toy, require_bubblewrap

from autograder.grading.lms import LmsOptions, write_moodle
from autograder.grading.outputs import gradebook_names
from autograder.grading.results import StudentResult

REPO = Path(__file__).resolve().parents[2]
#: (gradenoun, recordid, lastmodifiedgrade, hiddenuser, feedback comments) by language.
MOODLE = {
    "en": ("Grade", "Identifier", "Last modified (grade)", "Participant ", "Feedback comments"),
    "de": (
        "Bewertung",
        "ID",
        "Zuletzt geändert (Bewertung)",
        "Teilnehmer/in",
        "Feedback als Kommentar",
    ),
    "es": (
        "Calificación",
        "Identificador",
        "Última modificación (calificación)",
        "Participante",
        "Comentarios de retroalimentación",
    ),
    "fr": (
        "Note",
        "Identifiant",
        "Dernière modification (note)",
        "Participant",
        "Feedback par commentaires",
    ),
}


def _canvas_zip(path: Path, notebooks: dict[str, dict]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for user_id, nb in notebooks.items():
            z.writestr(f"student{user_id}_{user_id}_9{user_id}_toy.ipynb", json.dumps(nb))
    return path


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_canvas_sis_ids_from_the_roster_and_blank_for_work_never_handed_in(
    student_notebook, tmp_path
):
    require_bubblewrap()
    download = _canvas_zip(
        tmp_path / "canvas.zip", {"11": student_notebook(), "12": student_notebook()}
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        '"Doe, Jane",11,S-0011,jdoe,Lab A\n'
        '"Roe, Rick",12,S-0012,rroe,Lab B\n'
        '"Poe, Edgar",13,S-0013,epoe,Lab A\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    grade_toy(
        download, out, roster=roster, similarity_threshold=None, lms=LmsOptions(roster=roster)
    )
    rows = {r["ID"]: r for r in _read(out / "lms" / "toy-canvas-grades.csv") if r["ID"]}
    assert (rows["11"]["SIS User ID"], rows["11"]["SIS Login ID"], rows["11"]["Section"]) == (
        "S-0011",
        "jdoe",
        "Lab A",
    )
    assert rows["12"]["SIS Login ID"] == "rroe"
    assert rows["11"]["toy"] == "7" and rows["13"]["toy"] == ""  # 13 handed in nothing
    grade_toy(
        download,
        out,
        roster=roster,
        similarity_threshold=None,
        lms=LmsOptions(roster=roster, missing_as_zero=True),
    )
    rows = {r["ID"]: r for r in _read(out / "lms" / "toy-canvas-grades.csv") if r["ID"]}
    assert rows["13"]["toy"] == "0"


@pytest.mark.parametrize("language", sorted(MOODLE))
def test_the_moodle_worksheet_speaks_the_sites_language(tmp_path, language):
    from autograder.grading.assignment import Assignment

    grade, record, modified, participant, comments = MOODLE[language]
    assignment = Assignment("toy", [], {})
    rows = [
        StudentResult("101", score=5.0, max_score=7.0, name="Ana Ruiz"),
        StudentResult("102", max_score=7.0, name="Bo Li", status="no submission"),
    ]
    (worksheet, _) = write_moodle(tmp_path, assignment, rows, LmsOptions(moodle_language=language))
    header, *records = list(csv.reader(io.StringIO(worksheet.read_text(encoding="utf-8"))))
    # the importer's init(): every column it needs is found, or the import is refused
    index = {name: header.index(name) for name in (grade, record, modified)}
    assert comments in header
    found = {}
    for row in records:
        identifier = row[index[record]]
        assert identifier.startswith(participant)
        found[identifier[len(participant) :]] = row[index[grade]]
    assert found == {"101": "5", "102": ""}  # a blank grade: the importer skips the row


def test_an_unknown_moodle_language_is_refused(tmp_path):
    from autograder.grading.assignment import Assignment

    with pytest.raises(ValueError, match="de, en, es, fr"):
        write_moodle(tmp_path, Assignment("toy", [], {}), [], LmsOptions(moodle_language="xx"))


def test_last_first_names_keep_nbgrader_export_aligned(student_notebook, tmp_path):
    require_bubblewrap()
    names = {"alice": "Doe, Jane", "bob": "Smith, Jr., John", "carol": "O'Neil\nMary, Ann"}
    submitted = tmp_path / "submitted"
    for student in names:
        path = submitted / student / "toy" / "toy.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(student_notebook()), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "name"])
        writer.writerows(names.items())
    out = tmp_path / "grades" / "toy"
    grade_toy(submitted, out, roster=roster, similarity_threshold=None)
    # the README's command, run where the README runs it
    command = _readme_export_command().replace("05-activations", "toy")
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        command, shell=True, cwd=tmp_path, capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    exported = (out / "nbgrader-grades.csv").read_text(encoding="utf-8").splitlines()
    header = exported[0].split(",")
    for line in exported[1:]:
        assert len(line.split(",")) == len(header), line  # nbgrader writes fields unquoted
    rows = {r["student_id"]: r for r in csv.DictReader(exported)}
    assert (rows["alice"]["last_name"], rows["alice"]["first_name"]) == ("Doe", "Jane")
    assert rows["bob"]["last_name"] == "Smith Jr. John"
    assert (rows["carol"]["last_name"], rows["carol"]["first_name"]) == ("O'Neil Mary", "Ann")
    assert float(rows["alice"]["score"]) == 7.0
    assert gradebook_names(StudentResult("x", name="Ng, Lee")) == ("Lee", "Ng")


def _readme_export_command() -> str:
    """The README's command that exports the grader's gradebook with nbgrader."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("nbgrader export --db")]
    return line.split("#")[0].strip()


def test_the_documented_outputs_are_ignored_by_git():
    paths = ["grades.csv", "grades/05-activations/grades.csv", "grades/05-activations/gradebook.db"]
    done = subprocess.run(["git", "check-ignore", *paths], cwd=REPO, capture_output=True, text=True)
    assert done.stdout.split() == paths
