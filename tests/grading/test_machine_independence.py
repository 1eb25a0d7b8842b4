"""Nothing depends on the grading machine: the time zone it runs in, or what a killed run left.

A zip's times are read in the zone of the LMS that wrote them, whatever the grading machine's
own zone is (changed here with ``TZ`` and ``tzset``, as another machine would have it). Canvas's
own late marker is compared with the due date. A run, or a Dask worker, killed with SIGKILL
leaves temporary folders and cgroups behind: the next run removes them, and a run that ends
cleanly leaves nothing.
"""

from __future__ import annotations

import json
import signal
import struct
import subprocess
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from grading_support import (
    grade_argv,
    grade_command,
    grade_toy,
    require_bubblewrap,
    write_submission,
)

from autograder.grading.late import LatePolicy
from autograder.grading.sandbox import cgroups
from autograder.grading.sandbox.isolation import detect_isolation
from autograder.grading.submissions import zip_members

DUE = "2026-11-20T12:00:00+00:00"
#: Two machines' zones, far apart.
ZONES = ("America/New_York", "Asia/Tokyo")


@pytest.fixture
def machine_zone(monkeypatch):
    """``machine_zone(name)`` sets this process's local time zone, as another machine's."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def _wall(text: str, zone: str = "UTC") -> tuple:
    """A zip entry's date_time: the wall-clock time of ``text`` (UTC) in ``zone``."""
    when = datetime.fromisoformat(text).replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
    return when.timetuple()[:6]


def _zip(path: Path, members: dict[str, tuple[tuple, dict]]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, (stamp, nb) in members.items():
            z.writestr(zipfile.ZipInfo(name, stamp), json.dumps(nb))
    return path


def _late_rows(result) -> dict[str, tuple]:
    return {
        r.student_id: (round(r.late_seconds / 3600, 2), r.submitted_at, r.reason)
        for r in result.results
    }


def test_canvas_times_are_read_in_utc_on_any_machine(student_notebook, machine_zone, tmp_path):
    """Canvas writes its zip's times in UTC; its LATE marker is compared with the due date."""
    nb = student_notebook()
    archive = _zip(
        tmp_path / "canvas.zip",
        {
            "early_1_10_toy.ipynb": (_wall("2026-11-20T10:00:00"), nb),
            "flagged_LATE_2_20_toy.ipynb": (_wall("2026-11-21T13:00:00"), nb),
            "unflagged_3_30_toy.ipynb": (_wall("2026-11-20T14:00:00"), nb),
            "wrongflag_LATE_4_40_toy.ipynb": (_wall("2026-11-20T11:00:00"), nb),
        },
    )
    policy = LatePolicy.parse(DUE, "10%/day")
    seen = []
    for zone in ZONES:
        machine_zone(zone)
        lines: list[str] = []
        result = grade_toy(
            archive, tmp_path / zone, similarity_threshold=None, late=policy, log=lines.append
        )
        seen.append(_late_rows(result))
        hours = {sid: row[0] for sid, row in seen[-1].items()}
        assert hours == {"1": 0.0, "2": 25.0, "3": 2.0, "4": 0.0}, zone
        summary = next(line for line in lines if "late marker and the due date disagree" in line)
        assert "on 2 student(s)" in summary and "3 (" in summary and "4 (" in summary
    assert seen[0] == seen[1]
    reasons = {sid: row[2] for sid, row in seen[0].items()}
    assert "Canvas does not mark it late, but by its file's time it was late" in reasons["3"]
    assert "Canvas marks it late, but by its file's time it was handed in on time" in reasons["4"]
    assert "Canvas" not in reasons["1"] + reasons["2"]


def test_a_moodle_zip_needs_the_servers_zone_for_a_due_date(
    student_notebook, machine_zone, tmp_path
):
    """Moodle writes each file's time in its server's zone, which the zip does not record."""
    nb = student_notebook()
    archive = _zip(
        tmp_path / "moodle.zip",
        {
            # handed in at 12:30 UTC, 13:30 on a server in Berlin
            "Ana Lima_7_assignsubmission_file_/toy.ipynb": (
                _wall("2026-11-20T12:30:00", "Europe/Berlin"),
                nb,
            ),
        },
    )
    policy = LatePolicy.parse(DUE, "10%/day")
    with pytest.raises(ValueError, match="give the zone of the LMS's server with --timezone"):
        grade_toy(archive, tmp_path / "refused", similarity_threshold=None, late=policy)
    assert not (tmp_path / "refused" / "grades.csv").exists()
    for zone in ZONES:
        machine_zone(zone)
        result = grade_toy(
            archive,
            tmp_path / zone,
            similarity_threshold=None,
            late=policy,
            timezone=ZoneInfo("Europe/Berlin"),
        )
        (row,) = result.results
        assert row.late_seconds == 1800.0, zone


def test_a_canvas_zip_with_no_times_of_handing_in_refuses_a_due_date(student_notebook, tmp_path):
    """Canvas gives every file of its zip the time it made the zip."""
    made = _wall("2026-11-25T08:00:00")
    nb = student_notebook()
    archive = _zip(
        tmp_path / "canvas.zip",
        {f"s{i}_{i}_{i}0_toy.ipynb": (made, nb) for i in range(1, 4)},
    )
    policy = LatePolicy.parse(DUE, "10%/day")
    with pytest.raises(ValueError, match="the time Canvas made the zip"):
        grade_toy(archive, tmp_path / "out", similarity_threshold=None, late=policy)
    # without a due date it is graded, and Canvas's marker is what is said of lateness
    result = grade_toy(archive, tmp_path / "out", similarity_threshold=None)
    assert [r.score for r in result.results] == [7.0, 7.0, 7.0]


def test_a_zips_extended_time_stamp_is_an_instant(tmp_path):
    """Info-ZIP's extended time stamp holds UTC seconds: no zone is needed to read it."""
    instant = int(datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc).timestamp())
    path = tmp_path / "stamped.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("Ana Lima_7_assignsubmission_file_/toy.ipynb", (2026, 1, 1, 0, 0, 0))
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, instant)
        z.writestr(info, "{}")
    with zipfile.ZipFile(path) as z:
        (member,) = zip_members(z)
    assert member.time(None) == member.time(ZoneInfo("Asia/Tokyo")) == instant


def _slow_class(student_notebook, root: Path) -> None:
    slow = student_notebook()
    slow["cells"].insert(
        2,
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "import time\ntime.sleep(120)",
        },
    )
    write_submission(root, "slow", slow)


def _stale_cgroups(parent: Path | None) -> set[Path]:
    """The batch cgroups under ``parent`` whose process is gone."""
    if parent is None:
        return set()
    return {
        p
        for p in parent.glob("autograder-*")
        if p.name.removeprefix("autograder-").isdigit()
        and not cgroups.alive(int(p.name.removeprefix("autograder-")))
    }


def test_a_rerun_removes_what_a_killed_grader_left(student_notebook, tmp_path):
    require_bubblewrap()
    own = detect_isolation().cgroup
    parent = Path(own).parent if own else None
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    _slow_class(student_notebook, tmp_path / "slow")
    command, env = grade_argv(
        tmp_path / "slow", tmp_path / "out", "--cell-timeout", "200", env={"TMPDIR": str(tmp)}
    )
    grader = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    batch = parent / f"autograder-{grader.pid}" if parent else None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and grader.poll() is None:
        jobs = [p for p in batch.iterdir() if p.is_dir()] if batch and batch.is_dir() else []
        if jobs and any(tmp.glob(f"autograder-{grader.pid}-*/jobs/*")):
            break  # a sandbox is running
        time.sleep(0.2)
    else:
        raise AssertionError(f"no sandbox started within 180 s: {grader.stderr.read()[-2000:]}")
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    grader.stderr.close()
    left = list(tmp.glob("autograder-*"))
    assert left, "the killed grader left no temporary folder"
    assert batch is None or batch in _stale_cgroups(parent)

    write_submission(tmp_path / "quick", "honest", student_notebook())
    done = grade_command(tmp_path / "quick", tmp_path / "out2", env={"TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(tmp.glob("autograder-*")) == []  # the killed run's, and this run's own
    assert batch is None or not batch.exists()
    assert _stale_cgroups(parent) == set()


def test_dask_workers_leave_nothing_and_clean_up_after_a_killed_one(student_notebook, tmp_path):
    """A batch's files go from every worker when it ends; a worker killed in the middle of one
    leaves its own, which the next worker to start removes."""
    require_bubblewrap()
    from classroom import DaskProcesses

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    root = tmp_path / "class"
    for i in range(4):
        nb = student_notebook()
        nb["cells"].insert(
            1,
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": "import time\ntime.sleep(3)"},
        )  # fmt: skip
        write_submission(root, f"s{i}", nb)
    with DaskProcesses(2, env={"TMPDIR": str(tmp)}) as running:
        done: dict = {}
        grading = threading.Thread(
            target=lambda: done.update(
                result=grade_toy(root, tmp_path / "a", similarity_threshold=None,
                                 scheduler=running.address)
            )
        )  # fmt: skip
        grading.start()
        doomed = running.workers[0]
        deadline = time.monotonic() + 120
        while not list(tmp.glob(f"autograder-worker-{doomed.pid}-*")):
            assert time.monotonic() < deadline, "the worker never started a sandbox"
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        grading.join(timeout=300)
        assert [r.score for r in done["result"].results] == [7.0] * 4
        # the batch is over: the worker left has nothing of it; the killed one could not say
        killed = list(tmp.glob("autograder-worker-*"))
        assert [path.name.split("-")[2] for path in killed] == [str(doomed.pid)]

    with DaskProcesses(1, env={"TMPDIR": str(tmp)}) as running:
        again = grade_toy(
            root, tmp_path / "b", similarity_threshold=None, scheduler=running.address
        )
        assert [r.score for r in again.results] == [7.0] * 4
        assert not any(path.exists() for path in killed)  # removed by the next worker
    assert list(tmp.glob("autograder-*")) == []
