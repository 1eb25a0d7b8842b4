"""Grade a whole class: every submission in the sandbox, in parallel, one row each.

:func:`grade_class` is what ``autograder grade`` runs. For each student it reads the notebooks
as data, runs their code cells (never their test cells) in a sandboxed process, calls the graded
functions on the grader's inputs, judges the returned arrays in the grader's process and records
the scores in an nbgrader gradebook, ``grades.csv`` and an HTML feedback page. A submission that
fails in any way gets a row with a status and a reason; it never stops the batch.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from autograder.grading import lms as lms_files
from autograder.grading import outputs, similarity
from autograder.grading.assignment import (
    Assignment,
    GradedFunction,
    check_points,
    function_spec,
    load_assignment,
    load_registry,
)
from autograder.grading.late import LatePolicy
from autograder.grading.progress import Progress, printable
from autograder.grading.results import ClassResult, FunctionScore, StudentResult
from autograder.grading.roster import read_roster
from autograder.grading.sandbox.executors import DaskSandbox, LocalSandbox, make_lib_dir
from autograder.grading.sandbox.inputs import PreparedInputs, encode_hidden, prepare_inputs
from autograder.grading.sandbox.isolation import (
    Isolation,
    Limits,
    SandboxRefused,
    detect_isolation,
)
from autograder.grading.sandbox.leftovers import remove_stale, work_dir
from autograder.grading.sandbox.supervisor import NotGraded, RunReport
from autograder.grading.scoring import cell_scores, judge_function
from autograder.grading.store import (
    Entry,
    ResultStore,
    content_key,
    grader_version,
    source_version,
    stored_assignments,
)
from autograder.grading.submissions import (
    Submission,
    derive_folders,
    read_download,
    read_notebook,
)
from autograder.grading.text import clean_result, listing
from autograder.grading.written import write_for_formgrader
from autograder.nbgrader_cells import released_cells
from autograder.outcomes import Outcome
from autograder.reveal import DEFAULT as DEFAULT_REVEAL
from autograder.reveal import check_mode
from autograder.secret import CourseSecret, resolve_secret, using_secret

#: Seconds within which the times of a Canvas download's files are the time the zip was made:
#: Canvas gives every member of the zip the time it wrote it (rubyzip's default time).
CANVAS_ZIP_SECONDS = 120.0
#: How a note words each status of a cell that the sandbox had to skip.
SKIPPED_CELL = {"timeout": "ran past the time limit", "crash": "ended the process"}


@dataclass
class Prepared:
    """What every submission shares: each function's spec and visible cases, each notebook's
    inputs, and the released exercise's code cells (a cell handed in as released is the
    course's)."""

    checks: dict[str, GradedFunction]
    inputs: dict[str, PreparedInputs]
    released: frozenset[str] = frozenset()


def prepare_checks(
    assignment: Assignment,
    lib_dir: Path,
    isolation: Isolation,
    limits: Limits,
    log: Callable[[str], None] = print,
) -> Prepared:
    """Build each graded function's runner spec and visible cases, and write each notebook's
    inputs (with the large arrays its hidden cases share); the course secret must be active."""
    prepared: dict[str, GradedFunction] = {}
    inputs: dict[str, PreparedInputs] = {}
    for nb in assignment.notebooks:
        for cell in nb.grade_cells:
            if not cell.calls:
                log(f"warning: test cell {cell.grade_id} of {nb.name} checks no graded function")
        for name in nb.functions:
            prepared[name] = function_spec(assignment.checks[name])
        path = lib_dir / "inputs" / f"{nb.name}.npz"
        inside = f"/grader/inputs/{nb.name}.npz" if isolation.bwrap else str(path)
        specs = [prepared[name].spec for name in nb.functions]
        shared = tuple(a for name in nb.functions for a in prepared[name].shared)
        inputs[nb.name] = prepare_inputs(specs, path, inside, limits, shared)
    released = frozenset(c.strip() for c in released_cells(assignment.source_dir))
    return Prepared(prepared, inputs, released)


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    sandbox: LocalSandbox | DaskSandbox,
    limits: Limits,
    prepared: Prepared,
) -> StudentResult:
    """Grade one student's notebooks; every failure becomes a status and a reason.

    ``sandbox`` runs the student's code (here or on a Dask worker); the judging is done here.
    """
    started = time.monotonic()
    result = _result_for(submission, assignment)
    result.notes += submission.notes
    reasons: list[str] = []
    invalid = missing = 0
    for nb in assignment.notebooks:
        functions: dict[str, FunctionScore] = {}
        path = submission.notebooks.get(nb.name)
        if nb.name in submission.unreadable:
            invalid += 1
            reasons.append(submission.unreadable[nb.name])
        elif path is None:
            missing += 1
            others = submission.other_files
            found = f" (found: {listing(others)})" if others else ""
            reasons.append(f"no notebook {nb.name}.ipynb was submitted{found}")
        else:
            written_ids = frozenset(cell.grade_id for cell in nb.written)
            read = read_notebook(path, nb.test_cell_ids, written_ids)
            result.notes += read.notes
            _record_written(result, nb, read.written)
            if read.error:
                invalid += 1
                reasons.append(f"{submission.file_names.get(nb.name, path.name)}: {read.error}")
            else:
                graded = [prepared.checks[name] for name in nb.functions]
                # each submission's hidden cases are its own: drawn from the secret and its
                # notebook's bytes, the same at a regrade, other for any other notebook
                drawn = hashlib.sha256(path.read_bytes()).hexdigest()
                hidden = {g.spec.name: g.hidden(drawn) for g in graded}
                frame = encode_hidden(list(hidden.items()), prepared.inputs[nb.name])
                course = {i for i, source in read.cells if source.strip() in prepared.released}
                specs = [g.spec for g in graded]
                run = sandbox.run(nb.name, read.cells, specs, submission.folder, course, frame)
                _record_run(result, nb.name, run, limits)
                judging = time.monotonic()
                for g in graded:
                    cases = g.visible + hidden[g.spec.name]
                    functions[g.spec.name] = judge_function(
                        g.check,
                        cases,
                        run.results[g.spec.name],
                        len(g.visible),
                        hidden_only=g.hidden_only,
                    )
                result.timings["judging"] = result.timings.get("judging", 0.0) + (
                    time.monotonic() - judging
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
        result.notes.append("also handed in, not graded: " + listing(submission.other_files))
    result.reason = "; ".join(reasons + result.notes)
    result.seconds = time.monotonic() - started
    return result


def _record_run(result: StudentResult, notebook: str, run: RunReport, limits: Limits) -> None:
    """Add what the sandbox reported of one notebook's run to ``result``: which sandbox ran it,
    its log and timings, and a note for each cap it hit and each cell it had to skip."""
    result.sandbox = result.sandbox if result.sandbox == "none" else run.sandbox
    result.log += run.log
    for phase, seconds in run.timings.items():
        result.timings[phase] = result.timings.get(phase, 0.0) + seconds
    for folder in run.disk_full:
        result.notes.append(
            f"{notebook}: the notebook filled {folder} ({limits.disk_mb} MiB, the cap"
            " on what a submission may write): writes past it failed"
        )
    if run.process_cap_hit:
        result.notes.append(
            f"{notebook}: the notebook tried to run more than {limits.processes}"
            " processes or threads at once: the ones past the cap were refused"
        )
    if run.memory_cap_hit:
        result.notes.append(
            f"{notebook}: the notebook used more than its {limits.memory_mb} MiB of memory"
            " (memory files and /tmp included) and its process was killed"
        )
    if run.refused:
        result.notes.append(
            f"{notebook}: the notebook tried to run code that is not in its cells (exec, eval or"
            " compile of a string): refused; the similarity report compares what it tried"
        )
        result.refused_code += "\n\n".join(run.refused)
    for index, status in sorted(run.cells.items()):
        if status in SKIPPED_CELL:
            result.notes.append(f"{notebook}: cell {index} {SKIPPED_CELL[status]} and was skipped")


def _record_written(result: StudentResult, nb, answered: dict[str, bool]) -> None:
    """Record the state of each written answer of notebook ``nb`` (answered, left blank, or
    deleted), and say which ones a person has to grade."""
    if not nb.written:
        return
    states = {
        cell.grade_id: (
            "missing"
            if cell.grade_id not in answered
            else "answered"
            if answered[cell.grade_id]
            else "blank"
        )
        for cell in nb.written
    }
    result.written[nb.name] = states
    missing = [grade_id for grade_id, state in states.items() if state == "missing"]
    if missing:
        result.notes.append(f"{nb.name}: written answers deleted (0 points): {listing(missing)}")


def _result_for(submission: Submission, assignment: Assignment, **fields) -> StudentResult:
    """An empty result row carrying the submission's identity."""
    return StudentResult(
        submission.student_id,
        max_score=assignment.max_score,
        name=submission.name,
        folder=submission.folder,
        written_points=assignment.written_points,
        **fields,
    )


def _identify(result: StudentResult, submission: Submission) -> StudentResult:
    """Give ``result`` the submission's identity and time (a stored result is reused as is)."""
    result.name, result.folder = submission.name, submission.folder
    result.submitted_at = submission.submitted_at
    result.lms = submission.lms
    first = next(iter(submission.attachments.values()), "")
    result.attachment = first
    return result


def _apply_late(result: StudentResult, late: LatePolicy | None, canvas_late: bool | None) -> str:
    """The late penalty of ``result``, from its time of submission and the policy.

    ``canvas_late`` is Canvas's own marker (None: not a Canvas download). Returns a note where
    Canvas and the due date disagree, else "".
    """
    result.late_seconds = late.late_seconds(result.submitted_at) if late else 0.0
    result.penalty = round(result.score * late.share(result.submitted_at), 4) if late else 0.0
    notes = []
    if result.late_seconds > 0:
        hours = result.late_seconds / 3600
        notes.append(
            f"handed in {hours:.1f} h after the due date: {result.penalty:g} points deducted"
        )
    disagreement = ""
    if canvas_late and late is None:
        notes.append("Canvas marks it late")
    elif canvas_late and result.late_seconds <= 0 and result.submitted_at is not None:
        disagreement = "Canvas marks it late, but by its file's time it was handed in on time"
    elif canvas_late is False and result.late_seconds > 0 and late is not None:
        disagreement = "Canvas does not mark it late, but by its file's time it was late"
    if disagreement:
        notes.append(disagreement + " (check it in Canvas)")
    result.reason = "; ".join(r for r in (result.reason, *notes) if r)
    return disagreement


def _compare_code(found, keys, assignment, results, out, threshold, log) -> None:
    """Write ``similarity/<assignment>.html`` and fill each result's ``similarity`` column.

    The comparison is reused when no submission's content key (``keys``, which covers the
    notebooks' bytes and the grader's code) and no setting changed since the last run.
    """
    page = out / "similarity" / f"{assignment.name}.html"
    cache = ResultStore(out, assignment.name).root / "similarity.json"
    extra = {r.student_id: r.refused_code for r in results if r.refused_code}
    digest = hashlib.sha256(f"{threshold}\0".encode())
    for sub in sorted(found, key=lambda s: s.student_id):
        digest.update(f"{sub.student_id}\0{keys[sub.student_id]}\0".encode())
        digest.update(extra.get(sub.student_id, "").encode("utf-8", "replace") + b"\0")
    key = digest.hexdigest()
    summary = None
    with contextlib.suppress(OSError, ValueError, KeyError):
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["key"] == key and page.is_file() and page.with_suffix(".csv").is_file():
            summary = saved
    if summary is None:
        page.parent.mkdir(parents=True, exist_ok=True)
        done = similarity.report_class(found, assignment, page, threshold, extra)
        summary = {
            "key": key,
            "columns": done.columns,
            "pairs": done.pairs,
            "references": done.references,
            "threshold": done.threshold,
        }
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(summary), encoding="utf-8")
    compared = {sub.student_id for sub in found}
    for (
        result
    ) in results:  # rows kept from earlier runs, of students not compared, stay as they are
        if result.student_id in compared:
            result.similarity = summary["columns"].get(result.student_id, "")
    log(
        f"similarity: {summary['pairs']} pairs of students flagged from {summary['threshold']:.0%}"
        f" ({'set by the class' if threshold == similarity.AUTO else 'given'}) and"
        f" {summary['references']} close to solutions/ or nnlib; wrote {page} and"
        f" {page.with_suffix('.csv').name}"
    )


def find_submissions(
    submissions: Path,
    assignment: Assignment,
    work: Path,
    roster: Path | None = None,
    zone: tzinfo | None = None,
    log: Callable[[str], None] = print,
) -> tuple[list[Submission], list[Submission]]:
    """The submissions to grade, and the enrolled students with none.

    A zip's times are read in ``zone`` (default: the convention of the LMS it came from). With a
    ``roster`` (see :mod:`autograder.grading.roster`), its names are the display names and every
    enrolled student without a submission is returned in the second list. Files whose owner
    cannot be told are listed through ``log`` and graded for nobody.
    """
    expected = [nb.name for nb in assignment.notebooks]
    download = read_download(submissions, work / "submissions", assignment.name, expected, zone)
    if download.unattributed:
        log(
            f"warning: {len(download.unattributed)} file(s) not graded, their owner cannot be"
            f" told from the name: {listing(download.unattributed, 10)}"
        )
    found = download.submissions
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


def _only(students, found, absent):
    """The submissions of the students named by ``--student``; an unknown id is an error."""
    wanted = list(dict.fromkeys(students))
    known = {s.student_id for s in found + absent}
    unknown = [sid for sid in wanted if sid not in known]
    if unknown:
        some = ", ".join(printable(s) for s in sorted(known)[:5])
        raise ValueError(
            f"--student {', '.join(printable(u) for u in unknown)}: no submission (or roster"
            f" entry) has that id; ids found: {some}{' ...' if len(known) > 5 else ''}"
        )
    keep = set(wanted)
    return [s for s in found if s.student_id in keep], [s for s in absent if s.student_id in keep]


def _same_row(a: StudentResult, b: StudentResult) -> bool:
    """Whether two rows say the same thing, how long their grading's phases took aside (the
    time of writing a row is added to it after it is stored)."""
    return dataclasses.replace(a, timings={}) == dataclasses.replace(b, timings={})


class _Run:
    """One run's bookkeeping: every row, each one stored as soon as it is decided."""

    def __init__(
        self, out, assignment, store, gradebook, late, bar, log, progress, reveal=DEFAULT_REVEAL
    ) -> None:
        self.out, self.assignment, self.store = out, assignment, store
        self.gradebook, self.late, self.bar = gradebook, late, bar
        self.log, self.progress, self.reveal = log, progress, reveal
        self.lock = threading.Lock()
        #: Students whose lateness Canvas judges otherwise than the due date: id -> why.
        self.disagreements: dict[str, str] = {}
        self.rows: dict[str, StudentResult] = {}
        #: Each row stored in this run: its key, its result, and the similarity stored with it.
        self.saved: dict[str, tuple[str, StudentResult, str]] = {}
        self.graded = 0
        self.grading_seconds = 0.0

    def record(
        self,
        result: StudentResult,
        submission: Submission | None,
        key: str | None,
        fresh: bool,
        stored: Entry | None = None,
    ) -> StudentResult:
        """Finish ``result`` into its row (identity, late penalty), store both, write the
        feedback and the gradebook; returns the row.

        ``key`` None: not stored (a grader error or a lost worker: the next run grades it
        again). ``fresh`` False: reused from the store (``stored``), rewritten only where the
        row changed, and written to the gradebook only where it differs from what it holds.
        """
        if submission is not None:
            _identify(result, submission)
        clean_result(result)
        row = copy.deepcopy(result)
        canvas = submission.late if submission is not None and submission.lms == "canvas" else None
        disagreement = _apply_late(row, self.late, canvas)
        if disagreement:
            with self.lock:
                self.disagreements[row.student_id] = disagreement
        if stored is not None:
            row.similarity = stored.row.similarity  # until this run's comparison says otherwise
        changed = fresh or stored is None or not _same_row(row, stored.row)
        if key is not None and changed:
            self.store.save(key, result, row)
        if key is not None:
            with self.lock:
                self.saved[row.student_id] = (key, result, row.similarity)
        feedback = self.out / "feedback" / row.folder / f"{self.assignment.name}.html"
        if changed or not feedback.is_file():  # an unchanged row's page is already there
            outputs.write_feedback(feedback, self.assignment, row, self.reveal)
        if self.assignment.written_points and submission is not None:
            # the notebook where formgrader shows its written answers to grade
            graded = self.out / "autograded" / row.student_id / self.assignment.name
            if changed or not graded.is_dir():
                write_for_formgrader(
                    self.out, self.assignment.name, row.student_id, submission.notebooks
                )
        self.gradebook.add(row, if_changed=not fresh)
        with self.lock:
            self.rows[row.student_id] = row
        return row

    def store_similarity(self) -> None:
        """Store again the rows whose similarity column the comparison changed."""
        for sid, (key, result, stored_with) in self.saved.items():
            row = self.rows.get(sid)
            if row is not None and row.similarity != stored_with:
                self.store.save(key, result, row)

    def line(self, result: StudentResult) -> None:
        text = f"  {result.student_id}: {result.final_score:g}/{result.max_score:g} "
        text += f"{result.status} {result.reason}"
        (self.bar.write if self.progress else self.log)(printable(text.rstrip()))


def _load_assignment(name: str, registry: str | ModuleType, source_dir: Path | None) -> Assignment:
    """The assignment ``name`` of ``registry``, with its source notebooks from ``source_dir``
    (default ``solutions/<name>`` where it exists)."""
    if source_dir is None and Path("solutions", name).is_dir():
        source_dir = Path("solutions", name)
    return load_assignment(name, load_registry(registry), source_dir)


def _announce(secret: CourseSecret, log: Callable[[str], None]) -> CourseSecret:
    """Log which course secret grades this batch (its fingerprint, never the secret)."""
    made = "created now; keep it, and keep it out of releases" if secret.created else "found"
    log(f"course secret: fingerprint {secret.fingerprint} ({secret.source}, {made})")
    return secret


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
    similarity_threshold: float | str | None = similarity.DEFAULT_THRESHOLD,
    progress: bool = False,
    students: list[str] | None = None,
    late: LatePolicy | None = None,
    scheduler: str | None = None,
    security=None,
    lms: lms_files.LmsOptions | None = None,
    no_sandbox: bool = False,
    timezone: tzinfo | None = None,
    reveal: str = DEFAULT_REVEAL,
    log: Callable[[str], None] = print,
) -> ClassResult:
    """Grade every submission of ``assignment_name`` found in ``submissions``.

    A rerun into the same ``out`` reuses the result of every submission that did not change
    (:mod:`autograder.grading.store`) and grades the others; rows of other students and other
    assignments graded into ``out`` are kept.

    Parameters
    ----------
    assignment_name : str
        The assignment, as named in the check registry and the source folder.
    submissions : Path
        A folder (nbgrader's ``<student>/<assignment>/*.ipynb``, or an LMS download) or a zip.
    out : Path
        Receives ``gradebook.db`` (nbgrader), ``grades.csv``, ``feedback/<student>/``,
        ``results/`` (the stored results) and the LMS files.
    registry : str or module
        The check registry (``CHECKS``, ``ASSIGNMENTS``).
    source_dir : Path, optional
        The assignment's source notebooks (grade cells and points); default
        ``solutions/<assignment>`` when it exists.
    workers : int, optional
        Submissions graded at once; default the number of CPUs (with ``scheduler``: the Dask
        workers' threads).
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
    similarity_threshold : float, "auto" or None
        Share of matching code from which two students (or a student and ``solutions/`` or
        nnlib) are flagged in ``similarity/<assignment>.html``, its CSV file and the
        ``similarity`` column; ``"auto"``: the share the class's own distribution sets; None:
        no comparison (:mod:`autograder.grading.similarity`).
    progress : bool
        Show a progress bar (done/total, rate, time left) and name each submission that runs
        for more than 10 s (:mod:`autograder.grading.progress`); the results' lines then go
        above the bar instead of to ``log``.
    students : list of str, optional
        Grade only these students (by id), again even when unchanged; other rows are kept.
    late : LatePolicy, optional
        Due date and penalty (:mod:`autograder.grading.late`).
    scheduler : str, optional
        A Dask scheduler's address: the sandboxes run on its workers
        (:mod:`autograder.grading.sandbox.executors`).
    security : distributed.Security, optional
        TLS for the Dask connection.
    lms : LmsOptions, optional
        Which LMS files to write (:mod:`autograder.grading.lms`); default those of the LMS the
        submissions came from.
    no_sandbox : bool
        Grade even where bubblewrap cannot isolate student code (here, or on a Dask worker):
        its code then runs as an unprivileged user (never as root: where it would, grading is
        refused), and every row says so. Without it, grading is refused
        (:class:`~autograder.grading.sandbox.isolation.SandboxRefused`) before anything is
        written.
    timezone : tzinfo, optional
        The zone of a zip's time stamps (default: the convention of the LMS it came from,
        :data:`~autograder.grading.submissions.LMS_ZONES`; never this machine's zone).
    reveal : {"full", "message", "score"}
        What a feedback page shows of a failing hidden case (:mod:`autograder.reveal`).
    log : callable
        Receives progress lines.
    """
    started = time.monotonic()
    limits = limits or Limits()
    reveal = check_mode(reveal)
    assignment = _load_assignment(assignment_name, registry, source_dir)
    isolation = isolation or detect_isolation()
    refusal = "" if scheduler else isolation.refusal(no_sandbox)
    if refusal:
        raise SandboxRefused(refusal)
    secret = _announce(secret or resolve_secret(), log)
    out.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out, assignment_name)
    store.write_meta(assignment)
    stored = store.entries()
    gradebook = outputs.GradebookWriter(out / "gradebook.db", assignment, late)
    gradebook.start()
    remove_stale()  # what a killed run left: its temporary folders and cgroups
    work = work_dir("autograder-")
    run: _Run | None = None
    try:
        versions = grader_version() + source_version(assignment)
        os.chmod(work, 0o711)
        found, absent = find_submissions(submissions, assignment, work, roster, timezone, log)
        if late is not None:
            _check_times(found)
        keys = {
            s.student_id: content_key(s, assignment, secret.fingerprint, limits, versions)
            for s in found
        }
        everyone = list(found)
        if students:
            found, absent = _only(students, found, absent)
        todo, reused = _changed(found, keys, stored, set(students or ()), sandboxed=not no_sandbox)
        bar = Progress(len(todo), enabled=progress)
        run = _Run(out, assignment, store, gradebook, late, bar, log, progress, reveal)
        _record_known(run, stored, reused, absent, secret.fingerprint)
        seen = {s.student_id for s in found + absent}
        kept = [sid for sid in run.rows if sid not in seen]
        log(
            f"{assignment_name}: {len(todo)} submissions to grade, {len(reused)} unchanged since"
            f" the last run (reused)" + (f", {len(kept)} other rows kept" if kept else "")
        )
        if todo:
            settings = (limits, isolation, secret, Where(scheduler, security, no_sandbox))
            with using_secret(secret):  # the hidden cases are drawn as each submission runs
                _grade_all(todo, keys, assignment, run, work, workers, *settings, log)
        if similarity_threshold is not None and everyone:
            _compare_code(
                everyone, keys, assignment, run.rows.values(), out, similarity_threshold, log
            )
            run.store_similarity()
        gradebook.finish()
        _write_outputs(out, run, lms, log, gradebook.manual)
        _summarise(run, log)
    except KeyboardInterrupt:
        if run is not None:
            _write_outputs(out, run, lms, log)
            log(
                f"interrupted: {run.graded} graded in this run, every finished submission is"
                " stored; run the same command again to grade the rest"
            )
        raise
    finally:
        gradebook.close()
        shutil.rmtree(work, ignore_errors=True)
    results = [run.rows[s.student_id] for s in found + absent if s.student_id in run.rows]
    outcome = ClassResult(results, isolation, time.monotonic() - started, out, secret.fingerprint)
    return _finish(outcome, run, len(todo), len(reused), log)


def _finish(
    outcome: ClassResult, run: _Run, graded: int, reused: int, log: Callable[[str], None]
) -> ClassResult:
    """The class's result with its counts, and the run's last line."""
    outcome.graded, outcome.reused = run.graded, reused
    outcome.grading_seconds = run.grading_seconds
    log(
        f"{graded} graded and {reused} reused in {outcome.seconds:.1f} s"
        f" ({60 * graded / outcome.seconds if outcome.seconds else 0:.1f} graded per"
        f" minute); wrote {outcome.out / 'grades.csv'}"
    )
    return outcome


def _changed(
    found: list, keys: dict[str, str], stored: dict, force: set[str], sandboxed: bool = True
) -> tuple[list, list]:
    """Split the submissions into those to grade (new, changed, asked for by ``--student``, or
    graded without a sandbox when this run has one) and those whose stored result still holds."""
    todo, reused = [], []
    for sub in found:
        entry = stored.get(sub.student_id)
        if (
            sub.student_id in force
            or entry is None
            or entry.key != keys[sub.student_id]
            or (sandboxed and entry.result.sandbox == "none")
        ):
            todo.append(sub)
        else:
            reused.append(sub)
    return todo, reused


def _record_known(run: _Run, stored: dict, reused: list, absent: list, fingerprint: str) -> None:
    """Put into ``run`` what needs no grading: the rows as last written, the stored results of
    unchanged submissions, and a "no submission" row for each enrolled student without one."""
    for sid, entry in stored.items():
        run.rows[sid] = entry.row  # kept as last written, unless graded or reused below
    for sub in reused:
        entry = stored[sub.student_id]
        run.record(entry.result, sub, entry.key, fresh=False, stored=entry)
    for sub in absent:
        nothing = _result_for(sub, run.assignment, status="no submission")
        nothing.reason = "nothing was handed in"
        nothing.secret_fingerprint = fingerprint
        run.record(nothing, sub, "absent", fresh=True)


def _check_times(found: list[Submission]) -> None:
    """Refuse a due date that the download's times cannot decide.

    Raises ValueError where a zip's times have no known zone, and where a Canvas download's
    times are all the time Canvas made the zip (its files carry no time of handing in).
    """
    undated = [sub for sub in found if sub.undated]
    if undated:
        raise ValueError(
            f"--due cannot be applied: {undated[0].undated}, so give the zone of the LMS's"
            " server with --timezone (e.g. --timezone Europe/Berlin)"
        )
    canvas = [sub.submitted_at for sub in found if sub.lms == "canvas" and sub.submitted_at]
    if len(canvas) >= 2 and max(canvas) - min(canvas) < CANVAS_ZIP_SECONDS:
        raise ValueError(
            f"--due cannot be applied: the {len(canvas)} files of this Canvas download carry"
            f" times within {max(canvas) - min(canvas):.0f} s of each other, the time Canvas made"
            " the zip, not the times the students handed in. Leave --due out: Canvas's own late"
            " marker (LATE in a file's name) is then noted in each row's reason"
        )


def _summarise(run: _Run, log) -> None:
    """Say what the instructor must know of the whole batch: Canvas's disagreements with the
    due date, and rows graded without a sandbox."""
    if run.disagreements:
        log(
            f"Canvas's late marker and the due date disagree on {len(run.disagreements)}"
            " student(s): "
            + listing([f"{sid} ({why})" for sid, why in sorted(run.disagreements.items())], 50)
        )
    unsandboxed = sorted(r.student_id for r in run.rows.values() if r.sandbox == "none")
    if unsandboxed:
        log(
            f"WARNING: {len(unsandboxed)} submission(s) of {run.assignment.name} were graded"
            " WITHOUT A SANDBOX (--no-sandbox): their code ran as an unprivileged user with only"
            " resource limits; grades.csv (sandbox column) and their feedback pages say so"
        )


def _write_outputs(out: Path, run: _Run, lms, log, manual: dict | None = None) -> None:
    """``grades.csv`` (every assignment graded into ``out``) and the LMS files.

    ``manual`` holds the scores a person gave in the gradebook
    (:func:`~autograder.grading.outputs.manual_scores`; None: not read, the rows keep theirs):
    they join each row, and a page whose row they change is written again.
    """
    metas = {m["assignment"]: m for m in stored_assignments(out)}
    rows = {run.assignment.name: list(run.rows.values())}
    for name in metas:
        if name != run.assignment.name:
            rows[name] = [entry.row for entry in ResultStore(out, name).entries().values()]
    if manual is not None:
        for name, some in rows.items():
            for row in some:
                given = manual.get((row.student_id, name), {})
                if given != row.manual:
                    row.manual = given
                    if name == run.assignment.name:
                        page = out / "feedback" / row.folder / f"{name}.html"
                        outputs.write_feedback(page, run.assignment, row, run.reveal)
    outputs.write_csv(out / "grades.csv", metas, rows)
    for path in lms_files.write_all(out, run.assignment, list(run.rows.values()), lms):
        log(f"wrote {path}")


def _local_sandbox(
    work: Path, lib_dir: Path, isolation: Isolation, limits: Limits, prepared: Prepared
) -> LocalSandbox:
    """This machine's sandbox, its job folders under ``work/jobs`` (traversable by the
    unprivileged user student code runs as without bubblewrap, but not listable)."""
    jobs = work / "jobs"
    jobs.mkdir()
    os.chmod(jobs, 0o711)
    return LocalSandbox(lib_dir, jobs, isolation, limits, prepared.inputs)


def grade_one(
    submission: Submission,
    assignment: Assignment,
    *,
    secret: CourseSecret,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    no_sandbox: bool = False,
    log: Callable[[str], None] = print,
) -> StudentResult:
    """Grade one submission on this machine, exactly as :func:`grade_class` grades each of a
    class: the same checks, hidden cases, sandbox and scoring; nothing is written but the
    sandbox's temporary folder. What a platform's grader (Gradescope's ``run_autograder``,
    PrairieLearn's entrypoint) runs for the one submission it is given.

    Raises
    ------
    SandboxRefused
        Where bubblewrap cannot isolate student code and ``no_sandbox`` is not given, or where
        student code would run as root.
    """
    limits = limits or Limits()
    isolation = isolation or detect_isolation()
    refusal = isolation.refusal(no_sandbox)
    if refusal:
        raise SandboxRefused(refusal)
    remove_stale()
    work = work_dir("autograder-")
    try:
        os.chmod(work, 0o711)
        lib_dir = make_lib_dir(work / "lib")
        # the hidden cases are drawn under the secret for this submission, as it runs
        with using_secret(secret):
            prepared = prepare_checks(assignment, lib_dir, isolation, limits, log)
            sandbox = _local_sandbox(work, lib_dir, isolation, limits, prepared)
            try:
                result = grade_submission(submission, assignment, sandbox, limits, prepared)
            finally:
                sandbox.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.secret_fingerprint = secret.fingerprint
    return clean_result(_identify(result, submission))


class Where(NamedTuple):
    """Where the sandboxes run: a Dask scheduler (with its TLS settings), or this machine."""

    scheduler: str | None = None
    security: object = None
    no_sandbox: bool = False


def _grade_all(
    todo, keys, assignment, run, work, workers, limits, isolation, secret, where: Where, log
) -> None:
    """Grade the submissions in ``todo``, in the local pool or on Dask, storing each result."""
    lib_dir = make_lib_dir(work / "lib")
    prepared = prepare_checks(assignment, lib_dir, isolation, limits, log)
    scheduler = where.scheduler
    if scheduler:
        sandbox = DaskSandbox(scheduler, prepared.inputs, limits, where.security)
        refused = sandbox.refusals(where.no_sandbox)
        if refused:
            sandbox.close()
            raise SandboxRefused(
                f"{len(refused)} Dask worker(s) cannot run student code: "
                + "; ".join(f"{address}: {why}" for address, why in sorted(refused.items()))
            )
        for address, lines in sorted(sandbox.describe().items()):
            log(f"isolation of student code on Dask worker {address}:")
            for line in lines:
                log("  " + line)
        untuned = sandbox.untuned()
        if untuned:
            log(
                f"note: {len(untuned)} Dask worker(s) run Dask's default bookkeeping (a profiler"
                " every 10 ms, a tick every 20 ms); started with the settings of \"Dask's"
                ' settings for grading" (autograder/grading/README.md) they leave that CPU to'
                f" the sandboxes: {', '.join(untuned)}"
            )
        slots = sandbox.slots(workers or 0)
        running_on = f"on {sandbox.workers()} Dask worker threads ({scheduler})"
    else:
        log("isolation of student code on this machine:")
        for line in isolation.describe():
            log("  " + line)
        workers = workers or os.cpu_count() or 1
        sandbox = _local_sandbox(work, lib_dir, isolation, limits, prepared)
        slots, running_on = workers, f"with {workers} workers"
    log(
        f"grading {len(todo)} submissions of {assignment.name} "
        f"({assignment.max_score:g} points) {running_on}"
    )
    bar = run.bar

    def grade_one(sub: Submission) -> StudentResult:
        label = sub.name if sub.name == sub.student_id else f"{sub.name} ({sub.student_id})"
        grade = functools.partial(grade_submission, sub, assignment, sandbox, limits, prepared)
        key: str | None = keys[sub.student_id]
        try:
            result = bar.run(label, grade)
        except NotGraded as exc:  # a lost worker, a sandbox that could not start
            result, key = _result_for(sub, assignment, status="error", reason=str(exc)), None
        except Exception as exc:  # a grader bug on one submission must not stop the rest
            traceback.print_exc(file=sys.stderr)
            reason = f"the grader failed on this submission: {exc}"
            result, key = _result_for(sub, assignment, status="error", reason=reason), None
        result.secret_fingerprint = secret.fingerprint
        writing = time.monotonic()
        row = run.record(result, sub, key, fresh=True)  # stored now: a stopped batch loses nothing
        row.timings["writing (store, feedback page, gradebook)"] = time.monotonic() - writing
        with run.lock:
            run.graded += 1
        return row

    pool = ThreadPoolExecutor(max_workers=slots)
    started = time.monotonic()
    try:
        with contextlib.closing(bar):
            futures = [pool.submit(grade_one, sub) for sub in todo]
            for future in as_completed(futures):
                run.line(future.result())
                bar.done()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        run.grading_seconds = time.monotonic() - started
        sandbox.close()
