"""The program that runs one submission inside the sandbox.

It is started by the grader as ``python runner.py JOB_DIR`` in a fresh process, in a folder that
holds only the submission's code cells and the grader's inputs. It needs nothing but the standard
library, NumPy and, for notebook magics, IPython: the course packages are not importable here,
but for the two modules below.

Steps:

1. read ``job.json`` (the code cells to run, the functions to call, the time limits) and
   ``inputs.npz`` (the grader's visible case inputs, the large ones in ``.npy`` files mapped
   when a case needs them: see :class:`Inputs`), and compile every cell (in an IPython shell's
   terms when a cell uses magics) before any student code runs;
2. install the guard (:mod:`guard`): from then on no code runs but those cells and the
   installed libraries;
3. run the cells one by one, each under a time limit;
4. call each graded function on each visible case through its check's call step; before the
   first hidden case, ask the grader for the hidden cases (``hidden`` on the progress pipe),
   which it sends through file descriptor ``GRADER_HIDDEN_FD`` and only then: no cell can read
   or print them, and the grader keeps none of the output that follows;
5. send what each function returned to the grader through a pipe (file descriptor
   ``GRADER_RESULTS_FD``), one frame per function, holding plain numeric arrays only (never
   pickles): see :func:`pack_arrays`; then the code the guard refused, and end at once, whatever
   threads the notebook left running.

Progress goes to file descriptor 3 as one line per event (``cell 4 start``, ``case 2 1 end``):
when this process dies or hangs, the grader knows which cell or case was responsible, skips it and
starts a fresh process for the rest. Nothing this process writes decides a score: the grader
judges the arrays in its own process.

It imports three modules of the course, all copied into the sandbox as files and none holding
an answer: :mod:`autograder.boundary`, what it shares with the grader (the plain encoding of
values, the snapshots of a pure function's inputs, the outcome names, the student's source
line), :mod:`autograder.call_steps`, the named steps that call the graded functions (the
job names each function's step), and the guard, beside it.
"""

from __future__ import annotations

import json
import linecache
import os
import signal
import sys
import time
import traceback
import types
from typing import Any

import numpy as np

from autograder.boundary import (
    MESSAGE_CHARS,
    Outcome,
    changed_input_message,
    changed_inputs,
    decode,
    encode,
    input_names,
    pack_arrays,
    snapshot,
    source_line,
    unpack_arrays,
)
from autograder.call_steps import STEPS, Target

if __package__:  # imported by the grader, as part of the course package
    from . import guard
else:  # run in the sandbox, where the guard is a file beside the runner
    import guard  # type: ignore[no-redef]


class CellTimeout(BaseException):
    """Raised by the interval timer when a cell or a call runs past its limit."""


class Inputs:
    """The grader's case inputs; each lookup gives an array of its own, which the student's
    function may write into without changing the next case's.

    Small arrays are read from ``inputs.npz`` once and copied at each lookup. Each large one
    (a classifier check's dataset) is an ``.npy`` file, mapped copy-on-write at each lookup: no
    read and no copy up front, the pages shared with every other sandbox through the page cache,
    and a page copied only where the function writes into it.
    """

    def __init__(self, npz: str, large: dict[str, str]) -> None:
        with np.load(npz, allow_pickle=False) as data:
            self.small = {key: data[key] for key in data.files}
        # absolute now: a student's cell may change the working folder before the calls
        self.large = {key: os.path.abspath(path) for key, path in large.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self.large:
            return np.asarray(np.load(self.large[key], mmap_mode="c", allow_pickle=False))
        return self.small[key].copy()


class _Progress:
    """Writes one line per event to the grader's pipe (fd 3), ignoring a closed pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __call__(self, *words: object) -> None:
        try:
            os.write(self.fd, (" ".join(str(w) for w in words) + "\n").encode())
        except OSError:
            pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout()


def _limited(seconds: float, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` under an interval timer of ``seconds``."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


#: Packages whose absence here means the student's function reached for the reference.
PROTECTED = ("nnlib", "autograder")
#: Libraries that would do the graded math, sent by the grader in the job
#: (autograder.reference_use.FOREIGN): here they import as stand-ins whose every function
#: raises, so that a notebook that imports one still defines its functions, and a graded
#: function that calls one is told so.
FOREIGN: tuple[str, ...] = ()


class _Forbidden(types.ModuleType):
    """A foreign library (or any of its attributes) as seen while grading: calling it raises."""

    __path__: list = []

    def __getattr__(self, attr: str) -> _Forbidden:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Forbidden(f"{self.__name__}.{attr}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        root = self.__name__.split(".")[0]
        raise ImportError(
            f"{self.__name__} is not available while grading: this exercise is NumPy only",
            name=root,
        )


class _ForbiddenFinder:
    """Gives a :class:`_Forbidden` module for every import of a foreign library."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".")[0] not in FOREIGN:
            return None
        import importlib.machinery

        return importlib.machinery.ModuleSpec(fullname, _ForbiddenFinder)

    @staticmethod
    def create_module(spec: Any) -> _Forbidden:
        return _Forbidden(spec.name)

    @staticmethod
    def exec_module(module: Any) -> None:
        return None


def _kind(exc: BaseException) -> Outcome:
    """The outcome of a call that raised ``exc``."""
    if isinstance(exc, NotImplementedError):
        return Outcome.NOT_ATTEMPTED
    if isinstance(exc, ImportError) and (exc.name or "").split(".")[0] in PROTECTED + FOREIGN:
        return Outcome.USED_REFERENCE
    return Outcome.RAISED


def _short(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:MESSAGE_CHARS]


def _send_result(fd: int, f_index: int, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Send one function's results: a line ``result INDEX NBYTES``, then the frame of
    :func:`pack_arrays`."""
    frame = pack_arrays(meta, arrays)
    view = memoryview(f"result {f_index} {len(frame)}\n".encode() + frame)
    while view:
        view = view[os.write(fd, view) :]


#: Free bytes under which a writable folder counts as full.
FULL_BYTES = 2**20


def _report_full_disk(progress: _Progress) -> None:
    """Tell the grader which of the writable folders the notebook has filled."""
    for folder in ("/job", "/tmp"):
        try:
            info = os.statvfs(folder)
        except OSError:
            continue
        if info.f_bavail * info.f_frsize < FULL_BYTES:
            progress("disk", "full", folder)


def _step_of(spec: dict) -> tuple[Any, Any]:
    """The check's call step (:data:`autograder.call_steps.STEPS`) and what it knows of the
    graded function; or None and why there is none (the grader's fault, never the student's)."""
    step = STEPS.get(spec.get("step", "direct"))
    if step is None:
        return None, f"the grader could not prepare this check: no call step {spec['step']!r}"
    functions = tuple(spec.get("also") or [spec["name"]])
    return step, Target(spec["name"], functions, tuple(spec.get("arg_names") or ()))


def _display(*objects: Any, **kwargs: Any) -> None:
    """Stand-in for IPython's ``display`` outside IPython: print the objects."""
    for obj in objects:
        print(repr(obj)[:MESSAGE_CHARS])


def _needs_ipython(source: str) -> bool:
    """Whether a cell uses IPython syntax (magics, shell escapes) or IPython itself."""
    lines = (line.lstrip() for line in source.splitlines())
    return "get_ipython" in source or any(line.startswith(("%", "!")) for line in lines)


class _Cells:
    """The notebook's code cells, compiled before any of them runs, and the namespace they run
    in: a module's, or an IPython shell's when a cell uses IPython syntax (its cells are then
    turned into Python by IPython's own transformer, magics into ``get_ipython()`` calls)."""

    def __init__(self, job: dict) -> None:
        skip_cells = set(job.get("skip_cells", []))
        self.course_cells = set(job.get("course_cells", []))
        cells = [(index, source) for index, source in job["cells"] if index not in skip_cells]
        if any(_needs_ipython(source) for _, source in cells):
            from IPython.core.interactiveshell import InteractiveShell
            from traitlets.config import Config

            config = Config()
            config.HistoryManager.enabled = False  # no SQLite history file, nothing to corrupt
            shell = InteractiveShell.instance(config=config, colors="nocolor")
            self.namespace = shell.user_ns
            cells = [(index, shell.transform_cell(source)) for index, source in cells]
        else:
            import builtins

            module = types.ModuleType("__main__")
            sys.modules["__main__"] = module
            self.namespace = module.__dict__
            self.namespace["__builtins__"] = builtins
            self.namespace["display"] = _display  # what a notebook offers without an import
        self.compiled: list[tuple[int, Any]] = []
        for index, source in cells:
            name = f"<cell {index}>"
            # the cell's lines, for the line a failing graded function stopped at
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
            try:
                self.compiled.append((index, compile(source, name, "exec")))
            except (SyntaxError, ValueError) as exc:
                self.compiled.append((index, exc))

    def _run(self, index: int, code: Any) -> str:
        if isinstance(code, BaseException):  # it did not compile
            print("".join(traceback.format_exception_only(type(code), code)), file=sys.stderr)
            return "error"
        try:
            exec(code, self.namespace)
        except CellTimeout:
            raise
        except BaseException as exc:
            # the course's own cells (a demo that loads a dataset, and what uses its data)
            # cannot all run while grading: one line each, not a traceback
            if getattr(exc, "while_grading", False) or index in self.course_cells:
                print(f"cell {index}, the course's, did not run: {_short(exc)}", file=sys.stderr)
                return "skipped"
            traceback.print_exc(limit=-3)
            return "error"
        return "ok"

    def run(self, job: dict, progress: _Progress) -> dict:
        """Run the cells in order, each under the cell time limit; return the namespace."""
        for index, code in self.compiled:
            progress("cell", index, "start")
            try:
                status = _limited(job["cell_timeout"], self._run, index, code)
            except CellTimeout:
                status = "timeout"
                print(
                    f"cell {index} ran past the time limit of {job['cell_timeout']:g} s",
                    file=sys.stderr,
                )
            except BaseException:
                status = "error"
            progress("cell", index, "end", status)
            _report_full_disk(progress)
        return self.namespace


def _where(exc: BaseException) -> str:
    """`` (line 3 of cell 7: return da * cache[0])``: the student's line that raised, or ''."""
    found = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.startswith("<cell "):
            found = source_line(frame.f_code.co_filename, lineno)
    return found


class _ChangedInput(Exception):
    """A pure function wrote into an input array."""


def _run_case(
    spec: dict, fns: dict, missing: list[str], prepared: tuple, case: dict, inputs: Any
) -> tuple[dict, dict[str, np.ndarray]]:
    """Call the student's function(s) on one case of the job (its name, and its arguments
    encoded): the case's metadata (its kind, an error, the seconds) and the arrays of its
    output, encoded for the grader."""
    meta: dict[str, Any] = {}
    case_arrays: dict[str, np.ndarray] = {}
    try:
        if missing:
            meta["kind"] = Outcome.NOT_DEFINED
            raise NameError(
                f"{', '.join(missing)} is not defined as a function"
                + (f": {spec['name']} is checked with it" if missing != [spec["name"]] else "")
            )
        args = decode(case["args"], inputs, copy=False)
        kwargs = decode(case["kwargs"], inputs, copy=False)
        step, target = prepared
        if step is None:
            raise RuntimeError(target)
        decoded = types.SimpleNamespace(name=case["name"], args=tuple(args), kwargs=dict(kwargs))
        taken = []
        if spec.get("pure"):
            default = fns.get(spec["name"]) if spec.get("step", "direct") == "direct" else None
            names = input_names(spec.get("arg_names") or [], default)
            taken = snapshot(names, decoded.args, decoded.kwargs)
        started = time.perf_counter()
        over = "raise" if spec.get("no_overflow") else np.geterr()["over"]
        with np.errstate(over=over):
            output = _limited(spec["call_timeout"], step, dict(fns), decoded, target)
        meta["seconds"] = time.perf_counter() - started
        changed = changed_inputs(taken)
        if changed:
            meta["kind"] = Outcome.CHANGED_INPUT
            raise _ChangedInput(changed_input_message(spec["name"], changed))
        meta["output"] = encode(output, case_arrays)
        meta["kind"] = Outcome.RETURNED
    except CellTimeout:
        meta = {
            "kind": Outcome.TIMED_OUT,
            "error": f"did not return within {spec['call_timeout']:g} s",
        }
    except BaseException as exc:  # the student's error, reported to the student
        error = str(exc) if isinstance(exc, _ChangedInput) else _short(exc) + _where(exc)
        if isinstance(exc, FloatingPointError) and spec.get("no_overflow"):
            error += ": " + spec["no_overflow"]
        meta = {"kind": meta.get("kind") or _kind(exc), "error": error}
        case_arrays = {}
    return meta, case_arrays


class _Hidden:
    """The hidden cases, sent by the grader once asked: each function's encoded cases, and
    their arrays; an argument they share with the visible inputs (a classifier's training
    images) is looked up there, by its key."""

    def __init__(self, fd: int, inputs: Inputs) -> None:
        self.inputs, self.cases, self.arrays, self.error = inputs, {}, {}, ""
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            meta, self.arrays = unpack_arrays(b"".join(chunks))
            self.cases = {int(k): list(v) for k, v in dict(meta["functions"]).items()}
        except Exception as exc:  # the pipe was read or closed by the notebook
            self.error = f"the hidden cases could not be read ({_short(exc)})"

    def case(self, f_index: int, h_index: int) -> dict | None:
        cases = self.cases.get(f_index, [])
        return cases[h_index] if h_index < len(cases) else None

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self.arrays:
            return np.array(self.arrays[key])  # its own, writable copy
        return self.inputs[key]


def _read_only_folders() -> tuple[str, ...]:
    """The Python installation's folders and the runner's: read-only in the sandbox, the only
    places a module's source may come from once the guard is installed."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr"}
    folders.add(os.path.dirname(os.path.abspath(__file__)))
    folders.update(p for p in sys.path if p and os.path.isdir(p) and p != os.getcwd())
    folders |= {os.path.realpath(f) for f in folders}
    return tuple(sorted(f.rstrip("/") + "/" for f in folders))


def _end(results_fd: int, count: int, progress: _Progress) -> None:
    """Send what the guard refused (for the similarity report), say done, and end now: a
    thread the notebook left running, or a handler that ignores SIGTERM, must not keep the
    sandbox alive once its results are in."""
    try:
        _send_result(results_fd, count, {"refused": guard.refused()}, {})
    except BaseException:
        pass
    progress("done")
    _flush()
    os._exit(0)


def _flush() -> None:
    """Write out what the notebook printed, wherever its streams point now."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass


def main(job_dir: str) -> int:
    global FOREIGN
    os.chdir(job_dir)
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    FOREIGN = tuple(job.get("foreign", ()))
    # stand-ins for the foreign libraries, for the message only: they are absent anyway
    sys.meta_path.insert(0, _ForbiddenFinder)
    inputs = Inputs(job["inputs"], job.get("large_inputs", {}))
    progress = _Progress(int(os.environ.get("GRADER_PROGRESS_FD", "3")))
    results_fd = int(os.environ.get("GRADER_RESULTS_FD", "4"))
    hidden_fd = int(os.environ.get("GRADER_HIDDEN_FD", "-1"))

    steps = [_step_of(spec) for spec in job["functions"]]
    cells = _Cells(job)
    guard.install(_read_only_folders(), bool(job.get("sandboxed", True)))

    namespace = cells.run(job, progress)

    hidden: _Hidden | None = None
    skip_functions = set(job.get("skip_functions", []))
    for f_index, spec in enumerate(job["functions"]):
        if f_index in skip_functions:
            continue
        required = list(spec.get("also") or [spec["name"]])
        fns = {name: namespace.get(name) for name in required}
        missing = [name for name, fn in fns.items() if not callable(fn)]
        results: list[dict] = []
        arrays: dict[str, np.ndarray] = {}
        timed_out = False
        visible = list(spec["cases"])
        for c_index in range(len(visible) + int(spec.get("n_hidden", 0))):
            if timed_out:  # one case past the limit is enough: the rest would only cost time
                results.append(
                    {"kind": Outcome.NOT_RUN, "error": "not run: an earlier case ran too long"}
                )
                continue
            source: Any = inputs
            if c_index < len(visible):
                case = visible[c_index]
            else:
                if hidden is None:  # asked for once, when the first hidden case is due
                    _flush()  # what was printed so far is shown; from here on, nothing is
                    progress("hidden")
                    hidden = _Hidden(hidden_fd, inputs)
                case, source = hidden.case(f_index, c_index - len(visible)), hidden
            if case is None:
                error = hidden.error if hidden and hidden.error else "no such hidden case"
                results.append({"kind": Outcome.NOT_RUN, "error": error})
                continue
            progress("case", f_index, c_index, "start")
            meta, case_arrays = _run_case(spec, fns, missing, steps[f_index], case, source)
            meta["prefix"] = f"c{c_index}_"
            arrays.update({meta["prefix"] + key: value for key, value in case_arrays.items()})
            results.append(meta)
            progress("case", f_index, c_index, "end", str(meta["kind"]).replace(" ", "-"))
            timed_out = meta["kind"] is Outcome.TIMED_OUT
        try:
            _send_result(results_fd, f_index, {"cases": results}, arrays)
        except BaseException as exc:
            error = "could not send the results: " + _short(exc)
            failed = {"cases": [{"kind": Outcome.RAISED, "error": error}] * len(results)}
            _send_result(results_fd, f_index, failed, {})
    _end(results_fd, len(job["functions"]), progress)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
