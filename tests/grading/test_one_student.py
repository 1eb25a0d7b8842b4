"""One student's failure is that student's alone: what a submission names, says or holds never
stops the batch, never reaches another student's row, and never breaks a file the grader writes.

Each class mixes honest students with the ones that used to sink a batch: an exception whose
message is a lone surrogate, a folder name in Latin-1, a 510 MB attachment, a corrupt member,
10,000 tiny files, a Moodle name that claims another participant's id, a notebook heavy with
plots, and one in nbformat 3.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import sqlite3
import zipfile

import nbformat
import pytest
from grading_support import grade_toy, write_submission

from autograder.grading.text import CELL_CHARS

WRONG_RELU = {"relu_forward": "def relu_forward(z):\n    return -z, z\n"}
SURROGATE = {"softmax": "def softmax(z):\n    raise ValueError('\\ud800 and \\udfff')\n"}


def _rows(out) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _pages(out) -> dict[str, str]:
    return {
        page.parent.name: page.read_text(encoding="utf-8")
        for page in (out / "feedback").glob("*/toy.html")
    }


def _with_plots(nb: dict, megabytes: int) -> dict:
    """The notebook with ``megabytes`` of PNG output on its first code cell."""
    picture = base64.b64encode(os.urandom(megabytes * 2**20 * 3 // 4)).decode()
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [
        {"output_type": "display_data", "data": {"image/png": picture}, "metadata": {}}
    ]
    return nb


@pytest.mark.slow
def test_texts_names_and_notebooks_that_used_to_sink_the_batch(student_notebook, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    write_submission(root, "honest", student_notebook())
    write_submission(root, "surrogate", student_notebook(SURROGATE))
    latin = os.fsencode(root) + b"/caf\xe9/toy/toy.ipynb"  # as unzip writes a legacy zip's name
    os.makedirs(os.path.dirname(latin))
    with open(latin, "w", encoding="utf-8") as f:
        json.dump(student_notebook(), f)
    write_submission(root, "plots", _with_plots(student_notebook(), 25))
    old = nbformat.convert(nbformat.reads(json.dumps(student_notebook()), as_version=4), 3)
    write_submission(root, "nbformat3", nbformat.writes(old, version=3))

    result = grade_toy(root, out, similarity_threshold=None)
    rows = _rows(out)
    assert {k: (v["status"], float(v["score"])) for k, v in rows.items()} == {
        "honest": ("graded", 7.0),
        "surrogate": ("graded", 4.0),  # softmax raised: its 3 points, nothing else
        "caf\\xe9": ("graded", 7.0),  # the byte kept readable, the student distinct
        "plots": ("graded", 7.0),  # 25 MB of plots: outputs do not count toward the code limit
        "nbformat3": ("graded", 7.0),
    }
    assert "not UTF-8" in rows["caf\\xe9"]["reason"]
    assert not any("not UTF-8" in row["reason"] for k, row in rows.items() if k != "caf\\xe9")
    assert "nbformat 3: converted" in rows["nbformat3"]["reason"]
    pages = _pages(out)
    assert set(pages) == {"honest", "surrogate", "caf-xe9", "plots", "nbformat3"}
    assert all(len(page) > 500 for page in pages.values())
    assert "\ufffd and \ufffd" in pages["surrogate"]  # the message, made valid
    with sqlite3.connect(out / "gradebook.db") as db:
        assert sorted(r[0] for r in db.execute("select id from student")) == sorted(rows)
    # a rerun reads back what was stored, and rewrites nothing
    again = grade_toy(root, out, similarity_threshold=None)
    assert (again.graded, again.reused) == (0, 5)
    assert _pages(out) == pages
    assert len(result.results) == 5


def _corrupt(archive, member: str) -> None:
    """Flip a byte of a stored member's data: the zip's directory is intact, its CRC is not."""
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo(member)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10] ^= 0xFF
    archive.write_bytes(bytes(data))


@pytest.mark.slow
def test_an_oversize_or_odd_file_marks_its_owner_only(student_notebook, tmp_path):
    """A 510 MB notebook, a 510 MB attachment (each about 0.5 MB zipped), a corrupt member and
    10,000 tiny files, in one Canvas zip beside an honest student."""
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("honest_1_10_toy.ipynb", json.dumps(student_notebook()))
        z.writestr("corrupt_2_20_toy.ipynb", json.dumps(student_notebook()), zipfile.ZIP_STORED)
        with z.open("huge_3_30_toy.ipynb", "w", force_zip64=True) as member:
            block = b" " * 2**20
            for _ in range(510):  # 510 MB of white space, about 0.5 MB in the zip
                member.write(block)
        z.writestr("tiny_4_40_toy.ipynb", json.dumps(student_notebook(WRONG_RELU)))
        z.writestr("data_5_50_toy.ipynb", json.dumps(student_notebook()))
        with z.open("data_5_50_weights.bin", "w", force_zip64=True) as member:
            for _ in range(510):  # an attachment that is never extracted
                member.write(block)
        for i in range(10_000):
            z.writestr(f"tiny_4_40_note{i:05d}.txt", b"x")
    assert archive.stat().st_size < 8 * 2**20
    _corrupt(archive, "corrupt_2_20_toy.ipynb")

    grade_toy(archive, tmp_path / "out", similarity_threshold=None)
    rows = _rows(tmp_path / "out")
    assert {k: (v["status"], float(v["score"])) for k, v in rows.items()} == {
        "1": ("graded", 7.0),
        "2": ("invalid", 0.0),
        "3": ("invalid", 0.0),
        "4": ("graded", 5.0),
        "5": ("graded", 7.0),
    }
    assert "also handed in, not graded: weights.bin" in rows["5"]["reason"]
    assert "cannot be read (BadZipFile: Bad CRC-32" in rows["2"]["reason"]
    assert "toy.ipynb is 534,773,760 bytes, over the 256 MiB" in rows["3"]["reason"]
    # 10,000 files named: a cell a spreadsheet holds, that says how many more there are
    reason = rows["4"]["reason"]
    assert len(reason) <= CELL_CHARS and "and 9,980 more" in reason
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        assert max(len(c) for row in csv.reader(f) for c in row) <= CELL_CHARS


@pytest.mark.slow
def test_a_moodle_name_never_replaces_another_participant(student_notebook, tmp_path):
    root = tmp_path / "moodle"
    own = {
        # participant 1002's own folder, and Mallory's (1003), whose name claims 1002's id
        "Victoria Ng_1002_assignsubmission_file_/toy.ipynb": student_notebook(),
        "Mallory_1002_assignsubmission_file__1003_assignsubmission_file_/toy.ipynb": (
            student_notebook(WRONG_RELU)
        ),
        # two names the LMS could have written for one participant: neither is graded for it
        "Ann Lee_1004_assignsubmission_file_toy.ipynb": student_notebook(),
        "Eve_1004_assignsubmission_file_/toy.ipynb": student_notebook(WRONG_RELU),
        # a flat name whose owner cannot be told (Moodle writes a name's _ as a space)
        "Eve_Mallory_1005_assignsubmission_file_toy.ipynb": student_notebook(),
    }
    for rel, nb in own.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    lines: list[str] = []
    grade_toy(root, tmp_path / "out", similarity_threshold=None, log=lines.append)
    rows = _rows(tmp_path / "out")
    assert {k: (v["name"], v["status"], float(v["score"])) for k, v in rows.items()} == {
        "1002": ("Victoria Ng", "graded", 7.0),
        "1003": ("Mallory_1002_assignsubmission_file_", "graded", 5.0),
        "1004": ("Ann Lee", "invalid", 0.0),
    }
    assert "a name it would never write" in rows["1003"]["reason"]
    assert "would never write" not in rows["1002"]["reason"]
    assert "names participant 1004 both 'Ann Lee' and 'Eve'" in rows["1004"]["reason"]
    assert any("1 file(s) not graded, their owner cannot be told" in line for line in lines)
    assert any("Eve_Mallory_1005" in line for line in lines)
