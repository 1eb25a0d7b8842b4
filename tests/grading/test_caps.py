"""Process and disk caps: a flooding submission is stopped at its cap and loses only its own work.

The caps are those :func:`~autograder.grading.sandbox.isolation.detect_isolation` finds on this machine: a
cgroup with ``pids.max`` per submission, and memory file systems of a fixed size for the
sandbox's job folder and ``/tmp``. CI runs as root with the cgroup ``pids`` controller and
bubblewrap, so both must hold there.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from grading_support import TEST_LIMITS, grade_toy, require_bubblewrap, write_submission

from autograder.grading.sandbox import cgroups
from autograder.grading.sandbox.isolation import detect_isolation

FORK_FLOOD = """\
import os, time
forked = 0
for _ in range(1500):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(40)
        os._exit(0)
    forked += 1
print("forked", forked, "children")
"""

DISK_FLOOD = """\
import os
chunk = b"x" * 2**20
for folder in (".", "/tmp"):
    for i in range(40):
        with open(os.path.join(folder, f"flood-{i}.bin"), "wb") as f:
            for _ in range(60):
                f.write(chunk)
"""


def _code_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": source,
    }


def _process_count() -> int:
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


class _Sampler(threading.Thread):
    """Samples a quantity every 20 ms until stopped; keeps the largest value seen."""

    def __init__(self, measure) -> None:
        super().__init__(daemon=True)
        self.measure, self.peak, self.stopped = measure, measure(), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.measure())
            time.sleep(0.02)

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        return self.peak


def _require_caps() -> None:
    require_bubblewrap()
    if not detect_isolation().cgroup:
        message = "no cgroup with a pids controller can be made here: " + cgroups.WHY.get(
            "pids", ""
        )
        if os.environ.get("CI"):
            pytest.fail(message + "; CI runs as root, where the pids controller is writable")
        pytest.skip(message)


def _grade(tmp_path, student_notebook, flood: str, limits):
    flooded = student_notebook()
    flooded["cells"].insert(2, _code_cell(flood))
    for student, nb in [("honest1", student_notebook()), ("flood", flooded)]:
        write_submission(tmp_path / "class", student, nb)
    write_submission(tmp_path / "class", "honest2", student_notebook())
    return grade_toy(tmp_path / "class", tmp_path / "out", limits=limits)


@pytest.mark.slow
def test_a_fork_flood_stops_at_the_cap(tmp_path, student_notebook):
    _require_caps()
    limits = dataclasses.replace(TEST_LIMITS, processes=32)
    before = _process_count()
    sampler = _Sampler(_process_count)
    sampler.start()
    started = time.monotonic()
    result = _grade(tmp_path, student_notebook, FORK_FLOOD, limits)
    peak = sampler.stop()
    seconds = time.monotonic() - started
    rows = {r.student_id: r for r in result.results}
    print(f"fork flood: processes {before} before, {peak} at the peak, batch {seconds:.1f} s")
    # two workers, each submission capped at 32 tasks; a few more for the grader's own threads
    assert peak - before <= 2 * limits.processes + 16, (before, peak)
    assert seconds < 40, "the sleeping children must not outlive their submission"
    assert rows["honest1"].score == rows["honest2"].score == 7.0
    # the flood cell lost its forks; the functions around it are graded as usual
    assert rows["flood"].score == 7.0
    assert "processes or threads at once" in rows["flood"].reason
    # nothing of the flood is left: no process, no cgroup
    deadline = time.monotonic() + 10
    while _process_count() > before + 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _process_count() <= before + 5
    root = Path(detect_isolation().cgroup)
    assert [p for p in root.iterdir() if p.is_dir()] == []


@pytest.mark.slow
def test_a_disk_flood_stops_at_the_cap_and_leaves_nothing(tmp_path, student_notebook):
    _require_caps()
    limits = dataclasses.replace(TEST_LIMITS, disk_mb=128)
    work = tempfile.gettempdir()
    before = shutil.disk_usage(work).used
    sampler = _Sampler(lambda: shutil.disk_usage(work).used)
    sampler.start()
    result = _grade(tmp_path, student_notebook, DISK_FLOOD, limits)
    peak = sampler.stop()
    rows = {r.student_id: r for r in result.results}
    print(f"disk flood: the disk grew by {(peak - before) / 2**20:.1f} MiB at the peak")
    # forty 60 MB files, twice, would be 4.8 GB; the sandbox's folders are memory, capped
    assert peak - before < 64 * 2**20, f"the disk grew by {(peak - before) / 2**20:.0f} MiB"
    assert rows["honest1"].score == rows["honest2"].score == 7.0
    assert rows["flood"].score == 7.0
    assert "filled /job (128 MiB" in rows["flood"].reason, rows["flood"].reason
    assert "No space left on device" in rows["flood"].log
    leftovers = [p for p in Path(work).glob("autograder-*") if p.is_dir()]
    assert leftovers == [] or all(not any(p.rglob("flood-*")) for p in leftovers)
