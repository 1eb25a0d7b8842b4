"""Hostile and honest submissions, one hostile student per attack.

Every submission starts from the assignment's complete solution; an attack adds cells of its
own at the end of the notebook (where every function is defined) or replaces a function. Each
entry's expected score is what the same code earns without the attack: full marks minus the
points of the functions it breaks. The corpus only touches ``relu_forward``, ``relu_backward``
and ``softmax``, which the toy assignment and the course's activations assignment both grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WRONG_SOFTMAX = "def softmax(z):\n    return z\n"


@dataclass
class Entry:
    """A student of the corpus: how to build the notebook, what it must score, and why.

    ``build(cls)`` returns the notebook (a dict, or text/bytes for broken files);
    ``broken`` names the functions that earn nothing (the attack's cost, or the bug's).
    """

    student: str
    build: Callable
    broken: tuple[str, ...]
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


def appended(*sources: str):
    """The complete solution with the student's own cells appended at the end."""

    def build(cls):
        nb = cls.complete()
        nb["cells"] += [code(source.format(**cls.paths)) for source in sources]
        return nb

    return build


def inserted(source: str):
    """The complete solution with a cell of the student's before the first solution cell."""

    def build(cls):
        nb = cls.complete()
        first = next(
            i
            for i, c in enumerate(nb["cells"])
            if c["metadata"].get("nbgrader", {}).get("solution")
        )
        nb["cells"].insert(first, code(source.format(**cls.paths)))
        return nb

    return build


def _edit_tests(cls):
    nb = appended(WRONG_SOFTMAX)(cls)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell["source"] = "print('all tests passed')"
            meta["points"] = 100  # and claim more points
    return nb


def _delete_tests(cls):
    nb = cls.complete()
    nb["cells"] = [c for c in nb["cells"] if not c["metadata"].get("nbgrader", {}).get("grade")]
    return nb


def _test_cell_as_solution(cls):
    nb = appended(WRONG_SOFTMAX)(cls)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and "softmax" in "".join(cell["source"]):
            meta.update(grade=False, solution=True, grade_id="my_cell")
            cell["source"] = "import builtins\nbuiltins.check = lambda *a, **k: 3.0\n"
    return nb


def _truncated(cls):
    import json

    return json.dumps(cls.complete())[:700]


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
    Entry("honest_full", lambda cls: cls.complete(), (), "none: the solution"),
    Entry(
        "honest_blank",
        lambda cls: cls.blank(),
        ("*",),
        "none: nothing done",
        status="not attempted",
    ),
    Entry(
        "honest_wrong_sign",
        appended("def relu_backward(da, cache):\n    return -da\n"),
        ("relu_backward",),
        "none: relu_backward has the wrong sign",
    ),
    # scoring outside the student's process
    Entry(
        "patch_numpy",
        appended(
            WRONG_SOFTMAX,
            "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
            "np.array_equal = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "np.max = lambda *a, **k: 0.0\nnp.abs = lambda x, *a, **k: x * 0\n",
        ),
        ("softmax",),
        "patches numpy's comparisons (and max, abs) with a wrong softmax",
    ),
    Entry(
        "patch_autograder",
        appended(
            WRONG_SOFTMAX,
            "import sys, types, builtins\n"
            "import autograder\n"
            "autograder.check = lambda *a, **k: 100\n"
            "fake = types.ModuleType('checks'); fake.check = autograder.check\n"
            "sys.modules['toy_checks'] = fake\n"
            "sys.modules['autograder.checks'] = fake\n"
            "builtins.AssertionError = type('Never', (Exception,), {{}})\n"
            "import autograder.grading.scoring as scoring\n",
        ),
        ("softmax",),
        "patches the autograder, the registry and AssertionError, with a wrong softmax",
    ),
    Entry(
        "import_reference",
        appended(
            "def relu_forward(z):\n"
            "    from nnlib.activations import relu_forward as ref\n"
            "    return ref(z)\n",
            "import nnlib\ndef softmax(z):\n"
            "    import nnlib.activations\n    return nnlib.activations.softmax(z)\n",
        ),
        ("relu_forward", "relu_backward", "softmax"),
        "calls nnlib's relu_forward and softmax (relu_backward is checked with relu_forward)",
    ),
    Entry(
        "use_autograder",
        appended(
            "def softmax(z):\n    from autograder.checks import CHECKS\n"
            "    return CHECKS['softmax'].expected(z)\n"
        ),
        ("softmax",),
        "calls the autograder's reference for softmax",
    ),
    Entry(
        "read_hidden_tests",
        appended(
            "for path in ({source_notebook!r}, {registry!r}, '/proc/1/environ'):\n"
            "    try:\n"
            "        print(open(path).read()[:20000])\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n"
        ),
        (),
        "reads the source notebook (hidden tests) and the check registry",
    ),
    # the instructor's machine
    Entry(
        "write_gradebooks",
        appended(
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
            "        print('no', exc)\n",
            SEARCH,
        ),
        (),
        "writes to every SQLite file and grades.csv it can find",
    ),
    Entry(
        "overwrite_instructor",
        appended(
            "for path in ({source_notebook!r}, {config!r}, {registry!r}):\n"
            "    try:\n"
            "        open(path, 'w').write('owned')\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n",
            SEARCH,
        ),
        (),
        "overwrites the source notebook, the course config and the checks, and searches",
    ),
    Entry(
        "network",
        appended(
            "import socket\n"
            "for host in ('127.0.0.1', 'localhost', '::1'):\n"
            "    try:\n"
            "        s = socket.create_connection((host, {port}), timeout=1)\n"
            "        s.sendall(b'grades please')\n"
            "    except OSError as exc:\n"
            "        print('no', exc)\n"
        ),
        (),
        "opens a socket to the test's listener on 127.0.0.1",
    ),
    # faults
    Entry("loop_forever", appended("while True:\n    pass\n"), (), "a cell loops forever"),
    Entry(
        "loop_ignoring_timer",
        appended(
            "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "signal.setitimer(signal.ITIMER_REAL, 0)\n"
            "while True:\n    try:\n        time.sleep(100)\n    except BaseException:\n"
            "        pass\n"
        ),
        (),
        "a cell loops forever, ignoring the timer and catching every exception",
    ),
    Entry(
        "loop_in_function",
        appended("def relu_backward(da, cache):\n    while True:\n        pass\n"),
        ("relu_backward",),
        "relu_backward never returns",
    ),
    Entry("exit_cell", inserted("import os\nos._exit(0)\n"), (), "a cell calls os._exit first"),
    Entry(
        "exit_in_function",
        appended("def softmax(z):\n    import os\n    os._exit(3)\n"),
        ("softmax",),
        "softmax calls os._exit",
    ),
    Entry("system_exit", appended("raise SystemExit(1)\n"), (), "a cell raises SystemExit"),
    Entry(
        "kill_kernel",
        inserted("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"),
        (),
        "a cell kills its own kernel",
    ),
    Entry(
        "kill_everything",
        appended(
            "import os, signal\n"
            "for pid in (os.getppid(), 1, -1):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass\n"
        ),
        (),
        "a cell kills its parent, pid 1 and every process it may signal",
    ),
    Entry(
        "memory_hog",
        appended(
            "def softmax(z):\n    return np.ones((10**5, 10**5))\n",
            "import numpy as np\nhog = []\n"
            "try:\n    big = bytearray(8 * 2**30)\nexcept MemoryError:\n    pass\n"
            "while True:\n    hog.append(np.ones(2**24))\n",
        ),
        ("softmax",),
        "allocates gigabytes in a cell and in softmax",
    ),
    Entry(
        "print_flood",
        appended(
            "print('x' * 20_000_000)\nimport sys\n"
            "for i in range(20000):\n    sys.stderr.write('y' * 500 + '\\n')\n"
        ),
        (),
        "prints megabytes",
    ),
    Entry(
        "background_process",
        appended(
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
        (),
        "leaves a process behind that writes to the gradebook later",
    ),
    Entry(
        "forge_results",
        appended(
            "import os\n"
            "fd = int(os.environ.get('GRADER_RESULTS_FD', '4'))\n"
            "try:\n"
            "    os.write(fd, b'result 0 999999999\\n' + b'x' * 4096)\n"
            "except OSError:\n"
            "    pass\n"
            "try:\n"
            "    os.symlink({instructor_gradebook!r}, 'gradebook.db')\n"
            "except OSError:\n"
            "    pass\n"
        ),
        ("*",),
        "writes a forged frame to the results pipe and links to the instructor's gradebook",
    ),
    # tampering with the notebook
    Entry("edit_tests", _edit_tests, ("softmax",), "rewrites every test cell and its points"),
    Entry("delete_tests", _delete_tests, (), "deletes every test cell"),
    Entry(
        "test_cell_as_solution",
        _test_cell_as_solution,
        ("softmax",),
        "turns a test cell into a solution cell that patches check()",
    ),
    Entry("truncated", _truncated, ("*",), "a truncated notebook", status="invalid"),
    Entry(
        "not_json",
        lambda cls: b"\x89PNG\r\n\x1a\n\x00\x00",
        ("*",),
        "not JSON at all",
        status="invalid",
    ),
    Entry(
        "not_notebook",
        lambda cls: '{"hello": "world"}',
        ("*",),
        "JSON, not a notebook",
        status="invalid",
    ),
]
