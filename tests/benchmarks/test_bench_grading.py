"""The grading benchmarks: bench_grading.py on the toy assignment, bench_grading_scale.py's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bench_grading_scale
import pytest
from classroom import nbgrader_env

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "grading" / "fixtures"


@pytest.mark.slow
def test_benchmark_prints_both_rates_and_agrees_with_nbgrader():
    command = [sys.executable, str(HERE / "bench_grading.py"), "toy"]
    command += ["--source", str(FIXTURES / "source" / "toy"), "--registry", "toy_checks"]
    command += ["--pythonpath", str(FIXTURES), "--students", "4"]
    done = subprocess.run(
        command, env=nbgrader_env(str(FIXTURES)), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nbgrader autograde (serial)" in done.stdout and "speed-up:" in done.stdout
    assert "scores agreeing with nbgrader: 4/4" in done.stdout


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
