"""``autograder release``: regenerate ``exercises/`` from ``solutions/`` with nbgrader.

For each assignment, the source notebooks in ``solutions/<assignment>/`` get their first cell
(the install cell, from :mod:`autograder.course`) brought up to date, and nbgrader's own
``generate_assignment``, configured by the repository's ``nbgrader_config.py``, makes the
student version in a scratch course folder. The result, with volatile metadata stripped so that
the same sources always give the same bytes, replaces ``exercises/<assignment>/``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.course import INSTALL_CELL_ID, REPO_ROOT, install_cell_source
from autograder.nbgrader_cells import ensure_scripts_on_path

#: Notebook metadata kept in a released notebook; editors add other, volatile keys.
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "jupytext", "colab")
#: Cell metadata that editors and kernels add and that says nothing about the exercise.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "vscode", "trusted")


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


def assignments(root: Path = REPO_ROOT) -> list[str]:
    """The assignments: folders of ``solutions/`` holding a notebook, in name order."""
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def sync_install_cell(nb: nbformat.NotebookNode) -> bool:
    """Make the notebook's first cell the install cell; return whether anything changed."""
    source = install_cell_source()
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.get("id") == INSTALL_CELL_ID:
        if first.cell_type == "code" and first.source == source:
            return False
        first.cell_type = "code"
        first.source = source
        return True
    cell = nbformat.v4.new_code_cell(source)
    cell.id = INSTALL_CELL_ID
    cell.metadata = {"nbgrader": _read_only(INSTALL_CELL_ID)}
    nb.cells.insert(0, cell)
    return True


def requirements_text(name: str) -> str:
    """What the check of graded function ``name`` requires, as the notebook states it before
    the function: made from the check's own declarations, so that nothing is enforced unsaid."""
    from autograder.checks import CHECKS
    from autograder.checks.feedback import SCORING_RULE

    check = CHECKS[name]
    lines = [f"**What `check({name})` requires** (written from the course's checks):", ""]
    lines += [f"* {item}" for item in check.requirements()]
    lines += ["", f"*{SCORING_RULE[0].upper()}{SCORING_RULE[1:]}.*"]
    return "\n".join(lines)


def sync_requirements(nb: nbformat.NotebookNode, functions: list[str]) -> bool:
    """Put the requirements of each graded function in a markdown cell just before the cell
    that defines it (:func:`requirements_text`); return whether anything changed."""
    changed = False
    for name in functions:
        cell_id = f"requires-{name.replace('_', '-')}"
        defining = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and f"def {name}(" in c.source and c.get("id") != cell_id
        ]
        if not defining:
            continue
        text = requirements_text(name)
        index = defining[0]
        # the requirements cells just before the defining cell: one per graded function it
        # defines (sigmoid's forward and backward may share a cell)
        block = index
        while block and str(nb.cells[block - 1].get("id", "")).startswith("requires-"):
            block -= 1
        stated = [c for c in nb.cells[block:index] if c.get("id") == cell_id]
        if stated:
            if stated[0].source != text:
                stated[0].source, changed = text, True
            continue
        existing = [i for i, c in enumerate(nb.cells) if c.get("id") == cell_id]
        for i in reversed(existing):
            del nb.cells[i]
            index -= i < index
        cell = nbformat.v4.new_markdown_cell(text)
        cell.id = cell_id
        nb.cells.insert(index, cell)
        changed = True
    return changed


def _read_only(grade_id: str) -> dict:
    return {
        "grade": False,
        "grade_id": grade_id,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs, execution counts and volatile metadata, in place; return the notebook."""
    nb.metadata = {k: nb.metadata[k] for k in KEPT_NOTEBOOK_METADATA if k in nb.metadata}
    if "language_info" in nb.metadata:
        nb.metadata["language_info"] = {"name": nb.metadata["language_info"].get("name", "python")}
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook in nbformat's canonical layout (sorted keys, one-space indent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def course_config(course: Path):
    """The repository's nbgrader configuration, pointed at a scratch course folder."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    config_file = REPO_ROOT / "nbgrader_config.py"
    if config_file.exists():
        config.merge(
            PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
        )
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.source_directory = "source"
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Exchange.root = str(course / "exchange")
    return config


def generate(names: list[str], out: Path, root: Path = REPO_ROOT, sync: bool = True) -> None:
    """Generate the student version of each assignment into ``out/<assignment>/``.

    Parameters
    ----------
    names : list of str
        Assignments (folders of ``solutions/``).
    out : Path
        Where the student notebooks go; ``out/<assignment>/`` is replaced.
    root : Path
        The repository root.
    sync : bool
        Also write the up-to-date install cell back into ``solutions/``.
    """
    from nbgrader.apps import NbGraderAPI

    ensure_scripts_on_path()
    known = assignments(root)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ReleaseError(
            f"no assignment named {', '.join(unknown)} in {root / 'solutions'}; "
            f"assignments are: {', '.join(known)}"
        )
    with tempfile.TemporaryDirectory(prefix="nbgrader-course-") as tmp:
        course = Path(tmp)
        for name in names:
            for path in sorted((root / "solutions" / name).glob("*.ipynb")):
                nb = nbformat.read(path, as_version=4)
                synced = sync_install_cell(nb)
                synced = sync_requirements(nb, _graded(name)) or synced
                if synced and sync:
                    write_notebook(nb, path)
                write_notebook(nb, course / "source" / name / path.name)
        api = NbGraderAPI(config=course_config(course))
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                raise ReleaseError(
                    f"nbgrader generate_assignment {name} failed:\n"
                    f"{result.get('error', '')}\n{result.get('log', '')}"
                )
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            for path in sorted((course / "release" / name).glob("*.ipynb")):
                nb = normalize(nbformat.read(path, as_version=4))
                write_notebook(nb, target / path.name)


def _graded(assignment: str) -> list[str]:
    from autograder.checks import ASSIGNMENTS

    return ASSIGNMENTS.get(assignment, [])


def release(names: list[str] | None = None, root: Path = REPO_ROOT) -> list[Path]:
    """Regenerate ``exercises/<assignment>/`` for ``names`` (default: every assignment)."""
    names = names or assignments(root)
    generate(names, root / "exercises", root)
    return [root / "exercises" / name for name in names]


def differences(names: list[str] | None = None, root: Path = REPO_ROOT) -> list[str]:
    """What differs between ``exercises/`` and what :func:`release` would write; [] if nothing."""
    names = names or assignments(root)
    problems = []
    with tempfile.TemporaryDirectory(prefix="exercises-") as tmp:
        fresh = Path(tmp)
        generate(names, fresh, root, sync=False)
        for name in names:
            current = root / "exercises" / name
            made = {p.name for p in (fresh / name).glob("*.ipynb")}
            have = {p.name for p in current.glob("*.ipynb")} if current.exists() else set()
            for missing in sorted(made - have):
                problems.append(f"exercises/{name}/{missing} is missing")
            for extra in sorted(have - made):
                problems.append(f"exercises/{name}/{extra} has no source in solutions/{name}")
            for common in sorted(made & have):
                if (fresh / name / common).read_bytes() != (current / common).read_bytes():
                    problems.append(f"exercises/{name}/{common} differs from its release")
    for name in names:
        for path in sorted((root / "solutions" / name).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            if sync_install_cell(nb):
                problems.append(
                    f"solutions/{name}/{path.name}: its first cell is not the install cell"
                )
            if sync_requirements(nb, _graded(name)):
                problems.append(
                    f"solutions/{name}/{path.name}: a graded function's requirements are not"
                    " stated before it as the checks make them (run autograder release)"
                )
    return problems
