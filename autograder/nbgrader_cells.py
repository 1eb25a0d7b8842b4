"""Every question the course asks about an nbgrader cell, answered in one place.

nbgrader marks cells in their metadata (``metadata.nbgrader``: ``grade``, ``solution``,
``grade_id``, ``points``, ``checksum``). The release, the notebook check, the batch grader, the
similarity report and the benchmark all ask the same few questions of a cell; they ask them
here, which answers with nbgrader's own helpers (``is_grade``, ``is_solution``,
``determine_grade``, ``compute_checksum``) where nbgrader has one. A cell may come from a
student's file, so a cell here is a plain ``dict`` or an ``nbformat.NotebookNode``, and any
metadata that is not what nbgrader writes counts as absent.

The kinds of cell, as nbgrader defines them:

* a **test cell** (autograder tests): ``grade`` and not ``solution``, a code cell;
* a **solution cell** (autograded answer): ``solution``; the released exercise clears its
  ``### BEGIN SOLUTION`` region;
* a **manually graded answer** (a written answer): both ``grade`` and ``solution``, usually a
  markdown cell; nbgrader scores it 0 when it is left as released (its checksum unchanged) and
  otherwise leaves it to a person (``determine_grade`` gives no score).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbgrader import utils


def nbgrader_meta(cell: Any) -> dict:
    """The cell's ``metadata.nbgrader`` as a dict; ``{}`` where it is missing or malformed."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _node(cell: Any) -> nbformat.NotebookNode:
    """The cell as nbgrader's helpers take it: a NotebookNode with well-formed nbgrader metadata."""
    if isinstance(cell, nbformat.NotebookNode) and isinstance(cell.get("metadata"), dict):
        return cell
    node = nbformat.from_dict(
        {
            "cell_type": cell.get("cell_type", ""),
            "metadata": {"nbgrader": nbgrader_meta(cell)},
            "source": cell_source(cell),
            "outputs": cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else [],
        }
    )
    return node


def cell_source(cell: Any) -> str:
    """The cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def is_test_cell(cell: Any) -> bool:
    """An autograder test cell: graded, not a solution, code."""
    node = _node(cell)
    return bool(utils.is_grade(node)) and not utils.is_solution(node) and is_code(cell)


def is_solution_cell(cell: Any) -> bool:
    """A cell holding the student's answer (cleared in the release)."""
    return bool(utils.is_solution(_node(cell)))


def is_manual_answer(cell: Any) -> bool:
    """A manually graded answer: graded and a solution (nbgrader's "Manually graded answer")."""
    node = _node(cell)
    return bool(utils.is_grade(node)) and bool(utils.is_solution(node))


def answered(cell: Any) -> bool:
    """Whether a manually graded answer was written: nbgrader's ``determine_grade`` leaves it to
    a person (no automatic score) unless it is exactly as released."""
    checksum = nbgrader_meta(cell).get("checksum")
    if checksum is None:
        return True
    try:
        return utils.compute_checksum(_node(cell)) != checksum
    except Exception:  # a cell a student's editor mangled: a person looks at it
        return True


def is_code(cell: Any) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") == "code"


def grade_id(cell: Any) -> str:
    """The cell's nbgrader id, or ``""``."""
    return str(nbgrader_meta(cell).get("grade_id", ""))


def points(cell: Any) -> float:
    """The points of a graded cell (0 where it gives none)."""
    try:
        return float(nbgrader_meta(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def test_cell_score(cell: Any) -> float:
    """What nbgrader gives an executed test cell (``determine_grade``): 0 after an error or
    output to stderr, the displayed value as partial credit, else full points."""
    score, _ = utils.determine_grade(_node(cell))
    return float(score or 0.0)


def edited(cell: Any) -> bool:
    """Whether a cell's content differs from the checksum nbgrader recorded at release."""
    checksum = nbgrader_meta(cell).get("checksum")
    if checksum is None:
        return False
    try:
        return utils.compute_checksum(_node(cell)) != checksum
    except Exception:
        return True


def ensure_scripts_on_path() -> None:
    """Put this Python's scripts folder on PATH: nbgrader runs the ``alembic`` command it installs.

    Without it, nbgrader fails to open a gradebook whenever the environment's ``bin`` folder is
    not on PATH, as when a virtual environment's command is run without activating it.
    """
    scripts = os.path.dirname(sys.executable)
    paths = os.environ.get("PATH", "").split(os.pathsep)
    if scripts not in paths:
        os.environ["PATH"] = os.pathsep.join([scripts, *paths])


def released_cells(source_dir: Path | None) -> list[str]:
    """The code cells of the released exercise, made from the source notebooks as nbgrader
    does (``ClearSolutions``), test cells left out."""
    from nbgrader.preprocessors import ClearSolutions

    if source_dir is None or not Path(source_dir).is_dir():
        return []
    cells = []
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        nb, _ = ClearSolutions().preprocess(nbformat.read(path, as_version=4), {})
        cells += [c.source for c in nb.cells if c.cell_type == "code" and not is_test_cell(c)]
    return cells
