"""Constants and helpers shared by the grading tests (fixtures are in ``conftest.py``).

The toy assignment (``fixtures/source/toy``, checks in ``fixtures/toy_checks.py``) has three
graded functions: ``relu_forward`` (2 points), ``relu_backward`` (2) and ``softmax`` (3).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from autograder.grading.sandbox.isolation import Limits, detect_isolation

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "source" / "toy"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

#: Short limits, so that the faults of the corpus cost seconds, not minutes.
TEST_LIMITS = Limits(
    cell_seconds=5.0, call_seconds=4.0, notebook_seconds=60.0, memory_mb=1536, output_kb=32
)


def write_submission(root: Path, student: str, notebook: dict | str | bytes) -> Path:
    """Put a notebook at ``root/<student>/toy/toy.ipynb`` (nbgrader's submitted layout)."""
    path = root / student / "toy" / "toy.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, dict):
        path.write_text(json.dumps(notebook), encoding="utf-8")
    elif isinstance(notebook, str):
        path.write_text(notebook, encoding="utf-8")
    else:
        path.write_bytes(notebook)
    return path


def require_bubblewrap() -> None:
    """Skip without a working bubblewrap, except in CI, which installs it: there, fail."""
    if detect_isolation().bwrap:
        return
    message = "bubblewrap (bwrap) cannot create namespaces on this machine"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it (apt-get install bubblewrap)")
    pytest.skip(message)


def grade_toy(submissions: Path, out: Path, **options):
    """Grade the toy assignment's ``submissions`` into ``out``, quietly, on 2 workers.

    ``options`` go to :func:`~autograder.grading.grade.grade_class` (``limits`` defaults to
    ``TEST_LIMITS``).
    """
    from autograder.grading.grade import grade_class

    options.setdefault("limits", TEST_LIMITS)
    options.setdefault("log", lambda line: None)
    return grade_class(
        "toy", submissions, out, registry="toy_checks", source_dir=SOURCE, workers=2, **options
    )
