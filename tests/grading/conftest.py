"""Fixtures of the grading tests: the toy assignment released by nbgrader."""

from __future__ import annotations

from pathlib import Path

import pytest
from classroom import make_submission, release
from grading_support import SOURCE, world_folder  # noqa: F401 (a fixture)


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """An nbgrader course folder (the instructor's) with the toy assignment released."""
    root = tmp_path_factory.mktemp("instructor")
    release(SOURCE, "toy", root)
    return root


@pytest.fixture(scope="session")
def released(course) -> Path:
    return course / "release" / "toy" / "toy.ipynb"


@pytest.fixture(scope="session")
def student_notebook(released):
    """``student_notebook(replace=None, blank=False)``: a filled-in student notebook (a dict)."""

    def make(replace: dict[str, str] | None = None, blank: bool = False) -> dict:
        return make_submission(released, SOURCE / "toy.ipynb", replace, blank)

    return make
