"""``autograder export gradescope``: the zip, and ``run_autograder`` run the way Gradescope runs it.

Gradescope's autograder specification (https://gradescope-autograders.readthedocs.io/en/latest/
specs/): ``setup.sh`` and ``run_autograder`` at the zip's root; the zip unpacked at
``/autograder/source``; ``setup.sh`` run once as root; ``run_autograder`` run as root in
``/autograder`` for each submission, the student's files in ``/autograder/submission``; the
results in ``/autograder/results/results.json``. The simulated container
(:func:`platform_support.container`) binds a temporary folder at ``/autograder``.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from numbers import Number
from pathlib import Path

import pytest
from platform_support import (
    ASSIGNMENT,
    container,
    fresh_copy,
    notebook,
    public,
    require_container,
    run_in,
    unzip,
    write_notebook,
)

#: results.json's fields and their types, from the specification.
TOP_LEVEL = {
    "score": Number,
    "execution_time": Number,
    "output": str,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST_FIELDS = {
    "score": Number,
    "max_score": Number,
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
AUTOMATIC_POINTS = 10.0  # 05-activations: 12 points, 2 of them a written answer


def check_spec(data: dict) -> None:
    """Fail unless ``data`` is a results.json the specification allows."""
    assert set(data) <= set(TOP_LEVEL), set(data) - set(TOP_LEVEL)
    for key, kind in TOP_LEVEL.items():
        if key in data:
            assert isinstance(data[key], kind), (key, data[key])
    assert "score" in data or all("score" in t for t in data["tests"])
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITY
    for key in ("output_format", "test_output_format"):
        assert data.get(key, "text") in FORMATS
    for test in data["tests"]:
        assert set(test) <= set(TEST_FIELDS), set(test) - set(TEST_FIELDS)
        for key, kind in TEST_FIELDS.items():
            if key in test:
                assert isinstance(test[key], kind), (key, test[key])
        assert test.get("visibility", "visible") in VISIBILITY
        assert test.get("status", "passed") in ("passed", "failed")
    for entry in data.get("leaderboard", []):
        assert set(entry) <= {"name", "value", "order"} and {"name", "value"} <= set(entry)
        assert entry.get("order", "desc") in ("asc", "desc")


@pytest.fixture(scope="module")
def installed(gradescope_zip, tmp_path_factory) -> Path:
    """``/autograder`` after Gradescope unpacked the zip and ran ``setup.sh`` in its container
    (with this Python, which has the requirements, as ``$AUTOGRADER_SETUP_PYTHON``)."""
    require_container()
    import sys

    root = public(tmp_path_factory.mktemp("autograder-image"))
    unzip(gradescope_zip, root / "source")
    for folder in ("submission", "results"):
        (root / folder).mkdir()
        public(root / folder)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    done = run_in(
        container(root, "/autograder", "docker", env={"AUTOGRADER_SETUP_PYTHON": sys.executable})
        + ["bash", "/autograder/source/setup.sh"]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"ready to grade {ASSIGNMENT} for gradescope" in done.stdout
    return root


def run_autograder(installed: Path, tmp_path: Path, files: dict[str, dict | bytes], kind: str):
    """Run ``run_autograder`` on one submission, in a fresh copy of the installed image; the
    results.json, the copy and the finished process."""
    root = fresh_copy(installed, tmp_path / "autograder")
    for name, content in files.items():
        target = root / "submission" / name
        if isinstance(content, dict):
            write_notebook(target, content)
        else:
            target.write_bytes(content)
    done = run_in(container(root, "/autograder", kind) + ["/autograder/run_autograder"])
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_spec(data)
    return data, root, done


def test_the_zip_has_what_gradescope_runs_at_its_root(gradescope_zip):
    with zipfile.ZipFile(gradescope_zip) as zf:
        members = {info.filename: info for info in zf.infolist()}
        settings = json.loads(zf.read("course/autograder.json"))
        secret = zf.read("course/secret").decode().strip()
    for script in ("setup.sh", "run_autograder"):
        mode = members[script].external_attr >> 16
        assert mode & stat.S_IXUSR, f"{script} is not executable"
    assert any(
        name.startswith("course/nn_scratch_course-") and name.endswith(".whl") for name in members
    )
    assert f"course/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in members
    assert secret == os.environ["AUTOGRADER_SECRET"]
    assert settings["assignment"] == ASSIGNMENT and settings["reveal"] == "message"


def test_setup_leaves_the_secret_and_the_checks_to_root(installed):
    for private in (installed / "source", installed / "course"):
        assert stat.S_IMODE(private.stat().st_mode) & 0o077 == 0, private
    assert (installed / "course" / "autograder" / "checks").is_dir()


def test_an_honest_submission_earns_every_automatic_point(installed, tmp_path):
    data, _, done = run_autograder(
        installed, tmp_path, {f"{ASSIGNMENT}.ipynb": notebook("honest")}, "docker"
    )
    assert data["score"] == AUTOMATIC_POINTS, data["output"]
    names = [t["name"] for t in data["tests"]]
    assert names == [
        "sigmoid_forward",
        "sigmoid_backward",
        "tanh_forward",
        "tanh_backward",
        "relu_forward",
        "relu_backward",
        "leaky_relu_forward",
        "leaky_relu_backward",
        "softmax",
    ]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in data["tests"])
    assert sum(t["max_score"] for t in data["tests"]) == AUTOMATIC_POINTS
    assert "written answers (2 points) are graded by hand" in data["output"]
    # Docker's container forbids bubblewrap: the notebook ran as nobody, and says so
    assert data["extra_data"]["sandbox"] == "none"
    assert "without bubblewrap" in data["output"]
    assert done.returncode == 0


def test_a_buggy_submission_gets_the_checks_reports(installed, tmp_path):
    data, _, _ = run_autograder(
        installed, tmp_path, {f"{ASSIGNMENT}.ipynb": notebook("buggy")}, "docker"
    )
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["relu_forward"]["score"] == 0 and tests["relu_forward"]["status"] == "failed"
    assert "it computes |z|: negative inputs must give 0" in tests["relu_forward"]["output"]
    assert tests["softmax"]["score"] < tests["softmax"]["max_score"]
    assert tests["relu_backward"]["status"] == "passed"
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert 0 < data["score"] < AUTOMATIC_POINTS


@pytest.mark.parametrize("kind", ["docker", "privileged"])
def test_a_hostile_submission_scores_nothing_and_shows_no_secret(installed, tmp_path, kind):
    data, root, done = run_autograder(
        installed, tmp_path, {f"{ASSIGNMENT}.ipynb": notebook("hostile")}, kind
    )
    assert data["score"] == 0
    assert all(t["score"] == 0 for t in data["tests"])
    tests = {t["name"]: t["output"] for t in data["tests"]}
    assert "calls nnlib instead of computing its answer" in tests["relu_forward"]
    # what the notebook could read, as its own failure message shows it: an unprivileged user,
    # and none of the course's files
    assert "raised ValueError: uid 65534 read: nothing" in tests["sigmoid_forward"]
    secret = os.environ["AUTOGRADER_SECRET"]
    everything = json.dumps(data) + done.stdout + done.stderr
    assert secret not in everything
    assert "BEGIN SOLUTION" not in everything  # no source notebook, no check read either
    assert data["extra_data"]["sandbox"] == ("bubblewrap" if kind == "privileged" else "none")
    # the secret and the installed checks are still root's alone
    assert stat.S_IMODE((root / "source" / "course" / "secret").stat().st_mode) == 0o600


def test_a_wrong_name_or_several_notebooks_give_a_clear_result(installed, tmp_path):
    renamed, _, _ = run_autograder(
        installed, tmp_path / "renamed", {"my work.ipynb": notebook("honest")}, "docker"
    )
    assert renamed["score"] == AUTOMATIC_POINTS
    assert f"graded my work.ipynb as {ASSIGNMENT}.ipynb" in renamed["output"]

    several, _, _ = run_autograder(
        installed,
        tmp_path / "several",
        {f"{ASSIGNMENT}.ipynb": notebook("honest"), "scratch.ipynb": notebook("buggy")},
        "docker",
    )
    assert several["score"] == AUTOMATIC_POINTS
    assert "also handed in, not graded: scratch.ipynb" in several["output"]

    nothing, _, _ = run_autograder(
        installed, tmp_path / "nothing", {"report.pdf": b"%PDF-1.4 not a notebook"}, "docker"
    )
    assert nothing["score"] == 0
    assert f"no notebook {ASSIGNMENT}.ipynb was submitted (found: report.pdf)" in nothing["output"]
    assert all(t["score"] == 0 for t in nothing["tests"])


def test_the_grader_refuses_where_student_code_could_read_the_secret(installed, tmp_path):
    root = fresh_copy(installed, tmp_path / "autograder")
    for folder in (root / "source", root / "course"):
        for path in (folder, *folder.rglob("*")):
            path.chmod(path.stat().st_mode | 0o005 | (0o040 if path.is_dir() else 0))
    (root / "submission" / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook("honest")))
    done = run_in(container(root, "/autograder", "docker") + ["/autograder/run_autograder"])
    data = json.loads((root / "results" / "results.json").read_text())
    check_spec(data)
    assert data["score"] == 0 and data["tests"] == []
    assert "nothing was graded" in data["output"] and "could read" in data["output"]
    assert os.environ["AUTOGRADER_SECRET"] not in done.stdout + done.stderr + json.dumps(data)


def test_the_classifiers_accuracy_goes_to_the_leaderboard():
    import numpy as np

    from autograder.checks import CHECKS
    from autograder.checks.base import Case
    from autograder.grading.results import FunctionScore, StudentResult
    from autograder.platforms.bundle import Settings
    from autograder.platforms.gradescope import results_json
    from autograder.platforms.run import PlatformRun

    check = CHECKS["train_mnist_classifier"]
    y_test = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    case = Case("held-out", private={"y_test": y_test})
    predictions = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 0])
    assert check.metrics(case, {"predictions": predictions, "train_seconds": 12.5}) == {
        "accuracy": 0.9,
        "train_seconds": 12.5,
    }
    assert check.metrics(case, {"predictions": np.zeros((10, 10))}) == {}  # not one label each
    scored = FunctionScore(check.name, 4.0, 4.0, metrics={"accuracy": 0.9, "train_seconds": 12.5})
    result = StudentResult(
        "student", score=4.0, max_score=6.0, functions=[scored], written_points=2.0
    )
    data = results_json(PlatformRun(Settings("11-mnist-classifier", "gradescope"), None, result))
    check_spec(data)
    assert data["leaderboard"] == [
        {"name": f"{check.name} accuracy", "value": 0.9},
        {"name": f"{check.name} seconds", "value": 12.5, "order": "asc"},
    ]
