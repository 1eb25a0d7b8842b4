"""Finding submissions (nbgrader layout, Canvas and Moodle downloads) and reading notebooks."""

from __future__ import annotations

import json
import zipfile

import pytest

from autograder.grading.submissions import read_download, read_notebook, safe_id


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_nbgrader_layout(tmp_path):
    for student in ("alice", "bob"):
        (tmp_path / student / "toy").mkdir(parents=True)
        (tmp_path / student / "toy" / "toy.ipynb").write_text("{}")
    (tmp_path / "carol" / "other").mkdir(parents=True)
    (tmp_path / "carol" / "other" / "toy.ipynb").write_text("{}")  # another assignment
    download = read_download(tmp_path, tmp_path / "unused", "toy", ["toy"])
    found = {s.student_id: s for s in download.submissions}
    assert sorted(found) == ["alice", "bob"]
    assert found["alice"].notebooks["toy"] == tmp_path / "alice" / "toy" / "toy.ipynb"


def test_canvas_download_zip(tmp_path):
    archive = tmp_path / "submissions.zip"
    _zip(
        archive,
        {
            "doejohn_12345_67890_toy.ipynb": b"{}",
            "smithjane_late_222_333_toy-1.ipynb": b"{}",
            "__MACOSX/._doejohn_12345_67890_toy.ipynb": b"junk",
            "../escape.ipynb": b"{}",
            "/absolute.ipynb": b"{}",
            "notes.txt": b"not a notebook",
        },
    )
    download = read_download(archive, tmp_path / "extracted", "toy", ["toy"])
    assert not (tmp_path / "escape.ipynb").exists()
    # only the notebooks chosen for grading are extracted, under names of the grader's making
    assert sorted(p.name for p in (tmp_path / "extracted").iterdir()) == [
        "000001.ipynb",
        "000002.ipynb",
    ]
    found = {s.student_id: s for s in download.submissions}
    assert sorted(found) == ["12345", "222"]  # Canvas user ids, not names
    assert found["12345"].name == "doejohn"
    assert found["222"].file_names["toy"] == "toy-1.ipynb"
    assert found["222"].late and not found["12345"].late
    assert download.unattributed == []


def test_moodle_download_folders(tmp_path):
    archive = tmp_path / "moodle.zip"
    _zip(
        archive,
        {
            "Jane Doe_123456_assignsubmission_file_/toy.ipynb": b"{}",
            "John Smith_654321_assignsubmission_file_toy.ipynb": b"{}",
        },
    )
    download = read_download(archive, tmp_path / "x", "toy", ["toy"])
    found = {s.student_id: s.name for s in download.submissions}
    assert found == {"123456": "Jane Doe", "654321": "John Smith"}


def test_not_a_zip_says_so(tmp_path):
    path = tmp_path / "class.zip"
    path.write_bytes(b"PK but not really")
    with pytest.raises(ValueError, match="not a zip file"):
        read_download(path, tmp_path / "x", "toy", ["toy"])


def test_student_ids_cannot_name_other_folders():
    assert safe_id("../../etc") == "etc"
    assert "/" not in safe_id("a/b") and safe_id("") == "unknown"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"cells": [', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "not a notebook"),
        (b'{"cells": "no"}', "not a notebook"),
    ],
)
def test_unreadable_notebooks_have_a_reason(tmp_path, content, reason):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    read = read_notebook(path, {"test_a"})
    assert read.cells == [] and reason in read.error


def test_test_cells_are_never_run_and_tampering_is_reported(released, tmp_path):
    nb = json.loads(released.read_text())
    test_ids = {
        c["metadata"]["nbgrader"]["grade_id"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    }
    edited = next(c for c in nb["cells"] if c["metadata"]["nbgrader"].get("grade"))
    edited["source"] = "pass"
    nb["cells"] = [
        c for c in nb["cells"] if c["metadata"]["nbgrader"].get("grade_id") != "test_softmax"
    ]
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(nb))
    read = read_notebook(path, test_ids)
    sources = [source for _, source in read.cells]
    assert not any("check(" in source for source in sources)
    assert any("def relu_forward" in source for source in sources)
    assert any("edited" in note for note in read.notes)
    assert any("deleted" in note and "test_softmax" in note for note in read.notes)
