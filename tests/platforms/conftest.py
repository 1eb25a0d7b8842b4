"""Fixtures of the platform tests: the exports of 05-activations, built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PLATFORMS = Path(__file__).parent
if str(PLATFORMS) not in sys.path:
    sys.path.insert(0, str(PLATFORMS))

from platform_support import ASSIGNMENT, REPO  # noqa: E402


@pytest.fixture(scope="session")
def gradescope_zip(tmp_path_factory) -> Path:
    """``autograder export gradescope 05-activations --out autograder.zip``, run as a user runs it
    (from the repository's root, the session's course secret in $AUTOGRADER_SECRET)."""
    import subprocess

    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "export",
            "gradescope",
            ASSIGNMENT,
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def prairielearn_question(tmp_path_factory) -> Path:
    """``autograder export prairielearn 05-activations --out DIR``."""
    import subprocess

    out = tmp_path_factory.mktemp("prairielearn") / ASSIGNMENT
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "export",
            "prairielearn",
            ASSIGNMENT,
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out
