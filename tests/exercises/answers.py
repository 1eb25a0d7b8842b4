"""The answers the tests use: the solution notebooks' functions, and the chapters' mistakes.

An assignment's correct answers are what its notebook in ``solutions/`` defines, run as a kernel
would run it: its solution cells, and the cells that hold only imports and definitions. The
other cells (the install cell, demos that load a dataset or train) are left out, and so are the
test cells. Its wrong answers are the corpus of mistakes beside its checks
(``autograder/checks/<module>.py``, ``MISTAKES``).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

import nbformat

from autograder.checks import ASSIGNMENT_MODULES, ASSIGNMENTS
from autograder.nbgrader_cells import is_solution_cell, is_test_cell

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def _definitions_only(source: str) -> bool:
    """Whether a cell holds only imports and definitions."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    allowed = ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef
    return all(isinstance(node, allowed) for node in tree.body)


def notebook_functions(nb: nbformat.NotebookNode, name: str = "notebook") -> dict[str, Any]:
    """The namespace the answer cells of ``nb`` leave: its solution cells and the cells of
    imports and definitions, run in order."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        if is_solution_cell(cell) or _definitions_only(cell.source):
            exec(compile(cell.source, f"<{name} cell {index}>", "exec"), namespace)
    return namespace


@functools.cache
def of(assignment: str) -> dict[str, Any]:
    """The answers of one assignment, from its solution notebook(s)."""
    namespace: dict[str, Any] = {}
    for path in sorted((SOLUTIONS / assignment).glob("*.ipynb")):
        namespace.update(notebook_functions(nbformat.read(path, as_version=4), assignment))
    return namespace


@functools.cache
def everything() -> dict[str, Any]:
    """Every assignment's answers in one namespace, the later assignments' last: what a student
    who did the whole course has written."""
    namespace: dict[str, Any] = {}
    for assignment in ASSIGNMENTS:
        namespace.update(of(assignment))
    return namespace


def assignment_of(name: str) -> str:
    """The assignment that grades the function ``name``."""
    return next(a for a, names in ASSIGNMENTS.items() if name in names)


@functools.cache
def alternatives() -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """Every chapter's correct answers written otherwise, as ``(function, how, namespace)``."""
    found = []
    for module in ASSIGNMENT_MODULES.values():
        corpus = getattr(module, "MISTAKES", None)
        if corpus is not None:
            found += corpus.right_cases(everything())
    return tuple(found)


@functools.cache
def mistakes() -> tuple[tuple[str, str, str, dict[str, Any]], ...]:
    """Every chapter's mistakes, as ``(function, what is wrong, words its report must contain,
    namespace to check it in)``; the namespace holds the correct functions of every notebook."""
    found = []
    for module in ASSIGNMENT_MODULES.values():
        corpus = getattr(module, "MISTAKES", None)
        if corpus is not None:
            found += corpus.cases(everything())
    return tuple(found)
