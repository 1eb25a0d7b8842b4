"""The grading benchmarks: bench_grading.py on a real assignment, bench_grading_scale.py's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bench_grading_scale
import pytest
from classroom import nbgrader_env

from autograder.secret import ENV_SECRET, ENV_SECRET_FILE

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.mark.slow
def test_the_nbgrader_comparison_agrees_with_nbgrader_without_a_secret_of_the_callers():
    """The benchmark grades a class of a real assignment, whose test cells draw hidden cases
    from the course secret, with both graders and prints both rates; they agree on every score,
    the complete submission's full marks included, with no course secret in the environment
    (an instructor's shell has none: the scratch course has its own)."""
    env = nbgrader_env()
    repo_secret = (REPO / ".autograder-secret").exists()
    env.pop(ENV_SECRET, None)
    env.pop(ENV_SECRET_FILE, None)
    command = [sys.executable, str(HERE / "bench_grading.py"), "05-activations", "--students", "2"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "nbgrader autograde (serial)" in done.stdout and "speed-up:" in done.stdout
    assert "scores agreeing with nbgrader: 2/2" in done.stdout
    assert "complete submissions' scores: nbgrader 10; autograder 10" in done.stdout
    assert "CPU:" in done.stdout  # the machine it ran on
    assert (REPO / ".autograder-secret").exists() == repo_secret  # none made in the repository


def test_the_scale_benchmark_tables_each_phase_with_one_and_two_dask_workers():
    """The benchmark's table puts, per assignment, a phase's mean seconds with 1 and with 2
    Dask workers side by side; a phase a run lacks reads 0."""
    phases = {
        ("a", "dask", 1): {"calls": 1.5, "start": 0.2},
        ("a", "dask", 2): {"calls": 2.0, "start": 0.5},
        ("a", "pool", 1): {"calls": 9.0},
        ("b", "dask", 1): {"calls": 0.02},
        ("b", "dask", 2): {"calls": 0.03},
    }
    lines = bench_grading_scale._second_worker_table(phases, ["a", "b"])
    assert lines[2] == "| phase | a, Dask 1 | Dask 2 | b, Dask 1 | Dask 2 |"
    assert "| calls | 1.500 | 2.000 | 0.020 | 0.030 |" in lines
    assert "| start | 0.200 | 0.500 | 0.000 | 0.000 |" in lines
    assert not any("9.000" in line for line in lines)  # the pool's runs are not Dask's
