"""The answers of the graded functions, and whether a piece of code contains one.

An answer is what an exercise's source notebook has between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` in the cell that defines a graded function (for a classifier, its helpers
in the same cell too). A piece of code contains it when most of the answer's tokens are found
in it, compared as the similarity report compares students (copydetect's winnowing, names and
comments normalised away): renaming the variables or reordering the lines does not hide a copy.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.checks import ASSIGNMENTS
from autograder.course import REPO_ROOT
from autograder.grading.similarity import NOISE, WINDOW
from autograder.nbgrader_cells import is_solution_cell

#: Share of an answer's tokens that, found in a piece of code, make it a copy of the answer.
#: The loop that gave exercise 9's ``train`` away shared 0.8 of it; unrelated code shares none.
CONTAINS = 0.5

_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


@dataclass(frozen=True)
class Answer:
    """The answer to one graded function of one assignment."""

    assignment: str
    function: str
    code: str


def answers(root: Path = REPO_ROOT) -> list[Answer]:
    """The answer of every graded function, from ``solutions/``."""
    found = []
    for assignment, functions in ASSIGNMENTS.items():
        nb = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code" and is_solution_cell(c)]
        for function in functions:
            defining = [c for c in cells if re.search(rf"^def {function}\(", c.source, re.M)]
            if not defining:
                raise LookupError(f"{assignment}: no solution cell defines {function}")
            code = "\n\n".join(m.group(1) for m in _REGION.finditer(defining[0].source))
            found.append(Answer(assignment, function, code))
    return found


def _fingerprint(code: str):
    from copydetect import CodeFingerprint

    # copydetect logs through the root logger about code it cannot tokenize: not a finding
    logging.getLogger().setLevel(logging.ERROR)
    return CodeFingerprint("code.py", NOISE, WINDOW, language="python", fp=io.StringIO(code))


def _lines(code: str) -> list[str]:
    return [line.strip() for line in code.splitlines() if line.strip()]


def share_of(answer: str, code: str) -> float:
    """The share of ``answer``'s tokens found in ``code``, from 0 to 1.

    An answer too short to fingerprint (``return np.maximum(z, 0), z``) is found, share 1, when
    each of its lines is a line of ``code``.
    """
    from copydetect import compare_files

    if not code.strip():
        return 0.0
    whole = _fingerprint(answer)
    if whole.token_coverage == 0:
        shown = set(_lines(code))
        return float(bool(_lines(answer)) and all(line in shown for line in _lines(answer)))
    _, shares, _ = compare_files(whole, _fingerprint(code))
    return float(shares[0])
