"""Hostile and honest submissions of the toy assignment, one hostile student per attack.

Each entry says what the student hands in and the exact score it must get: the score the same
code earns without the attack (full marks are 7: relu_forward 2, relu_backward 2, softmax 3).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

RELU = "def relu_forward(z):\n    return np.maximum(z, 0), z\n"
RELU_BACKWARD = "def relu_backward(da, cache):\n    return da * (cache > 0)\n"
SOFTMAX = (
    "def softmax(z):\n"
    "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
    "    return e / e.sum(axis=1, keepdims=True)\n"
)
WRONG_SOFTMAX = "def softmax(z):\n    return z\n"  # earns 0 of 3


@dataclass
class Entry:
    """A student of the corpus: how to build the notebook, the exact expected score, why."""

    student: str
    build: Callable[[Callable, dict], object]
    expected: float
    attack: str
    status: str = "graded"


def code(source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def with_cell(source: str, position: int = 2, replace: dict | None = None):
    """A complete notebook with an extra code cell of the student's at ``position``."""

    def build(make, ctx):
        nb = make(replace)
        nb["cells"].insert(position, code(source.format(**ctx)))
        return nb

    return build


def replacing(replace: dict):
    def build(make, ctx):
        return make({k: v.format(**ctx) for k, v in replace.items()})

    return build


def _edit_tests(make, ctx):
    nb = make({"softmax": WRONG_SOFTMAX})
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell["source"] = "print('all tests passed')"
            meta["points"] = 100  # and claim more points
    return nb


def _delete_tests(make, ctx):
    nb = make()
    nb["cells"] = [c for c in nb["cells"] if not c["metadata"].get("nbgrader", {}).get("grade")]
    return nb


def _test_cell_as_solution(make, ctx):
    nb = make({"softmax": WRONG_SOFTMAX})
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "test_softmax":
            meta.update(grade=False, solution=True, grade_id="my_cell")
            cell["source"] = "import builtins\nbuiltins.check = lambda *a, **k: 3.0\n"
    return nb


def _truncated(make, ctx):
    import json

    return json.dumps(make())[:700]


def _clone(make, ctx):
    return copy.deepcopy(make())


SEARCH = """
import os
found = []
for root in ("/tmp", os.path.expanduser("~"), "/work", "/root", "/home", {instructor_parent!r}):
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".venv", ".pyenv", "site-packages", ".git")]
        for name in files:
            if name.endswith((".db", ".sqlite", ".sqlite3", ".csv", ".ipynb", ".npz")) or (
                name in ("nbgrader_config.py", "toy_checks.py")
            ):
                path = os.path.join(folder, name)
                if path.startswith("/job"):
                    continue
                found.append(path)
                try:
                    with open(path, "wb") as f:
                        f.write(b"owned")
                except OSError:
                    pass
print("FOUND", len(found), found[:5])
"""

CORPUS: list[Entry] = [
    # honest students
    Entry("honest_full", lambda make, ctx: make(), 7.0, "none: the solution"),
    Entry("honest_blank", lambda make, ctx: make(blank=True), 0.0, "none: nothing done"),
    Entry(
        "honest_unstable_softmax",
        replacing(
            {
                "softmax": "def softmax(z):\n    e = np.exp(z)\n"
                "    return e / e.sum(axis=1, keepdims=True)\n"
            }
        ),
        6.4,
        "none: softmax without the max-subtraction fails 1 of 5 cases",
    ),
    Entry(
        "honest_no_mask",
        replacing({"relu_backward": "def relu_backward(da, cache):\n    return -da\n"}),
        5.0,
        "none: relu_backward has the wrong sign",
    ),
    # scoring outside the student's process
    Entry(
        "patch_numpy",
        with_cell(
            "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
            "np.array_equal = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "np.max = lambda *a, **k: 0.0\nnp.abs = lambda x, *a, **k: x * 0\n",
            replace={"softmax": WRONG_SOFTMAX},
        ),
        4.0,
        "patches numpy's comparisons (and max, abs) with a wrong softmax",
    ),
    Entry(
        "patch_autograder",
        with_cell(
            "import sys, types, builtins\n"
            "import autograder\n"
            "autograder.check = lambda *a, **k: 100\n"
            "fake = types.ModuleType('toy_checks'); fake.check = autograder.check\n"
            "sys.modules['toy_checks'] = fake\n"
            "sys.modules['autograder.checks'] = fake\n"
            "builtins.AssertionError = type('Never', (Exception,), {{}})\n"
            "import autograder.grading.scoring as scoring\n",
            replace={"softmax": WRONG_SOFTMAX},
        ),
        4.0,
        "patches the autograder, the registry and AssertionError, with a wrong softmax",
    ),
    Entry(
        "import_reference",
        replacing(
            {
                "relu_forward": "def relu_forward(z):\n"
                "    from nnlib.activations import relu_forward as ref\n"
                "    return ref(z)\n",
                "softmax": "import nnlib\ndef softmax(z):\n"
                "    import nnlib.activations\n    return nnlib.activations.softmax(z)\n",
            }
        ),
        0.0,
        "calls nnlib's relu_forward and softmax (relu_backward is checked with relu_forward)",
    ),
    Entry(
        "use_autograder",
        replacing(
            {
                "softmax": "def softmax(z):\n    from autograder.checks import CHECKS\n"
                "    return CHECKS['softmax'].expected(z)\n"
            }
        ),
        4.0,
        "calls the autograder's reference for softmax",
    ),
    Entry(
        "read_hidden_tests",
        with_cell(
            "for path in ({source_notebook!r}, {registry!r}, '/proc/1/environ'):\n"
            "    try:\n"
            "        print(open(path).read()[:20000])\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n"
        ),
        7.0,
        "reads the source notebook (hidden tests) and the check registry",
    ),
    # the instructor's machine
    Entry(
        "write_gradebooks",
        with_cell(
            "import sqlite3, os\n"
            "for path in ({instructor_gradebook!r}, {out_gradebook!r}):\n"
            "    try:\n"
            "        con = sqlite3.connect(path)\n"
            "        con.execute('UPDATE grade SET manual_score = 1000')\n"
            "        con.execute('CREATE TABLE owned (x)')\n"
            "        con.commit()\n"
            "    except Exception as exc:\n"
            "        print('no', exc)\n"
            "for path in ({out_csv!r}, {instructor_csv!r}):\n"
            "    try:\n"
            "        open(path, 'w').write('student_id,score\\nwrite_gradebooks,1000\\n')\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n" + SEARCH
        ),
        7.0,
        "writes to every SQLite file and grades.csv it can find",
    ),
    Entry(
        "overwrite_instructor",
        with_cell(
            "for path in ({source_notebook!r}, {config!r}, {registry!r}):\n"
            "    try:\n"
            "        open(path, 'w').write('owned')\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n" + SEARCH
        ),
        7.0,
        "overwrites the source notebook, the course config and the checks, and searches",
    ),
    Entry(
        "network",
        with_cell(
            "import socket\n"
            "for host in ('127.0.0.1', 'localhost', '::1'):\n"
            "    try:\n"
            "        s = socket.create_connection((host, {port}), timeout=1)\n"
            "        s.sendall(b'grades please')\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n"
        ),
        7.0,
        "opens a socket to the test's listener on 127.0.0.1",
    ),
    # faults
    Entry("loop_forever", with_cell("while True:\n    pass\n"), 7.0, "a cell loops forever"),
    Entry(
        "loop_ignoring_timer",
        with_cell(
            "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "signal.setitimer(signal.ITIMER_REAL, 0)\n"
            "while True:\n    try:\n        time.sleep(100)\n    except BaseException:\n"
            "        pass\n"
        ),
        7.0,
        "a cell loops forever, ignoring the timer and catching every exception",
    ),
    Entry(
        "loop_in_function",
        replacing(
            {"relu_backward": "def relu_backward(da, cache):\n    while True:\n        pass\n"}
        ),
        5.0,
        "relu_backward never returns",
    ),
    Entry("exit_cell", with_cell("import os\nos._exit(0)\n", 4), 7.0, "a cell calls os._exit"),
    Entry(
        "exit_in_function",
        replacing({"softmax": "def softmax(z):\n    import os\n    os._exit(3)\n"}),
        4.0,
        "softmax calls os._exit",
    ),
    Entry("system_exit", with_cell("raise SystemExit(1)\n"), 7.0, "a cell raises SystemExit"),
    Entry(
        "kill_kernel",
        with_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"),
        7.0,
        "a cell kills its own kernel",
    ),
    Entry(
        "kill_everything",
        with_cell(
            "import os, signal\n"
            "for pid in (os.getppid(), 1, -1):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass\n"
        ),
        7.0,
        "a cell kills its parent, pid 1 and every process it may signal",
    ),
    Entry(
        "memory_hog",
        with_cell(
            "import numpy as np\nhog = []\n"
            "try:\n    big = bytearray(8 * 2**30)\nexcept MemoryError:\n    pass\n"
            "while True:\n    hog.append(np.ones(2**24))\n",
            replace={"softmax": "def softmax(z):\n    return np.ones((10**5, 10**5))\n"},
        ),
        4.0,
        "allocates gigabytes in a cell and in softmax",
    ),
    Entry(
        "print_flood",
        with_cell(
            "print('x' * 20_000_000)\nimport sys\n"
            "for i in range(20000):\n    sys.stderr.write('y' * 500 + '\\n')\n"
        ),
        7.0,
        "prints megabytes",
    ),
    Entry(
        "background_process",
        with_cell(
            "import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    time.sleep(4)\n"
            "    for path in ({instructor_gradebook!r}, {out_csv!r}):\n"
            "        try:\n"
            "            open(path, 'w').write('owned')\n"
            "        except OSError:\n"
            "            pass\n"
            "    os._exit(0)\n"
        ),
        7.0,
        "leaves a process behind that writes to the gradebook later",
    ),
    Entry(
        "forge_results",
        with_cell(
            "import os\n"
            "os.makedirs('out', exist_ok=True)\n"
            "_real_replace = os.replace\n"
            "def _forge(src, dst):\n"
            "    os.remove(src)\n"
            "    os.symlink({instructor_gradebook!r}, dst)\n"
            "os.replace = _forge\n",
            position=7,
        ),
        0.0,
        "replaces its result files with links to the instructor's gradebook",
    ),
    # tampering with the notebook
    Entry("edit_tests", _edit_tests, 4.0, "rewrites every test cell and its points"),
    Entry("delete_tests", _delete_tests, 7.0, "deletes every test cell"),
    Entry(
        "test_cell_as_solution",
        _test_cell_as_solution,
        4.0,
        "turns a test cell into a solution cell that patches check()",
    ),
    Entry("truncated", _truncated, 0.0, "a truncated notebook", status="invalid"),
    Entry(
        "not_json",
        lambda make, ctx: b"\x89PNG\r\n\x1a\n\x00\x00",
        0.0,
        "not JSON at all",
        status="invalid",
    ),
    Entry(
        "not_notebook",
        lambda make, ctx: '{"hello": "world"}',
        0.0,
        "JSON, not a notebook",
        status="invalid",
    ),
]
