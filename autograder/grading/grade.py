"""Grade a whole class: every submission in the sandbox, in parallel, one row each.

:func:`grade_class` is what ``autograder grade`` runs. For each student it reads the notebooks
as data, runs their code cells (never their test cells) in a sandboxed process, calls the graded
functions on the grader's inputs, judges the returned arrays in the grader's process and records
the scores in an nbgrader gradebook, ``grades.csv`` and an HTML feedback page. A submission that
fails in any way gets a row with a status and a reason; it never stops the batch.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from autograder.grading import report, similarity
from autograder.grading.assignment import (
    Assignment,
    check_points,
    function_spec,
    load_assignment,
    load_registry,
)
from autograder.grading.evaluate import (
    FunctionSpec,
    PreparedInputs,
    prepare_inputs,
    run_submission,
)
from autograder.grading.progress import Progress, printable
from autograder.grading.results import ClassResult, FunctionScore, StudentResult
from autograder.grading.roster import read_roster
from autograder.grading.sandbox import Isolation, Limits, detect_isolation
from autograder.grading.scoring import cell_scores, judge_function
from autograder.grading.submissions import (
    Submission,
    collect,
    derive_folders,
    extract_zip,
    read_notebook,
)
from autograder.nbgrader_cells import released_cells
from autograder.outcomes import Outcome
from autograder.secret import CourseSecret, resolve_secret, using_secret

#: Modules of nnlib a student may import in the sandbox, copied there. None by default: the
#: checks (``autograder.reference_use``) count any call into nnlib as using the reference, and the
#: sandbox agrees; an instructor who lets students use helpers such as ``nnlib/backend.py``
#: adds them here.
ALLOWED_NNLIB_MODULES: tuple[str, ...] = ()


#: How a note words each status of a cell that the sandbox had to skip.
SKIPPED_CELL = {"timeout": "ran past the time limit", "crash": "ended the process"}

#: What ``import autograder`` gives student code in the sandbox: test cells are not run there,
#: so ``check`` does nothing, and nothing else of the autograder exists.
AUTOGRADER_STUB = '''"""autograder as seen while grading: checks run in the grader, not here."""


def check(*args, **kwargs):
    return None
'''


#: What ``nnlib.datasets`` gives student code in the sandbox: there is no data there (the grader
#: passes the data to the graded functions), so a cell that loads a dataset to try things out
#: fails where it loads, after the definitions above that line.
DATASETS_STUB = '''"""nnlib.datasets as seen while grading: no dataset can be loaded here."""


class DatasetUnavailable(RuntimeError):
    """Raised by every loader while grading; the runner notes it in one line, no traceback."""

    while_grading = True


def _unavailable(*args, **kwargs):
    raise DatasetUnavailable(
        "datasets cannot be loaded while grading: the grader passes the data to your functions"
    )


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _unavailable
'''


def make_lib_dir(path: Path) -> Path:
    """The read-only folder the sandbox imports from: the runner and nnlib's allowed helpers."""
    import nnlib
    from autograder.grading import runner

    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(runner.__file__, path / "runner.py")
    package = path / "nnlib"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text(
        '"""nnlib as seen while grading: helpers only, without the reference answers."""\n'
    )
    source = Path(nnlib.__file__).parent
    for name in ALLOWED_NNLIB_MODULES:
        if (source / name).is_file():
            shutil.copy(source / name, package / name)
    (package / "datasets.py").write_text(DATASETS_STUB)
    stub = path / "autograder"
    stub.mkdir(exist_ok=True)
    (stub / "__init__.py").write_text(AUTOGRADER_STUB)
    for item in [path, *path.rglob("*")]:
        item.chmod(0o755 if item.is_dir() else 0o644)
    return path


class PreparedCheck(NamedTuple):
    """A graded function's runner spec and its cases, the visible ones first."""

    spec: FunctionSpec
    cases: list
    n_visible: int


@dataclass
class Prepared:
    """What every submission shares: each function's spec and cases, each notebook's inputs,
    and the released exercise's code cells (a cell handed in as released is the course's)."""

    checks: dict[str, PreparedCheck]
    inputs: dict[str, PreparedInputs]
    released: frozenset[str] = frozenset()


def prepare_checks(
    assignment: Assignment,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    log: Callable[[str], None] = print,
) -> Prepared:
    """Build each graded function's runner spec and cases, and write each notebook's inputs."""
    prepared: dict[str, PreparedCheck] = {}
    inputs: dict[str, PreparedInputs] = {}
    for nb in assignment.notebooks:
        for cell in nb.grade_cells:
            if not cell.calls:
                log(f"warning: test cell {cell.grade_id} of {nb.name} checks no graded function")
        for name in nb.functions:
            spec, cases, n_visible = function_spec(assignment.checks[name])
            compile(spec.call_source or "", f"<call step of {name}>", "exec")
            if spec.unresolved:
                log(
                    f"warning: the call step of {name} refers to {', '.join(spec.unresolved)},"
                    " which cannot be sent to the sandbox"
                )
            prepared[name] = PreparedCheck(spec, cases, n_visible)
        path = lib_dir / "inputs" / f"{nb.name}.npz"
        inside = f"/grader/inputs/{nb.name}.npz" if isolation.bwrap else str(path)
        specs = [prepared[name].spec for name in nb.functions]
        inputs[nb.name] = prepare_inputs(specs, path, inside, limits)
    released = frozenset(c.strip() for c in released_cells(assignment.source_dir))
    return Prepared(prepared, inputs, released)


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    work: Path,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    prepared: Prepared,
) -> StudentResult:
    """Grade one student's notebooks; every failure becomes a status and a reason."""
    started = time.monotonic()
    result = _result_for(submission, assignment)
    reasons: list[str] = []
    invalid = missing = 0
    for nb in assignment.notebooks:
        functions: dict[str, FunctionScore] = {}
        path = submission.notebooks.get(nb.name)
        if path is None:
            missing += 1
            found = (
                f" (found: {', '.join(submission.other_files)})" if submission.other_files else ""
            )
            reasons.append(f"no notebook {nb.name}.ipynb was submitted{found}")
        else:
            read = read_notebook(path, nb.test_cell_ids)
            result.notes += read.notes
            if read.error:
                invalid += 1
                reasons.append(f"{path.name}: {read.error}")
            else:
                specs = [prepared.checks[name].spec for name in nb.functions]
                course = {i for i, source in read.cells if source.strip() in prepared.released}
                run = run_submission(
                    read.cells,
                    specs,
                    prepared.inputs[nb.name],
                    work / submission.folder / nb.name,
                    lib_dir,
                    isolation,
                    limits,
                    course_cells=course,
                )
                result.log += run.log
                for folder in run.disk_full:
                    result.notes.append(
                        f"{nb.name}: the notebook filled {folder} ({limits.disk_mb} MiB, the cap"
                        " on what a submission may write): writes past it failed"
                    )
                if run.process_cap_hit:
                    result.notes.append(
                        f"{nb.name}: the notebook tried to run more than {limits.processes}"
                        " processes or threads at once: the ones past the cap were refused"
                    )
                for index, status in sorted(run.cells.items()):
                    if status in SKIPPED_CELL:
                        result.notes.append(
                            f"{nb.name}: cell {index} {SKIPPED_CELL[status]} and was skipped"
                        )
                for name in nb.functions:
                    _, cases, n_visible = prepared.checks[name]
                    functions[name] = judge_function(
                        assignment.checks[name], cases, run.results[name], n_visible
                    )
        for name in nb.functions:
            if name not in functions:
                functions[name] = FunctionScore(
                    name,
                    check_points(assignment.checks[name]),
                    0.0,
                    [],
                    "not graded: " + (reasons[-1] if reasons else "no notebook"),
                    kind=Outcome.NOT_GRADED,
                )
        slow, died = [], []
        for fs in functions.values():
            if fs.kind is Outcome.USED_REFERENCE:
                result.notes.append(fs.message)
            elif fs.kind is Outcome.NOT_GRADED:
                continue
            elif fs.has(Outcome.TIMED_OUT):
                slow.append(fs.name)
            elif fs.has(Outcome.PROCESS_DIED):
                died.append(fs.name)
        if slow:
            result.notes.append(f"{', '.join(slow)} ran past the time limit")
        if died:
            result.notes.append(f"{', '.join(died)} ended the process or left no results")
        result.functions += functions.values()
        result.cells[nb.name] = cell_scores(nb, functions)
    result.score = round(sum(sum(c.values()) for c in result.cells.values()), 4)
    if invalid == len(assignment.notebooks):
        result.status = "invalid"
    elif missing == len(assignment.notebooks):
        result.status = "no notebook" if submission.other_files else "missing"
    elif invalid or missing:
        result.status = "partial"
    elif all(fs.kind is Outcome.NOT_ATTEMPTED for fs in result.functions):
        result.status = "not attempted"
    if submission.other_files and missing < len(assignment.notebooks):
        result.notes.append("also handed in, not graded: " + ", ".join(submission.other_files))
    result.reason = "; ".join(reasons + result.notes)
    result.seconds = time.monotonic() - started
    return result


def _result_for(submission: Submission, assignment: Assignment, **fields) -> StudentResult:
    """An empty result row carrying the submission's identity."""
    return StudentResult(
        submission.student_id,
        max_score=assignment.max_score,
        name=submission.name,
        folder=submission.folder,
        **fields,
    )


def _compare_code(found, assignment, results, out, threshold, log) -> None:
    """Write ``similarity.html`` and fill each result's ``similarity`` column."""
    summary = similarity.report_class(found, assignment, out / "similarity.html", threshold)
    for result in results:
        result.similarity = summary.columns.get(result.student_id, "")
    log(
        f"similarity: {summary.pairs} pairs of students and {summary.references} close to"
        f" solutions/ or nnlib at {threshold:.0%} or more; wrote {out / 'similarity.html'}"
    )


def find_submissions(
    submissions: Path, assignment: Assignment, work: Path, roster: Path | None = None
) -> tuple[list[Submission], list[Submission]]:
    """The submissions to grade, and the enrolled students with none.

    With a ``roster`` (see :mod:`autograder.grading.roster`), its names are the display names
    and every enrolled student without a submission is returned in the second list.
    """
    root, others = submissions, []
    if submissions.is_file():
        root, others = extract_zip(submissions, work / "submissions")
    if not root.is_dir():
        raise FileNotFoundError(f"no folder or zip file at {submissions}")
    expected = [nb.name for nb in assignment.notebooks]
    found = collect(root, assignment.name, expected, others)
    if roster is None:
        return found, []
    enrolled = read_roster(roster)
    for sub in found:
        if sub.student_id in enrolled:
            sub.name = enrolled[sub.student_id].name
    seen = {sub.student_id for sub in found}
    absent = [
        Submission(e.student_id, e.name) for e in enrolled.values() if e.student_id not in seen
    ]
    every = found + absent
    derive_folders(every)
    return found, absent


def grade_class(
    assignment_name: str,
    submissions: Path,
    out: Path,
    *,
    registry: str | ModuleType = "autograder.checks",
    source_dir: Path | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    secret: CourseSecret | None = None,
    roster: Path | None = None,
    similarity_threshold: float | None = similarity.DEFAULT_THRESHOLD,
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> ClassResult:
    """Grade every submission of ``assignment_name`` found in ``submissions``.

    Parameters
    ----------
    assignment_name : str
        The assignment, as named in the check registry and the source folder.
    submissions : Path
        A folder (nbgrader's ``<student>/<assignment>/*.ipynb``, or an LMS download) or a zip.
    out : Path
        Receives ``gradebook.db`` (nbgrader), ``grades.csv`` and ``feedback/<student>/``.
    registry : str or module
        The check registry (``CHECKS``, ``ASSIGNMENTS``).
    source_dir : Path, optional
        The assignment's source notebooks (grade cells and points); default
        ``solutions/<assignment>`` when it exists.
    workers : int, optional
        Submissions graded at once; default the number of CPUs.
    limits : Limits
        Time and memory limits per submission.
    isolation : Isolation, optional
        What to enforce; default whatever :func:`detect_isolation` finds.
    secret : CourseSecret, optional
        The course secret the hidden cases are drawn from; default
        :func:`~autograder.secret.resolve_secret` (found, or created, in the course folder).
    roster : Path, optional
        A CSV of the enrolled students (:mod:`autograder.grading.roster`): each gets a row,
        "no submission" when they handed in nothing.
    similarity_threshold : float or None
        Share of matching code from which two students (or a student and ``solutions/`` or
        nnlib) are flagged in ``similarity.html`` and the ``similarity`` column; None: no
        comparison (:mod:`autograder.grading.similarity`).
    progress : bool
        Show a progress bar (done/total, rate, time left) and name each submission that runs
        for more than 10 s (:mod:`autograder.grading.progress`); the results' lines then go
        above the bar instead of to ``log``.
    log : callable
        Receives progress lines.
    """
    started = time.monotonic()
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    registry_module = load_registry(registry)
    if source_dir is None and Path("solutions", assignment_name).is_dir():
        source_dir = Path("solutions", assignment_name)
    assignment = load_assignment(assignment_name, registry_module, source_dir)
    isolation = isolation or detect_isolation()
    secret = secret or resolve_secret()
    made = "created now; keep it, and keep it out of releases" if secret.created else "found"
    log(f"course secret: fingerprint {secret.fingerprint} ({secret.source}, {made})")
    log("isolation of student code on this machine:")
    for line in isolation.describe():
        log("  " + line)
    out.mkdir(parents=True, exist_ok=True)
    gradebook = report.GradebookWriter(out / "gradebook.db", assignment)
    gradebook.start()
    work = Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        os.chmod(work, 0o711)
        lib_dir = make_lib_dir(work / "lib")
        with using_secret(secret):
            prepared = prepare_checks(assignment, lib_dir, isolation, limits, log)
        found, absent = find_submissions(submissions, assignment, work, roster)
        log(
            f"grading {len(found)} submissions of {assignment_name} "
            f"({assignment.max_score:g} points) with {workers} workers"
        )
        jobs = work / "jobs"
        jobs.mkdir()
        os.chmod(jobs, 0o711)
        results: list[StudentResult] = []

        def record(result: StudentResult) -> None:
            results.append(result)
            gradebook.add(result)
            feedback = out / "feedback" / result.folder / f"{assignment_name}.html"
            report.write_feedback(feedback, assignment, result)

        for sub in absent:
            record(
                _result_for(sub, assignment, status="no submission", reason="nothing was handed in")
            )
        bar = Progress(len(found), enabled=progress)

        def grade_one(sub: Submission) -> StudentResult:
            label = sub.name if sub.name == sub.student_id else f"{sub.name} ({sub.student_id})"
            grade = functools.partial(
                grade_submission, sub, assignment, jobs, lib_dir, isolation, limits, prepared
            )
            return bar.run(label, grade)

        with ThreadPoolExecutor(max_workers=workers) as pool, contextlib.closing(bar):
            futures = {pool.submit(grade_one, sub): sub for sub in found}
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a grader bug on one submission must not stop the rest
                    traceback.print_exc(file=sys.stderr)
                    result = _result_for(
                        sub,
                        assignment,
                        status="error",
                        reason=f"the grader failed on this submission: {exc}",
                    )
                record(result)
                bar.done()
                line = f"  {result.student_id}: {result.score:g}/{result.max_score:g} "
                line += f"{result.status} {result.reason}"
                (bar.write if progress else log)(printable(line.rstrip()))
        if similarity_threshold is not None:
            _compare_code(found, assignment, results, out, similarity_threshold, log)
        report.write_csv(out / "grades.csv", assignment, results, secret.fingerprint)
        gradebook.finish()
    finally:
        gradebook.close()
        shutil.rmtree(work, ignore_errors=True)
    outcome = ClassResult(results, isolation, time.monotonic() - started, out, secret.fingerprint)
    log(
        f"graded {len(results)} submissions in {outcome.seconds:.1f} s "
        f"({outcome.per_minute:.1f} per minute); wrote {out / 'grades.csv'}"
    )
    return outcome
