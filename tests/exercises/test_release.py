"""exercises/ is exactly what nbgrader's generate_assignment makes of solutions/."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.checks import ASSIGNMENTS, CHECKS
from autograder.course import INSTALL_CELL_ID, REPO_ROOT, REPOSITORY_URL, install_cell_source
from autograder.release import assignments, differences

ALL = assignments()


def test_every_assignment_has_a_source_and_an_exercise():
    assert ALL == sorted(ASSIGNMENTS)
    for assignment in ALL:
        assert (REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb").is_file()
        assert (REPO_ROOT / "exercises" / assignment / f"{assignment}.ipynb").is_file()


def test_exercises_are_what_release_makes_of_solutions():
    problems = differences()
    assert not problems, "\n".join(problems) + "\nrun `autograder release` to regenerate"


def test_a_hand_edited_exercise_is_detected(tmp_path):
    root = tmp_path / "repo"
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO_ROOT / folder / "06-losses", root / folder / "06-losses")
    path = root / "exercises" / "06-losses" / "06-losses.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells[1].source += "\nA hand edit."
    nbformat.write(nb, path)
    assert differences(["06-losses"], root=root) == [
        "exercises/06-losses/06-losses.ipynb differs from its release"
    ]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("assignment", ALL)
def test_first_cell_installs_the_course_package_only_when_missing(folder, assignment):
    nb = nbformat.read(REPO_ROOT / folder / assignment / f"{assignment}.ipynb", 4)
    first = nb.cells[0]
    assert first.id == INSTALL_CELL_ID and first.cell_type == "code"
    assert first.source == install_cell_source()
    assert 'find_spec("nnlib") is None' in first.source
    assert f"git+{REPOSITORY_URL}" in first.source


#: Folders of a checkout that are not the course's own files: environments, builds, packages.
_NOT_SOURCES = {".git", ".venv", "node_modules", "_build", "test-artifacts", "__pycache__"}


def _course_files():
    """The text files of the checkout, less the generated notebooks: their install cell is
    written from ``autograder/course.py`` (and checked against it above)."""
    for folder, subfolders, files in os.walk(REPO_ROOT):
        subfolders[:] = sorted(
            d for d in subfolders if d not in _NOT_SOURCES and not d.endswith(".egg-info")
        )
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix == ".ipynb" or path.stat().st_size > 2_000_000:
                continue
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def test_the_repository_url_is_written_in_one_place():
    """autograder/course.py names the repository; the book, the README, the tests and the code
    derive its address from there (a fork changes that one file)."""
    slug = REPOSITORY_URL.removeprefix("https://github.com/")
    holders = [str(path.relative_to(REPO_ROOT)) for path, text in _course_files() if slug in text]
    assert holders == ["autograder/course.py"]


def test_the_book_is_among_the_files_searched():
    """The search above reads the book's chapters, configuration and extension."""
    searched = {str(path.relative_to(REPO_ROOT)) for path, _ in _course_files()}
    assert {"book/_config.yml", "book/01-introduction.md", "book/_ext/course_book.py"} <= searched
    assert "README.md" in searched


@pytest.mark.parametrize("assignment", ALL)
def test_student_version_has_stubs_and_no_hidden_tests_or_solutions(assignment):
    text = (REPO_ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "hidden=True" not in text
    assert "raise NotImplementedError()" in text


@pytest.mark.parametrize("assignment", ALL)
def test_source_cells_carry_nbgrader_markup(assignment):
    nb = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    graded_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests = [c for c in graded_cells if c.cell_type == "code"]
    graded = []
    for cell in tests:
        meta = cell.metadata["nbgrader"]
        name = re.search(r"^check\((\w+)\)$", cell.source, re.M).group(1)
        graded.append(name)
        assert meta["points"] == CHECKS[name].points
        assert meta["grade_id"] == f"test_{name}" and meta["locked"]
        docstring = cell.source.splitlines()[0]
        assert docstring.startswith('"""') and docstring.endswith('"""') and name in docstring
        if "classifier" not in name:
            assert "### BEGIN HIDDEN TESTS" in cell.source
    assert graded == ASSIGNMENTS[assignment]
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    code = [c for c in solutions if c.cell_type == "code"]
    assert code and all("### BEGIN SOLUTION" in c.source for c in code)
    # the written answers: manually graded markdown cells after every test cell
    written = [c for c in graded_cells if c.cell_type == "markdown"]
    assert written and all(c in solutions for c in written)
    for cell in written:
        meta = cell.metadata["nbgrader"]
        assert meta["grade_id"].startswith("written-") and meta["points"] > 0
        assert not meta["locked"] and cell.source.strip()
    assert nb.cells.index(written[0]) > nb.cells.index(tests[-1])


@pytest.mark.parametrize("assignment", ALL)
def test_markdown_is_prose_not_an_indented_code_block(assignment):
    nb = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not any(line.startswith("    ") for line in cell.source.splitlines()), (
                cell.source[:200]
            )
