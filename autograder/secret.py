"""The course secret: what makes the hidden cases impossible to draw outside the grader.

The visible cases of a check are seeded by the function's name, so that every student's check
in Colab is the same. The hidden cases are seeded by an HMAC of the function's name under a
secret that only the instructor has, so that no installed copy of the course package can draw
them, and a table of the reference's answers for every case a student can draw earns nothing.
The batch grader draws them for each submission (:func:`drawing_for`: the HMAC covers a digest
of the submission's notebook too), so that hidden cases one submission saw, or printed, are not
the next one's: a table of them is worth nothing either. The same notebook draws the same cases,
so that a regrade gives the same score.

Where the secret comes from, first found first:

1. an explicit file (``autograder grade --secret-file PATH``);
2. the environment: ``AUTOGRADER_SECRET`` (the secret itself) or ``AUTOGRADER_SECRET_FILE``;
3. ``.autograder-secret`` in the course folder: the outermost folder above the current one that
   holds ``nbgrader_config.py`` (so a file planted in a student's submission folder, deeper down,
   is never the one read), or the current folder when there is none;
4. otherwise it is created there on first use, readable by its owner only.

The file is ignored by git (``.gitignore``) and lies outside every assignment folder, so
neither the repository nor a release ever holds it. Grading results record its
:attr:`CourseSecret.fingerprint`, never the secret: a regrade with the same fingerprint draws the
same hidden cases.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Name of the secret's file in the course folder.
SECRET_FILE_NAME = ".autograder-secret"
#: Environment variables: the secret itself, or the path of a file holding it.
ENV_SECRET = "AUTOGRADER_SECRET"
ENV_SECRET_FILE = "AUTOGRADER_SECRET_FILE"
#: Fewest characters a secret may have.
MIN_LENGTH = 16


class MissingSecretError(RuntimeError):
    """Hidden cases were asked for where no course secret can be found or made."""


@dataclass(frozen=True)
class CourseSecret:
    """A course secret and where it came from (for messages; never the value)."""

    value: str
    source: str
    created: bool = False

    @property
    def fingerprint(self) -> str:
        """16 hex digits that identify the secret without revealing it."""
        digest = hashlib.sha256(b"autograder course secret fingerprint\0" + self.value.encode())
        return digest.hexdigest()[:16]

    def seed(self, name: str, submission: str | None = None) -> int:
        """The seed of function ``name``'s hidden cases under this secret, for ``submission``
        (a digest of its notebook; default: the one :func:`drawing_for` names, if any)."""
        submission = _submission.get() if submission is None else submission
        message = f"{name}:hidden" + (f":{submission}" if submission else "")
        mac = hmac.new(self.value.encode(), message.encode(), hashlib.sha256)
        return int.from_bytes(mac.digest()[:8], "big")

    def __repr__(self) -> str:  # never print the value
        return f"CourseSecret(fingerprint={self.fingerprint!r}, source={self.source!r})"


def _checked(value: str, source: str) -> CourseSecret:
    value = value.strip()
    if len(value) < MIN_LENGTH:
        raise ValueError(
            f"the course secret from {source} has {len(value)} characters; at least "
            f"{MIN_LENGTH} are needed (delete the file to have a new one made)"
        )
    return CourseSecret(value, source)


def read_secret_file(path: Path) -> CourseSecret:
    """Read a secret from ``path``.

    Raises
    ------
    ValueError
        If the file cannot be read, is not text or holds fewer than ``MIN_LENGTH`` characters.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the course secret file {path}: {exc}") from exc
    return _checked(text, str(path))


def course_folder(start: Path | None = None) -> Path:
    """The course folder: the outermost folder from ``start`` up with ``nbgrader_config.py``.

    The outermost, not the nearest: nbgrader runs a student's notebook inside the course
    folder, in a copy of the student's own folder, where a planted ``nbgrader_config.py`` or
    secret file would otherwise be found first.
    """
    start = Path(start or Path.cwd()).resolve()
    found = None
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").is_file():
            found = folder
    return found or start


def _create(path: Path) -> CourseSecret:
    """Write a new random secret to ``path`` (owner-only), or read the one a racer wrote."""
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret_file(path)
    except OSError as exc:
        raise MissingSecretError(
            f"no course secret was given and none can be created at {path} ({exc.strerror}): "
            f"give one with --secret-file or {ENV_SECRET_FILE}"
        ) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return CourseSecret(value, str(path), created=True)


def resolve_secret(
    secret_file: Path | None = None, *, start: Path | None = None, create: bool = True
) -> CourseSecret:
    """Find the course secret (see the module's docstring for the order), or create it.

    Raises
    ------
    MissingSecretError
        If there is none and ``create`` is false, or it cannot be written.
    ValueError
        If a secret that was found is unreadable or too short.
    """
    if secret_file is not None:
        return read_secret_file(secret_file)
    if os.environ.get(ENV_SECRET):
        return _checked(os.environ[ENV_SECRET], f"${ENV_SECRET}")
    if os.environ.get(ENV_SECRET_FILE):
        return read_secret_file(Path(os.environ[ENV_SECRET_FILE]))
    path = course_folder(start) / SECRET_FILE_NAME
    if path.is_file():
        return read_secret_file(path)
    if not create:
        raise MissingSecretError(
            "the hidden cases are drawn from the course secret, which only the instructor has "
            f"(no {SECRET_FILE_NAME} in {path.parent}, no ${ENV_SECRET}): "
            "check(f) runs the visible cases"
        )
    return _create(path)


_lock = threading.Lock()
_active: CourseSecret | None = None
#: The submission whose hidden cases are being drawn, in this thread (see :func:`drawing_for`).
_submission: contextvars.ContextVar[str] = contextvars.ContextVar("submission", default="")


@contextlib.contextmanager
def drawing_for(submission: str) -> Iterator[str]:
    """Draw the hidden cases of ``submission`` (a digest of its notebook) inside this block, in
    this thread: each submission gets cases of its own, the same at every regrade."""
    token = _submission.set(submission)
    try:
        yield submission
    finally:
        _submission.reset(token)


@contextlib.contextmanager
def using_secret(secret: CourseSecret) -> Iterator[CourseSecret]:
    """Draw every hidden case with ``secret`` inside this block (in every thread)."""
    global _active
    with _lock:
        previous, _active = _active, secret
    try:
        yield secret
    finally:
        with _lock:
            _active = previous


def active_secret() -> CourseSecret:
    """The secret set by :func:`using_secret`, or else :func:`resolve_secret` from here.

    Outside the batch grader (nbgrader's autograde runs the instructor's test cells inside the
    course folder) the secret is found in the course folder, and made there only when that
    folder has ``nbgrader_config.py``: made anywhere else, each student's folder would get a
    secret of its own.
    """
    with _lock:
        if _active is not None:
            return _active
    has_config = (course_folder() / "nbgrader_config.py").is_file()
    return resolve_secret(create=has_config)
