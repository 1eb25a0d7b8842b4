"""The ``grade`` command end to end, the benchmark, and the supervisor's wait for a sandbox to
end (grading without bubblewrap: ``test_fail_closed.py``)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from classroom import nbgrader_env
from grading_support import (
    FIXTURES,
    TEST_LIMITS,
    grade_command,
    require_bubblewrap,
    write_submission,
)

from autograder.grading.grade import make_lib_dir
from autograder.grading.sandbox.inputs import FunctionSpec, prepare_inputs
from autograder.grading.sandbox.isolation import detect_isolation
from autograder.grading.sandbox.supervisor import _ExitWaiter, run_submission


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


@pytest.mark.slow
def test_grade_command_on_a_canvas_zip(student_notebook, tmp_path):
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("doejohn_1_10_toy.ipynb", json.dumps(student_notebook()))
        z.writestr("roesue_2_20_toy.ipynb", json.dumps(student_notebook(blank=True)))
        z.writestr("badfile_3_30_toy.ipynb", "{ truncated")
    out = tmp_path / "out"
    done = grade_command(archive, out, "--cell-timeout", "5", "--call-timeout", "5")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "isolation of student code" in done.stdout
    rows = _rows(out / "grades.csv")
    # keyed by the Canvas user ids, with the names kept for display
    assert {k: (v["name"], float(v["score"])) for k, v in rows.items()} == {
        "1": ("doejohn", 7.0),
        "2": ("roesue", 0.0),
        "3": ("badfile", 0.0),
    }
    assert rows["3"]["status"] == "invalid"
    assert rows["2"]["status"] == "not attempted"
    assert (out / "gradebook.db").is_file()
    assert (out / "feedback" / "doejohn-1" / "toy.html").is_file()


def test_unknown_assignment_is_an_error_with_the_known_ones(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.grading",
            "grade",
            "nope",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
            "--registry",
            "toy_checks",
        ],
        env=nbgrader_env(str(FIXTURES)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "unknown assignment 'nope'" in done.stderr and "toy" in done.stderr


def test_sandbox_has_no_nnlib_but_a_stub_package(tmp_path):
    require_bubblewrap()
    isolation = detect_isolation()
    lib = make_lib_dir(tmp_path / "lib")
    cells = [
        (0, "import nnlib\nimport numpy as np"),
        (1, "def f(z):\n    return np.maximum(z, 0)"),
        (2, "def g(z):\n    from nnlib.backend import get_array_module\n    return z"),
        (
            3,
            "import os\nrepo = os.path.exists(" + repr(str(FIXTURES)) + ")\n"
            "def h(z):\n    return np.array(float(repo))",
        ),
        (4, "from nnlib.datasets import load_mnist\ndef d(z):\n    return load_mnist()"),
    ]
    z = np.array([[-1.0, 2.0]])
    specs = [FunctionSpec(n, [("one", (z,), {})]) for n in ("f", "g", "h", "d")]
    inputs = prepare_inputs(specs, lib / "inputs" / "t.npz", "/grader/inputs/t.npz", TEST_LIMITS)
    run = run_submission(cells, specs, inputs, tmp_path / "job", lib, isolation, TEST_LIMITS)
    assert np.array_equal(run.results["f"][0].output, [[0.0, 2.0]])
    assert "No module named 'nnlib.backend'" in run.results["g"][0].error
    assert run.results["h"][0].output == 0.0  # the repository is not visible
    assert "datasets cannot be loaded while grading" in run.results["d"][0].error


def test_installed_packages_are_hidden_but_the_allowed_ones(tmp_path):
    """Every folder of installed packages is covered by an empty read-only memory file system,
    and only the allowed distributions' files (NumPy, IPython and what they need) come back:
    a copy of nnlib, scipy or torch installed there is not in the sandbox's file system."""
    import numpy

    from autograder.grading.sandbox import isolation as sandbox

    cmd = sandbox.bwrap_command("bwrap", tmp_path, tmp_path, {})
    site = Path(numpy.__file__).resolve().parents[1]

    def after(option: str) -> list[str]:
        return [cmd[i + 1] for i, word in enumerate(cmd) if word == option]

    bound = set(after("--ro-bind"))
    assert str(site) in after("--tmpfs") and str(site) in after("--remount-ro")
    assert str(site / "numpy") in bound
    for banned in ("scipy", "torch", "sklearn", "nnlib", "autograder"):
        assert not any(Path(p).name == banned for p in bound), banned


@pytest.mark.slow
def test_progress_bar_names_slow_submissions_and_escapes_names(student_notebook, tmp_path):
    """The bar counts done/total; a submission running over 10 s is named while it runs."""
    slow = student_notebook()
    slow["cells"].insert(
        2,
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "import time\ntime.sleep(11)",
        },
    )
    red = "\x1b[31mred"
    for student, nb in [("quick", student_notebook()), ("sleepy", slow), (red, student_notebook())]:
        write_submission(tmp_path / "class", student, nb)
    done = grade_command(tmp_path / "class", tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3/3" in done.stderr and "submission/s" in done.stderr
    assert "still running after 1" in done.stderr and ": sleepy" in done.stderr
    assert "quick" not in [
        line.split(": ")[-1] for line in done.stderr.splitlines() if "still" in line
    ]
    assert red not in done.stderr and "\\x1b[31mred" in done.stderr
    rows = _rows(tmp_path / "out" / "grades.csv")
    assert float(rows["sleepy"]["score"]) == 7.0


def test_the_supervisor_wakes_when_the_sandbox_ends():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    waiter = _ExitWaiter(proc)
    try:
        started = time.monotonic()
        while proc.poll() is None:
            waiter.wait(30.0)  # a pidfd wakes it at the exit; the fallback naps 20 ms
        assert time.monotonic() - started < 10.0
    finally:
        waiter.close()
