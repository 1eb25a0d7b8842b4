"""Grading on Dask: a real ``dask scheduler`` and ``dask worker`` processes on loopback.

The sandboxes run on the workers; the grader judges. The grades must be exactly those of the
local pool, a worker killed in the middle of a batch must cost no row, and the connection can
be TLS.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from classroom import DaskProcesses, nbgrader_env
from grading_support import FIXTURES, SOURCE, grade_toy, require_bubblewrap, write_submission

from autograder.course import REPO_ROOT
from autograder.grading.sandbox.executors import (
    DASK_ENVIRONMENT,
    dask_bookkeeping,
    untuned_workers,
)
from autograder.grading.store import ResultStore

pytestmark = pytest.mark.slow

WRONG_RELU = {"relu_forward": "def relu_forward(z):\n    return np.ones_like(z), z\n"}


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    for row in rows.values():
        del row["seconds"]  # the only column that may differ between two gradings
    return rows


#: Two result frames of 60 MB of empty JSON objects each, before the runner's own: parsed on a
#: worker, they would take it gigabytes.
FRAME_FLOOD = """\
import os
fd = int(os.environ["GRADER_RESULTS_FD"])
body = b'{"cases": [' + b"{}," * 20_000_000 + b'{}], "arrays": {}}\\n'
for index in (0, 1):
    os.write(fd, b"result %d %d\\n" % (index, len(body)) + body)
del body
"""


def _hostile_class(student_notebook, root: Path) -> None:
    """Honest, partial, blank and hostile students of the toy assignment."""
    loop = student_notebook({"softmax": "def softmax(z):\n    while True:\n        pass\n"})
    exiting = student_notebook({"softmax": "def softmax(z):\n    import os\n    os._exit(3)\n"})
    snoop = student_notebook(
        {"softmax": "import os\ndef softmax(z):\n    return open('/etc/shadow').read()\n"}
    )
    flood = student_notebook()
    flood["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": FRAME_FLOOD,
        }
    )
    for student, nb in [
        ("honest", student_notebook()),
        ("partial", student_notebook(WRONG_RELU)),
        ("blank", student_notebook(blank=True)),
        ("loop", loop),
        ("exit", exiting),
        ("snoop", snoop),
        ("flood", flood),
    ]:
        write_submission(root, student, nb)


def test_dask_workers_grade_exactly_as_the_local_pool(student_notebook, tmp_path):
    require_bubblewrap()
    root = tmp_path / "class"
    _hostile_class(student_notebook, root)
    grade_toy(root, tmp_path / "local", similarity_threshold=None)
    lines: list[str] = []
    with DaskProcesses(2) as running:
        remote = grade_toy(
            root,
            tmp_path / "dask",
            similarity_threshold=None,
            scheduler=running.address,
            log=lines.append,
        )
    assert remote.graded == 7
    assert any("on 2 Dask worker threads" in line for line in lines), lines
    assert any("isolation of student code on Dask worker" in line for line in lines), lines
    assert not any("default bookkeeping" in line for line in lines), lines
    assert _rows(tmp_path / "dask" / "grades.csv") == _rows(tmp_path / "local" / "grades.csv")
    scores = {r.student_id: r.score for r in remote.results}
    assert scores["honest"] == 7.0 and scores["blank"] == 0.0
    assert scores["partial"] == 5.0 and scores["loop"] == 4.0 and scores["exit"] == 4.0
    # the flood's frames took its first two functions' places, and cost nobody else anything
    flood = next(r for r in remote.results if r.student_id == "flood")
    assert flood.status == "graded" and scores["flood"] == 3.0, (flood.status, flood.reason)


def test_a_worker_killed_mid_batch_costs_no_row(student_notebook, tmp_path):
    require_bubblewrap()
    root, out = tmp_path / "class", tmp_path / "out"
    students = [f"s{i}" for i in range(6)]
    for i, student in enumerate(students):
        nb = student_notebook() if i % 2 == 0 else student_notebook(WRONG_RELU)
        nb["cells"].insert(
            1,
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "import time\ntime.sleep(2)",
            },
        )
        write_submission(root, student, nb)
    with DaskProcesses(2) as running:
        done: dict = {}

        def grade() -> None:
            done["result"] = grade_toy(
                root, out, similarity_threshold=None, scheduler=running.address
            )

        thread = threading.Thread(target=grade)
        thread.start()
        store = ResultStore(out, "toy")
        deadline = time.monotonic() + 120
        while not store.entries() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.entries(), "nothing graded within 120 s"
        running.workers[0].send_signal(signal.SIGKILL)
        thread.join(timeout=300)
        assert running.workers[0].poll() is not None
    assert not thread.is_alive()
    result = done["result"]
    assert sorted(r.student_id for r in result.results) == students
    assert {r.student_id: r.score for r in result.results} == {
        s: (7.0 if i % 2 == 0 else 5.0) for i, s in enumerate(students)
    }
    assert all(r.status == "graded" for r in result.results)


def _sleeping_class(student_notebook, root: Path, students: list[str], seconds: float) -> None:
    for i, student in enumerate(students):
        nb = student_notebook() if i % 2 == 0 else student_notebook(WRONG_RELU)
        cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
        nb["cells"].insert(1, {**cell, "source": f"import time\ntime.sleep({seconds})"})
        write_submission(root, student, nb)


def test_a_task_whose_workers_all_die_is_recorded_and_graded_next_run(student_notebook, tmp_path):
    """With Dask's allowed-failures at 0, the first death of a worker gives up on its task."""
    require_bubblewrap()
    from distributed import Client

    root, out = tmp_path / "class", tmp_path / "out"
    _sleeping_class(student_notebook, root, ["s0", "s1"], 4)
    strict = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    with DaskProcesses(2, env=strict) as running:
        done: dict = {}
        thread = threading.Thread(
            target=lambda: done.update(
                result=grade_toy(root, out, similarity_threshold=None, scheduler=running.address)
            )
        )
        thread.start()
        with Client(running.address, timeout=10) as client:
            # Until each worker holds one of the two sandboxes: the scheduler may first give
            # both to one worker, and then moves one to the idle worker (work stealing); the
            # test kills a worker that holds exactly one.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
                held = {names.get(a): len(keys) for a, keys in client.processing().items()}
                if held.get("w0") == 1 and held.get("w1") == 1:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(
                    f"the workers never held one sandbox each within 120 s: {held}"
                )
        running.workers[0].send_signal(signal.SIGKILL)
        thread.join(timeout=300)
        first = done["result"]
        statuses = {r.student_id: r.status for r in first.results}
        reasons = {r.student_id: r.reason for r in first.results}
        assert sorted(statuses.values()) == ["error", "graded"], reasons
        lost = next(r for r in first.results if r.status == "error")
        assert "allowed-failures" in lost.reason and "next run" in lost.reason
        assert lost.student_id not in ResultStore(out, "toy").entries()
        # the next run, on the worker left, grades only that student
        again = grade_toy(root, out, similarity_threshold=None, scheduler=running.address)
    assert (again.graded, again.reused) == (1, 1)
    assert {r.student_id: r.score for r in again.results} == {"s0": 7.0, "s1": 5.0}


def test_tasks_the_scheduler_forgets_are_sent_again(student_notebook, tmp_path):
    """A scheduler that drops a client's tasks (as it does for a client that missed its
    heartbeats) cancels them; the submissions did nothing wrong and are graded all the same."""
    require_bubblewrap()
    from distributed import Client, Future

    root, out = tmp_path / "class", tmp_path / "out"
    _sleeping_class(student_notebook, root, ["s0", "s1"], 3)
    with DaskProcesses(1) as running:
        done: dict = {}
        thread = threading.Thread(
            target=lambda: done.update(
                result=grade_toy(root, out, similarity_threshold=None, scheduler=running.address)
            )
        )
        thread.start()
        with Client(running.address, timeout=10) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                running_keys = [k for keys in client.processing().values() for k in keys]
                if running_keys:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("no sandbox task ran within 120 s")
            # every key, the batch's files included: the tasks that need them go with them
            keys = set(running_keys) | set(client.who_has())
            client.cancel([Future(key, client) for key in keys], force=True)
        thread.join(timeout=300)
    assert not thread.is_alive()
    result = done["result"]
    reasons = {r.student_id: r.reason for r in result.results}
    assert {r.student_id: r.status for r in result.results} == {"s0": "graded", "s1": "graded"}, (
        reasons
    )
    assert {r.student_id: r.score for r in result.results} == {"s0": 7.0, "s1": 5.0}


def _certificates(folder: Path) -> dict[str, Path]:
    """A self-signed certificate for loopback, used as its own CA."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return {"ca-file": cert, "cert": cert, "key": key}


def test_the_grade_command_over_tls(student_notebook, tmp_path):
    require_bubblewrap()
    if subprocess.run(["openssl", "version"], capture_output=True).returncode != 0:
        pytest.fail("openssl is needed to make the test's certificates")
    root, out = tmp_path / "class", tmp_path / "out"
    write_submission(root, "honest", student_notebook())
    write_submission(root, "partial", student_notebook(WRONG_RELU))
    tls = _certificates(tmp_path)
    with DaskProcesses(1, tls) as running:
        command = [sys.executable, "-m", "autograder.grading", "grade", "toy", str(root)]
        command += ["--out", str(out), "--registry", "toy_checks", "--source", str(SOURCE)]
        command += ["--scheduler", running.address, "--no-progress"]
        command += ["--tls-ca-file", str(tls["ca-file"]), "--tls-cert", str(tls["cert"])]
        command += ["--tls-key", str(tls["key"]), "--require-sandbox"]
        done = subprocess.run(
            command, env=nbgrader_env(str(FIXTURES)), capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
        assert "tls://127.0.0.1" in done.stdout
        # without the certificates the scheduler cannot be used
        plain = command[: command.index("--tls-ca-file")] + ["--student", "honest"]
        refused = subprocess.run(
            plain, env=nbgrader_env(str(FIXTURES)), capture_output=True, text=True, timeout=240
        )
        assert refused.returncode != 0
    scores = {k: float(v["score"]) for k, v in _rows(out / "grades.csv").items()}
    assert scores == {"honest": 7.0, "partial": 5.0}


def _grading_settings_in_readme() -> dict[str, str]:
    """The variables of the ``export`` block under "Dask's settings for grading"."""
    text = (REPO_ROOT / "autograder" / "grading" / "README.md").read_text(encoding="utf-8")
    start = text.index("**Dask's settings for grading.**")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S).group(1)
    return dict(line.removeprefix("export ").split("=", 1) for line in block.splitlines())


def test_the_workers_run_with_the_grading_settings_the_readme_gives():
    """The README's settings are the ones the code gives the workers, and Dask applies them: no
    profiler, a tick a second, the monitor every 5 s. Workers on Dask's defaults are named."""
    from distributed import Client

    assert _grading_settings_in_readme() == DASK_ENVIRONMENT
    with DaskProcesses(1) as running, Client(running.address, timeout=30) as client:
        workers = client.run(dask_bookkeeping)
        scheduler = client.run_on_scheduler(dask_bookkeeping)
        assert untuned_workers(client) == []
    expected = {"profile": False, "tick": 1000, "monitor": 5000}
    assert list(workers.values()) == [expected]
    assert scheduler == expected
    with DaskProcesses(1, dask_defaults=True) as running, Client(running.address) as client:
        assert untuned_workers(client) == list(client.nthreads())
        assert all(kept["profile"] for kept in client.run(dask_bookkeeping).values())
