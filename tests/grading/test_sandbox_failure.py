"""A sandbox that cannot start is the machine's fault: an error to grade again, never a zero.

Before the runner's first progress line no code of the student's has run, so a process that
ends without one (bubblewrap refused, Python cannot start under the limits, the cgroup cannot
be joined) says nothing about the submission. Here Python cannot start in 8 MB of address space.
The limits themselves are set by a command before the sandbox (``limits_command``).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import resource
import shutil
import subprocess
import sys

import pytest
from grading_support import TEST_LIMITS, grade_toy, write_submission

from autograder.grading.sandbox.isolation import (
    CGROUP_JOIN_FAILED,
    Limits,
    limit_resources,
    limits_command,
)


@pytest.mark.slow
def test_a_sandbox_that_cannot_start_is_an_error_graded_again_later(student_notebook, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    write_submission(root, "honest", student_notebook())
    starved = dataclasses.replace(TEST_LIMITS, memory_mb=8)

    first = grade_toy(root, out, limits=starved, similarity_threshold=None)
    (row,) = first.results
    assert row.status == "error", (row.status, row.reason)
    assert "before running any of the notebook" in row.reason
    assert "the next run grades it again" in row.reason
    assert row.score == 0.0

    again = grade_toy(root, out, similarity_threshold=None)
    assert (again.graded, again.reused) == (1, 0)  # the error was not stored as a result
    (row,) = again.results
    assert row.status == "graded" and row.score == 7.0


def _require_prlimit() -> None:
    """Skip without prlimit (the grader then sets the limits in the child), except in CI."""
    if shutil.which("prlimit") is not None:
        return
    message = "prlimit (util-linux) is not installed: limit_resources runs in the child"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must have it (apt-get install util-linux)")
    pytest.skip(message)


LIMITS_SEEN = (
    "import resource as r; print(*(r.getrlimit(getattr(r, 'RLIMIT_' + k))[1]"
    " for k in ('AS', 'FSIZE', 'CORE', 'NPROC')))"
)


def _limits_seen(prefix: list[str], preexec=None) -> list[int]:
    command = [*prefix, sys.executable, "-c", LIMITS_SEEN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, preexec_fn=preexec)
    assert done.returncode == 0, done.stderr
    return [int(v) for v in done.stdout.split()]


def test_the_limits_command_sets_what_limit_resources_sets():
    """The sandbox's resource limits come from ``prlimit`` before it starts (no Python between
    fork and exec in the grader): address space, file size, no core files, and the process
    count where no cgroup caps it."""
    _require_prlimit()
    limits = Limits(memory_mb=512, file_mb=3, processes=77)
    no_nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    assert _limits_seen(limits_command(limits)) == [512 * 2**20, 3 * 2**20, 0, no_nproc]
    capped = limits_command(limits, nproc=True)
    assert _limits_seen(capped) == [512 * 2**20, 3 * 2**20, 0, 77]
    for nproc in (False, True):  # the same as the fallback sets in the child
        fallback = functools.partial(limit_resources, limits, (), nproc=nproc)
        assert _limits_seen(limits_command(limits, nproc=nproc)) == _limits_seen([], fallback)


def test_a_cgroup_that_cannot_be_joined_stops_the_sandbox_before_it_starts(tmp_path):
    _require_prlimit()
    prefix = limits_command(Limits(), [tmp_path / "gone" / "cgroup.procs"])
    done = subprocess.run([*prefix, "/bin/echo", "started"], capture_output=True, text=True)
    assert done.returncode == CGROUP_JOIN_FAILED
    assert "started" not in done.stdout and "gone/cgroup.procs" in done.stderr
