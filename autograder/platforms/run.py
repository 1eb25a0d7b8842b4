"""Grade the one submission a platform hands over, as ``autograder grade`` grades each of a class.

Gradescope puts a student's files in ``/autograder/submission`` and PrairieLearn in
``/grade/student``; :func:`grade_files` reads them with the grader's own reader (the notebook of
the assignment's name, or the only notebook there; other files listed), then grades it with
:func:`~autograder.grading.grade.grade_one`: the same checks, hidden cases, sandbox and scoring.

**Isolation.** Student code runs in bubblewrap where the platform's container allows it.
Most containers forbid the namespaces bubblewrap needs (Docker's default seccomp profile does);
there the code runs as the unprivileged user ``nobody`` (the grader's ``--no-sandbox``), in a
container the platform starts for this one submission and then discards, without network on
either platform. Before it does, :func:`readable_by_others` checks that ``nobody`` can read neither
the course secret nor the installed course package (its checks, nnlib): where it could, nothing
is graded. ``require_sandbox`` in the settings refuses to grade without bubblewrap at all.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.assignment import Assignment, load_assignment, load_registry
from autograder.grading.results import StudentResult
from autograder.grading.sandbox.isolation import Isolation, SandboxRefused, detect_isolation
from autograder.grading.sandbox.leftovers import work_dir
from autograder.grading.submissions import read_download
from autograder.platforms.bundle import CONFIG, SECRET, SOLUTIONS, Settings
from autograder.secret import read_secret_file

#: Most files of a submission looked at, and the most bytes copied of them in all.
MAX_FILES = 200
MAX_BYTES = 512 * 2**20
#: The student's id inside a platform: the platform keeps the real one.
STUDENT = "student"


@dataclass
class PlatformRun:
    """The grading of one submission on a platform.

    ``result`` is None when nothing could be graded, and ``problem`` says why (the sandbox was
    refused, the grader failed); a submission without the notebook is a result (status
    ``missing`` or ``no notebook``), not a problem.
    """

    settings: Settings
    assignment: Assignment | None
    result: StudentResult | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    isolation: str = ""


def _open_to_others(path: Path) -> bool:
    """Whether a user who owns nothing here could read ``path``: a file readable by others (a
    folder they may enter), in folders they may all enter."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if not mode & (stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH):
        return False
    for folder in path.parents:
        try:
            if not folder.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def readable_by_others(paths: list[Path]) -> list[str]:
    """Those of ``paths`` that the user ``nobody`` could read; empty when every one is closed
    to it (readable by its owner, root, only)."""
    return [str(path) for path in paths if _open_to_others(path)]


def _collect(files: Path, into: Path) -> list[str]:
    """Copy the submission's files (in sub-folders too) into ``into/<student>/``, by their
    own names; notes on what was left out."""
    notes: list[str] = []
    target = into / STUDENT
    target.mkdir(parents=True)
    count = size = 0
    for path in sorted(files.rglob("*")) if files.is_dir() else []:
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(files)
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        count += 1
        size += path.stat().st_size
        if count > MAX_FILES or size > MAX_BYTES:
            notes.append(
                f"more than {MAX_FILES} files or {MAX_BYTES // 2**20} MiB: {rel} and later files not read"
            )
            break
        if (target / path.name).exists():
            notes.append(f"{rel} not read: another file of the name {path.name} was")
            continue
        shutil.copyfile(path, target / path.name)
    return notes


def choose_isolation(
    settings: Settings, course: Path, installed: Path | None
) -> tuple[Isolation, bool]:
    """The isolation to grade with here, and whether that is without bubblewrap.

    Raises
    ------
    SandboxRefused
        Where bubblewrap does not work and the settings require it, or where ``nobody`` could
        read the secret or the installed course package.
    """
    isolation = detect_isolation()
    if isolation.bwrap:
        return isolation, False
    if settings.require_sandbox:
        raise SandboxRefused(isolation.refusal(False))
    open_paths = readable_by_others([course, course / SECRET, *([installed] if installed else [])])
    if open_paths:
        raise SandboxRefused(
            "bubblewrap does not work in this container, and student code running as the"
            f" user nobody could read {', '.join(open_paths)}: make them readable by root"
            " only (the setup script does so)"
        )
    return isolation, True


def describe(course: Path) -> str:
    """One line on what the course in ``course`` grades (a platform's setup checks it loads)."""
    settings = Settings.read(course / CONFIG)
    assignment = load_assignment(
        settings.assignment, load_registry(), course / SOLUTIONS / settings.assignment
    )
    functions = sum(len(nb.functions) for nb in assignment.notebooks)
    return (
        f"ready to grade {assignment.name} for {settings.platform}: {functions} graded functions,"
        f" {assignment.max_score - assignment.written_points:g} automatic points"
        f" ({assignment.written_points:g} more graded by hand); hidden cases reveal"
        f" {settings.reveal!r}; course secret {settings.fingerprint}"
    )


def grade_files(files: Path, course: Path, installed: Path | None = None, log=print) -> PlatformRun:
    """Grade the files in ``files`` with the course in ``course`` (the export's ``course/``),
    the course package installed in ``installed`` (checked private to root when student code
    runs without bubblewrap)."""
    from autograder.grading.grade import grade_one
    from autograder.grading.submissions import Submission

    started = time.monotonic()
    settings = Settings.read(course / CONFIG)
    run = PlatformRun(settings, None)
    try:
        assignment = load_assignment(
            settings.assignment, load_registry(), course / SOLUTIONS / settings.assignment
        )
        run.assignment = assignment
        secret = read_secret_file(course / SECRET)
        isolation, unsandboxed = choose_isolation(settings, course, installed)
        run.isolation = "bubblewrap" if not unsandboxed else "the user nobody, without bubblewrap"
        work = work_dir("autograder-files-")
        try:
            run.notes += _collect(files, work / "in")
            expected = [nb.name for nb in assignment.notebooks]
            download = read_download(work / "in", work / "read", assignment.name, expected)
            found = [s for s in download.submissions if s.student_id == STUDENT]
            if not found:
                run.notes.append("no file was handed in")
                found = [Submission(STUDENT, STUDENT)]
            submission = found[0]
            for key, name in submission.file_names.items():
                if name != f"{key}.ipynb":
                    run.notes.append(
                        f"graded {name} as {key}.ipynb, the name the assignment asks for"
                    )
            run.result = grade_one(
                submission,
                assignment,
                secret=secret,
                isolation=isolation,
                no_sandbox=unsandboxed,
                log=log,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except SandboxRefused as exc:
        run.problem = f"nothing was graded: {exc}"
    except Exception as exc:  # the platform must get a result, whatever went wrong
        run.problem = f"the grader failed ({type(exc).__name__}: {exc})"
    run.seconds = time.monotonic() - started
    return run


def make_private(*paths: Path) -> None:
    """Make ``paths`` (and what they hold) readable by their owner only."""
    for path in paths:
        if not path.exists():
            continue
        targets = [path, *path.rglob("*")] if path.is_dir() else [path]
        for target in targets:
            if target.is_symlink():
                continue
            mode = target.stat().st_mode
            os.chmod(target, (mode & 0o700) | (0o100 if target.is_dir() else 0))
