"""``autograder check NOTEBOOK``: run a notebook's checks locally and report per function.

The notebook is executed with nbclient in a scratch folder holding only a copy of it (so
nothing is written beside it), every cell runs even after an error, and each test cell's printed report, or the
error that stopped it, is collected into one report per graded function. What the failures of
hidden cases show (a notebook with the instructor's hidden tests) follows ``reveal``
(:mod:`autograder.reveal`), which the kernel gets as ``$AUTOGRADER_REVEAL``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import nbgrader_cells as cells_
from autograder.reveal import DEFAULT, ENVIRONMENT

_SUMMARY = re.compile(r"^(?P<name>\w+): .*?(?P<score>[\d.]+) of (?P<points>[\d.]+) points$", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellResult:
    """The outcome of one graded test cell."""

    grade_id: str
    points: float
    score: float
    text: str


def _cell_text(cell: nbformat.NotebookNode) -> tuple[str, str | None]:
    """The stdout of a cell, and why nbgrader fails it (None when it does not).

    A cell fails on an error, or, without one, on anything written to stderr.
    """
    out, error, wrote_stderr = [], None, False
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            out.append(output.text)
        elif output.output_type == "stream" and output.name == "stderr":
            wrote_stderr = True
        elif output.output_type == "error":
            error = _ANSI.sub("", f"{output.ename}: {output.evalue}")
    if error is None and wrote_stderr:
        error = "the cell wrote to stderr, which nbgrader scores as a failure"
    return "".join(out).rstrip(), error


def grade_cells(nb: nbformat.NotebookNode) -> list[CellResult]:
    """Score every graded test cell of an executed notebook, as nbgrader would."""
    results = []
    for cell in nb.cells:
        if not cells_.is_test_cell(cell):
            continue
        points = cells_.points(cell)
        text, error = _cell_text(cell)
        score = cells_.test_cell_score(cell)
        if error is not None:
            score = 0.0
            if not _SUMMARY.search(text):
                text = (text + "\n" if text else "") + f"  the test cell failed: {error}"
        grade_id = cells_.grade_id(cell) or "?"
        results.append(CellResult(grade_id, points, min(score, points), text))
    return results


def execute(
    path: Path, timeout: int = 600, kernel_name: str = "python3", reveal: str = DEFAULT
) -> nbformat.NotebookNode:
    """Execute a notebook in a scratch folder and return the executed notebook.

    The kernel's working folder holds a copy of the notebook alone: files the notebook writes
    land there and vanish with it, and nothing beside the original is read. Its checks show
    the failures of hidden cases as ``reveal`` allows.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        shutil.copy(path, Path(tmp) / path.name)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=kernel_name,
            allow_errors=True,
            resources={"metadata": {"path": tmp}},
        )
        client.execute(env={**os.environ, ENVIRONMENT: reveal})
    return nb


def report(path: Path, timeout: int = 600, reveal: str = DEFAULT) -> tuple[str, float, float]:
    """Run the notebook's checks; return the report text, the score and the total points."""
    nb = execute(path, timeout=timeout, reveal=reveal)
    results = grade_cells(nb)
    lines = [f"{path.name}"]
    for result in results:
        if result.text:
            lines.extend("  " + line for line in result.text.splitlines())
        else:
            lines.append(f"  {result.grade_id}: {result.score:g} of {result.points:g} points")
    score = sum(r.score for r in results)
    total = sum(r.points for r in results)
    lines.append(f"total: {score:g} of {total:g} points")
    return "\n".join(lines), score, total
