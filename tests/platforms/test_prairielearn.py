"""``autograder export prairielearn``: the question folder, and its external grader run the way
PrairieLearn runs it.

PrairieLearn's external grading (``docs/externalGrading.md`` of PrairieLearn): the question's
``info.json`` names the image, the entrypoint and the timeout in ``externalGradingOptions``;
the question's ``tests/`` folder is copied to ``/grade/tests``, the student's files to
``/grade/student``; the entrypoint, made executable and run as root, writes
``/grade/results/results.json`` (the folder is not created for it): ``gradable``, ``score`` from
0 to 1, ``tests`` with ``name``, ``points``, ``max_points``, ``message``, ``output``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from numbers import Number
from pathlib import Path

import pytest
from platform_support import (
    ASSIGNMENT,
    container,
    notebook,
    public,
    require_container,
    run_in,
    write_notebook,
)

TEST_FIELDS = {
    "name": str,
    "description": str,
    "points": Number,
    "max_points": Number,
    "message": str,
    "output": str,
    "images": list,
}


def check_results(data: dict) -> None:
    """Fail unless ``data`` is a results.json PrairieLearn reads (see the module)."""
    assert isinstance(data.get("gradable", True), bool)
    if data.get("gradable", True):
        assert isinstance(data["score"], Number) and 0.0 <= data["score"] <= 1.0
    else:
        errors = data["format_errors"]
        assert isinstance(errors, str | list) and errors
    for key in ("message", "output"):
        assert isinstance(data.get(key, ""), str)
    for test in data.get("tests", []):
        assert set(test) <= set(TEST_FIELDS), set(test) - set(TEST_FIELDS)
        for key, kind in TEST_FIELDS.items():
            if key in test:
                assert isinstance(test[key], kind), (key, test[key])
    assert len(json.dumps(data).encode()) < 2**20  # PrairieLearn's limit: 1 MB


def grade(question: Path, tmp_path: Path, files: dict[str, dict | bytes], kind: str = "docker"):
    """Run the question's entrypoint on one submission in a fresh ``/grade``; its results and
    the finished process."""
    grade_dir = tmp_path / "grade"
    shutil.copytree(question / "tests", grade_dir / "tests")
    public(grade_dir)
    for path in (grade_dir / "tests").rglob("*"):  # PrairieLearn's copy: readable by all
        path.chmod(0o755 if path.is_dir() else 0o644)
    (grade_dir / "student").mkdir()
    (grade_dir / "serverFilesCourse").mkdir()
    (grade_dir / "data").mkdir()
    (grade_dir / "data" / "data.json").write_text("{}", encoding="utf-8")
    for name, content in files.items():
        target = grade_dir / "student" / name
        if isinstance(content, dict):
            write_notebook(target, content)
        else:
            target.write_bytes(content)
    # the grading image's python3 has the course's requirements (tests/Dockerfile)
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    command = ["bash", "-c", "chmod +x /grade/tests/run.sh && /grade/tests/run.sh"]
    done = run_in(container(grade_dir, "/grade", kind, path=path) + command)
    data = json.loads((grade_dir / "results" / "results.json").read_text(encoding="utf-8"))
    check_results(data)
    return data, done


def test_the_question_enables_external_grading(prairielearn_question):
    info = json.loads((prairielearn_question / "info.json").read_text())
    uuid.UUID(info["uuid"])
    assert info["type"] == "v3" and info["gradingMethod"] == "External"
    options = info["externalGradingOptions"]
    assert options["enabled"] is True
    assert options["entrypoint"] == "/grade/tests/run.sh"
    assert 0 < options["timeout"] <= 600
    assert options["image"]
    html = (prairielearn_question / "question.html").read_text()
    assert f'<pl-file-upload file-names="{ASSIGNMENT}.ipynb">' in html
    assert "<pl-external-grader-results>" in html
    dockerfile = (prairielearn_question / "tests" / "Dockerfile").read_text()
    assert "FROM prairielearn/grader-python" in dockerfile and "bubblewrap" in dockerfile
    assert (prairielearn_question / "tests" / "course" / "secret").read_text().strip() == (
        os.environ["AUTOGRADER_SECRET"]
    )


def test_exporting_again_keeps_the_question_uuid(prairielearn_question, tmp_path):
    from autograder.platforms.prairielearn import question_uuid

    info = json.loads((prairielearn_question / "info.json").read_text())
    assert info["uuid"] == question_uuid(ASSIGNMENT) != question_uuid("06-losses")


def test_the_grader_scores_honest_buggy_and_hostile_work(prairielearn_question, tmp_path):
    require_container()
    honest, _ = grade(
        prairielearn_question, tmp_path / "honest", {f"{ASSIGNMENT}.ipynb": notebook("honest")}
    )
    assert honest["gradable"] is True and honest["score"] == 1.0, honest["message"]
    assert [t["points"] for t in honest["tests"]] == [t["max_points"] for t in honest["tests"]]

    buggy, _ = grade(
        prairielearn_question, tmp_path / "buggy", {f"{ASSIGNMENT}.ipynb": notebook("buggy")}
    )
    tests = {t["name"]: t for t in buggy["tests"]}
    assert tests["relu_forward"]["points"] == 0 and tests["relu_forward"]["message"] == "failed"
    assert "it computes |z|" in tests["relu_forward"]["output"]
    auto = sum(t["max_points"] for t in buggy["tests"])
    assert buggy["score"] == pytest.approx(
        sum(t["points"] for t in buggy["tests"]) / auto, abs=1e-6
    )
    assert 0 < buggy["score"] < 1

    hostile, done = grade(
        prairielearn_question, tmp_path / "hostile", {f"{ASSIGNMENT}.ipynb": notebook("hostile")}
    )
    assert hostile["gradable"] is True and hostile["score"] == 0
    outputs = {t["name"]: t["output"] for t in hostile["tests"]}
    assert "raised ValueError: uid 65534 read: nothing" in outputs["sigmoid_forward"]
    everything = json.dumps(hostile) + done.stdout + done.stderr
    assert os.environ["AUTOGRADER_SECRET"] not in everything


def test_a_file_that_is_not_the_notebook_is_not_gradable(prairielearn_question, tmp_path):
    require_container()
    data, _ = grade(prairielearn_question, tmp_path, {"answers.txt": b"see attached"})
    assert data["gradable"] is False
    assert (
        f"no notebook {ASSIGNMENT}.ipynb was submitted (found: answers.txt)"
        in data["format_errors"][0]
    )
