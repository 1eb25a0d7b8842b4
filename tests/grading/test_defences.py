"""What a determined student tries against chapter 8's ``numerical_gradient``, graded in one
batch of real bubblewrap sandboxes with an honest student riding along.

Each attack carries a ``numerical_gradient`` that must not earn its points by the attack: one that
recognises ``f`` and returns its exact gradient, one decoded from a string at run time, one that
would use a banned library once the import hook is gone. Others go for the grader itself: forged
progress lines that would extend a deadline, result frames of millions of empty objects, a
thread that keeps the sandbox alive after its results are in, memory held in anonymous memory
files and in ``/dev/shm``, and output printed while the hidden cases run.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import resource
import zlib

import pytest
from course_class import SOLUTIONS, grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap

from autograder.grading.sandbox.isolation import detect_isolation

#: A class graded whole in real sandboxes, with attacks that run to their limits: the slow tier's.
pytestmark = pytest.mark.slow

ASSIGNMENT = "08-gradcheck"


def _cell(grade_id: str) -> str:
    """The solution notebook's cell ``grade_id``, its solution markers left out."""
    nb = json.loads((SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    (cell,) = [
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    ]
    source = "".join(cell["source"])
    return "\n".join(line for line in source.splitlines() if "###" not in line) + "\n"


CORRECT = _cell("numerical_gradient")
WRONG = "def numerical_gradient(f, x, h=1e-5):\n    return np.zeros_like(x)\n"

#: The exact gradient of the check's function, worked out from what ``f`` holds: its name, its
#: closure, its caller's name, whatever it gives away.
EXACT = """\
import inspect, sys

def numerical_gradient(f, x, h=1e-5):
    if f.__name__ != "f" or sys._getframe(1).f_code.co_name.startswith("check"):
        raise ValueError("not the check's f")
    k = inspect.getclosurevars(f).nonlocals
    v = x.reshape(-1)
    grad = k["s"] * k["w"] * np.cos(k["w"] * v + k["p"])
    grad = grad + k["A"].T @ (k["c"] * (1 - np.tanh(k["A"] @ v + k["d"]) ** 2)) + k["q"] * v
    return grad.reshape(x.shape)
"""

#: The correct function, compressed and encoded in a string, run at run time over a wrong one.
ENCODED = base64.b64encode(zlib.compress(CORRECT.encode())).decode()
EXEC_ENCODED = (
    WRONG
    + "\nimport base64, zlib\n"
    + f"exec(zlib.decompress(base64.b64decode({ENCODED!r})).decode())\n"
)

#: With the import hook removed, a banned library anywhere in the sandbox's file system costs
#: this student its points: only their absence earns them.
BANNED = ("scipy", "sklearn", "torch", "jax", "tensorflow", "keras")
UNHOOKED = (
    "import importlib.util, sys\n"
    "sys.meta_path[:] = [m for m in sys.meta_path if 'Forbidden' not in repr(m)]\n"
    "sys.path_importer_cache.clear()\n"
    f"FOUND = [n for n in {BANNED!r} if importlib.util.find_spec(n) is not None]\n"
    "print('banned libraries found:', FOUND)\n\n"
    + CORRECT.replace(
        "    grad = np.zeros_like(x)", "    assert not FOUND, FOUND\n    grad = np.zeros_like(x)"
    )
)

#: A call that never returns, ignoring the timer, while a thread forges the runner's progress
#: lines: the same case started again and again, a function that does not exist, and every
#: later case, each just before the call's limit and its grace run out.
FORGED_PROGRESS = """\
import json, os, signal, threading, time

def _forge():
    fd = int(os.environ["GRADER_PROGRESS_FD"])
    functions = json.load(open("/job/job.json"))["functions"]
    me = [f["name"] for f in functions].index("numerical_gradient")
    pause = functions[me]["call_timeout"] + 1.5
    for case in range(1, 1000):
        for _ in range(10):
            os.write(fd, f"case {me} 0 start\\n".encode())
            os.write(fd, f"case {me + 1000} 0 start\\n".encode())
            time.sleep(pause / 10)
        os.write(fd, f"case {me} {case} start\\n".encode())

def numerical_gradient(f, x, h=1e-5):
    if "case_function" not in f.__qualname__:  # the notebook's own calls, in its cells
        return np.zeros_like(x)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    threading.Thread(target=_forge, daemon=True).start()
    while True:
        try:
            time.sleep(100)
        except BaseException:
            pass
"""

#: Result frames of 60 MB of empty JSON objects each, before the runner sends its own.
FRAME_FLOOD = """\
import os
fd = int(os.environ["GRADER_RESULTS_FD"])
body = b'{"cases": [' + b"{}," * 20_000_000 + b'{}], "arrays": {}}\\n'
for index in (0, 1):
    os.write(fd, b"result %d %d\\n" % (index, len(body)) + body)
del body
"""

#: After the last cell: a thread that never ends, and SIGTERM ignored.
LINGERING = """\
import signal, threading, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
threading.Thread(target=time.sleep, args=(120,), daemon=False).start()
"""

#: Memory the address-space limit never sees: anonymous memory files of 1 GiB in all, twice
#: the cap (each under the file-size limit), after 64 MiB written to /dev/shm.
MEMORY_FLOOD = """\
import os
chunk = b"x" * 2**20
try:
    with open("/dev/shm/flood", "wb") as f:
        for _ in range(64):
            f.write(chunk)
            f.flush()
    print("dev/shm held 64 MiB")
except OSError as exc:
    print("dev/shm refused:", exc.strerror, flush=True)
held = []
for i in range(64):
    fd = os.memfd_create(f"flood-{i}")
    for _ in range(16):
        os.write(fd, chunk)
    held.append(fd)
print("memfd held", 16 * len(held), "MiB")
"""

#: Prints every x the check gives it, hidden cases included (the notebook's own calls, with
#: functions of its own, print nothing).
PRINTER = CORRECT.replace(
    "    grad = np.zeros_like(x)",
    "    if 'case_function' in f.__qualname__:\n"
    "        print('SEEN', x.ravel()[:3])\n"
    "    grad = np.zeros_like(x)",
)

STUDENTS = {
    "honest": {},
    "exact_gradient": {"numerical_gradient": EXACT},
    "exec_encoded": {"numerical_gradient": EXEC_ENCODED},
    "banned_unhooked": {"numerical_gradient": UNHOOKED},
    "forged_progress": {"numerical_gradient": FORGED_PROGRESS},
    "frame_flood": {"numerical_gradient": CORRECT + "\n\n" + FRAME_FLOOD},
    "lingering": {"relative_error": _cell("relative_error") + "\n\n" + LINGERING},
    "memory_flood": {"numerical_gradient": CORRECT + "\n\n" + MEMORY_FLOOD},
    "hidden_printer": {"numerical_gradient": PRINTER},
}

LIMITS = dataclasses.replace(TEST_LIMITS, call_seconds=1.0, memory_mb=512)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_bubblewrap()
    tmp = tmp_path_factory.mktemp("defences")
    root = write_class(tmp / "class", ASSIGNMENT, STUDENTS)
    before = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    result = grade_course(ASSIGNMENT, root, tmp / "out", limits=LIMITS, similarity_threshold=None)
    after = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    rows = read_grades(tmp / "out" / "grades.csv")
    by_id = {r.student_id: r for r in result.results}
    return rows, by_id, (after - before) * 1024


def _points(rows, student, function):
    return float(rows[student][function])


def test_the_honest_student_earns_full_marks(graded):
    rows, by_id, _ = graded
    assert _points(rows, "honest", "numerical_gradient") == 3.0
    assert _points(rows, "honest", "relative_error") == 1.0


def test_an_exact_gradient_from_what_f_gives_away_earns_nothing(graded):
    rows, by_id, _ = graded
    assert _points(rows, "exact_gradient", "numerical_gradient") == 0.0
    (score,) = [f for f in by_id["exact_gradient"].functions if f.name == "numerical_gradient"]
    assert any("never called f" in v.message for v in score.verdicts)


def test_code_decoded_at_run_time_is_refused_and_kept_for_the_similarity_report(graded):
    rows, by_id, _ = graded
    assert _points(rows, "exec_encoded", "numerical_gradient") == 0.0
    row = by_id["exec_encoded"]
    assert "not in its cells" in row.reason
    assert "def numerical_gradient(f, x, h=1e-5):" in row.refused_code
    assert "f_plus - f_minus" in row.refused_code
    assert by_id["honest"].refused_code == ""


def test_banned_libraries_are_absent_from_the_sandbox_not_hooked(graded):
    rows, by_id, _ = graded
    assert "banned libraries found: []" in by_id["banned_unhooked"].log
    assert _points(rows, "banned_unhooked", "numerical_gradient") == 3.0


def test_forged_progress_lines_extend_no_deadline(graded):
    """Without the forgery the call dies after its limit; with it, it may not live longer than
    all its function's calls together (10 cases): neither by a case started again, nor by every
    later case started just in time, nor by a function that does not exist."""
    from autograder.checks import CHECKS

    rows, by_id, _ = graded
    assert _points(rows, "forged_progress", "numerical_gradient") == 0.0
    assert _points(rows, "forged_progress", "relative_error") == 1.0
    call = max(LIMITS.call_seconds, CHECKS["numerical_gradient"].time_limit / 10)
    budget = 10 * call + 2.0
    seconds = by_id["forged_progress"].seconds
    # each later case started just in time would keep it 10 * (call + 1.5) + call + 2 s
    assert seconds < budget + 6.0 < 10 * (call + 1.5) + call + 2.0, seconds


def test_result_frames_of_empty_objects_cost_the_grader_nothing(graded):
    rows, by_id, grown = graded
    # parsed, two frames of 60 MB of empty objects took the grader 340 MiB more than an
    # honest submission; dropped unread, nothing
    assert grown < 100 * 2**20, f"the grader grew by {grown / 2**20:.0f} MiB"
    assert by_id["frame_flood"].status == "graded"
    # the forged frames took the places of its functions' results: its loss alone
    assert _points(rows, "frame_flood", "numerical_gradient") == 0.0
    (score,) = [f for f in by_id["frame_flood"].functions if f.name == "numerical_gradient"]
    assert all("too large" in v.message for v in score.verdicts)
    assert _points(rows, "honest", "numerical_gradient") == 3.0


def test_the_sandbox_ends_when_its_results_are_in(graded):
    rows, by_id, _ = graded
    assert _points(rows, "lingering", "relative_error") == 1.0
    assert by_id["lingering"].seconds < by_id["honest"].seconds + 10.0


def test_memory_files_and_dev_shm_count_against_the_cap(graded):
    rows, by_id, _ = graded
    if not detect_isolation().memory_cgroup:
        pytest.skip("no memory cgroup can be made here")
    row = by_id["memory_flood"]
    assert "dev/shm refused: No space left on device" in row.log
    assert "memfd held 1024 MiB" not in row.log
    assert f"more than its {LIMITS.memory_mb} MiB of memory" in row.reason, row.reason
    # the flood cell was skipped after the kill; its functions are graded as usual
    assert _points(rows, "memory_flood", "relative_error") == 1.0


def test_nothing_printed_during_the_hidden_cases_is_shown(graded):
    rows, by_id, _ = graded
    row = by_id["hidden_printer"]
    assert _points(rows, "hidden_printer", "numerical_gradient") == 3.0
    assert "once the hidden cases began is not shown" in row.log
    from autograder.checks import CHECKS

    # the check's visible cases, printed before the hidden ones begin
    visible = len(CHECKS["numerical_gradient"].cases())
    assert row.log.count("SEEN") <= visible, row.log
