"""Without a sandbox the grader refuses, unless told; told, it never runs student code as root.

The machine has bubblewrap: the grader is made not to find it by a PATH without it, as on a
machine where it is not installed. Each run is the real ``grade`` command in its own process.
"""

from __future__ import annotations

import csv
import os
import shutil

import pytest
from grading_support import (
    course_python,
    grade_command,
    grade_toy,
    path_without_bwrap,
    require_bubblewrap,
    write_submission,
)

from autograder.grading.sandbox.isolation import HOW_TO_SANDBOX, Isolation, SandboxRefused

PRINT_UID = "import os\nprint('running as uid', os.getuid())"
LOOP = "while True:\n    pass"


def _require_root() -> None:
    """Dropping to ``nobody`` and refusing to run as root are about a grader run as root (as
    in CI)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        return
    if os.environ.get("CI"):
        pytest.fail("CI runs the grader as root with util-linux's unshare")
    pytest.skip("needs root and unshare")


def _cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source}  # fmt: skip


def _rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_without_bubblewrap_nothing_is_graded_and_the_grader_says_how_to_get_it(
    student_notebook, tmp_path
):
    write_submission(tmp_path / "class", "honest", student_notebook())
    out = tmp_path / "out"
    done = grade_command(
        tmp_path / "class", out, env={"PATH": path_without_bwrap(tmp_path / "bin")}
    )
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "error: nothing graded: student code runs only in a sandbox" in done.stderr
    assert "bubblewrap (bwrap) is not installed" in done.stderr
    assert "apt-get install bubblewrap" in done.stderr and "Container recipe" in done.stderr
    assert "--no-sandbox" in done.stderr
    assert not out.exists()  # refused before anything was written


def test_no_sandbox_runs_student_code_as_nobody_and_every_output_says_so(
    student_notebook, tmp_path, world_folder
):
    _require_root()
    python = course_python(world_folder / "python", readable=True)
    who = student_notebook()
    who["cells"].insert(2, _cell(PRINT_UID))
    looping = student_notebook()
    looping["cells"].insert(2, _cell(LOOP))
    exiting = student_notebook({"softmax": "def softmax(z):\n    import os\n    os._exit(1)"})
    root = tmp_path / "class"
    for student, nb in [("honest", student_notebook()), ("who", who), ("loop", looping),
                        ("exit", exiting)]:  # fmt: skip
        write_submission(root, student, nb)
    out = tmp_path / "out"
    path = path_without_bwrap(tmp_path / "bin")
    done = grade_command(
        root, out, "--no-sandbox", "--cell-timeout", "5", python=python, env={"PATH": path}
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "[yes] runs as an unprivileged user" in done.stdout
    assert "WITHOUT A SANDBOX (--no-sandbox)" in done.stdout
    rows = _rows(out)
    # faults cost only their own work, as in the sandbox
    assert {k: float(v["score"]) for k, v in rows.items()} == {
        "honest": 7.0,
        "who": 7.0,
        "loop": 7.0,
        "exit": 4.0,
    }
    assert {row["sandbox"] for row in rows.values()} == {"none"}
    for student in rows:
        page = (out / "feedback" / student / "toy.html").read_text(encoding="utf-8")
        assert "Graded without a sandbox" in page, student
    page = (out / "feedback" / "who" / "toy.html").read_text(encoding="utf-8")
    assert "running as uid 65534" in page  # nobody, not root

    # a run with bubblewrap grades them again: no unsandboxed result is reused
    require_bubblewrap()
    again = grade_command(root, out, "--cell-timeout", "5")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "4 submissions to grade, 0 unchanged" in again.stdout
    assert {row["sandbox"] for row in _rows(out).values()} == {"bubblewrap"}
    page = (out / "feedback" / "who" / "toy.html").read_text(encoding="utf-8")
    assert "Graded without a sandbox" not in page


def test_no_sandbox_refuses_where_student_code_would_run_as_root(
    student_notebook, tmp_path, world_folder
):
    """A Python installation that ``nobody`` may not run cannot be given up by root."""
    _require_root()
    python = course_python(world_folder / "private", readable=False)
    write_submission(tmp_path / "class", "honest", student_notebook())
    out = tmp_path / "out"
    path = path_without_bwrap(tmp_path / "bin")
    done = grade_command(tmp_path / "class", out, "--no-sandbox", python=python, env={"PATH": path})
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "student code would run as root" in done.stderr
    assert "[NO ] runs as an unprivileged user" in done.stderr
    assert not out.exists()


def test_the_rule_of_refusal():
    """Who may run student code: bubblewrap always; without it, only with --no-sandbox and as
    an unprivileged user (the grader's own, or nobody)."""
    with_bwrap = Isolation(bwrap="/usr/bin/bwrap", root=True)
    assert with_bwrap.refusal() == "" and with_bwrap.refusal(no_sandbox=True) == ""
    missing = ("bubblewrap (bwrap) is not installed (no bwrap on PATH)",)
    as_root = Isolation(unshare="/usr/bin/unshare", root=True, notes=missing)
    assert HOW_TO_SANDBOX in as_root.refusal()
    assert "would run as root" in as_root.refusal(no_sandbox=True)
    as_nobody = Isolation(unshare="/usr/bin/unshare", drop_to_nobody=True, root=True, notes=missing)
    assert as_nobody.refusal() != "" and as_nobody.refusal(no_sandbox=True) == ""
    as_user = Isolation(root=False, notes=missing)
    assert as_user.refusal() != "" and as_user.refusal(no_sandbox=True) == ""


def test_a_dask_worker_without_bubblewrap_is_refused(student_notebook, tmp_path):
    from classroom import DaskProcesses

    write_submission(tmp_path / "class", "honest", student_notebook())
    path = path_without_bwrap(tmp_path / "bin")
    with DaskProcesses(1, env={"PATH": path}) as running:
        with pytest.raises(SandboxRefused, match="1 Dask worker.*bubblewrap.*not installed"):
            grade_toy(tmp_path / "class", tmp_path / "out", scheduler=running.address)
