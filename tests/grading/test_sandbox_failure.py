"""A sandbox that cannot start is the machine's fault: an error to grade again, never a zero.

Before the runner's first progress line no code of the student's has run, so a process that
ends without one (bubblewrap refused, Python cannot start under the limits) says nothing about
the submission. Here Python cannot start in 8 MB of address space.
"""

from __future__ import annotations

import dataclasses

from grading_support import TEST_LIMITS, grade_toy, write_submission


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
