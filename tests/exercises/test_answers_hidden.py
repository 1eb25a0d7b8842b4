"""No exercise gives a graded function's answer away outside the cell the student fills in.

The student's notebook (``exercises/``) has the answers' cells emptied by the release; every
other cell, code or Markdown, is the same for every student. None of them may contain most of
a graded function's answer (:mod:`graded_answers`): a helper that trains a network with the very
loop a graded ``train`` asks for would hand the points to whoever reads it. The book's listings
are checked by ``tests/book/test_solutions_hidden.py``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from graded_answers import CONTAINS, answers, share_of

from autograder.course import REPO_ROOT
from autograder.release import assignments

ANSWERS = answers()
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)


def readable_code(nb) -> list[tuple[int, str]]:
    """Every piece of code a student reads in a notebook: code cells and Markdown code blocks."""
    pieces = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            pieces.append((index, cell.source))
        elif cell.cell_type == "markdown":
            pieces += [(index, m.group(1)) for m in _FENCE.finditer(cell.source)]
    return pieces


@pytest.mark.parametrize("assignment", assignments())
def test_no_cell_of_the_exercise_contains_a_graded_answer(assignment):
    nb = nbformat.read(REPO_ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    pieces = readable_code(nb)
    exposed = [
        f"cell {index} holds {share:.0%} of {answer.function}'s answer"
        for answer in ANSWERS
        if answer.assignment == assignment
        for index, code in pieces
        if (share := share_of(answer.code, code)) >= CONTAINS
    ]
    assert not exposed, f"{assignment}: " + "; ".join(exposed)


def test_every_answer_is_recognised_in_itself():
    """Each graded function has an answer, and a copy of it counts as one."""
    unrecognised = [
        f"{a.assignment}:{a.function}" for a in ANSWERS if share_of(a.code, a.code) < CONTAINS
    ]
    assert not unrecognised, f"answers not recognised in a copy of themselves: {unrecognised}"


def test_a_renamed_copy_of_an_answer_is_recognised():
    """The loop of exercise 9's train, with other names and comments, is still its answer."""
    (train,) = [a for a in ANSWERS if a.function == "train"]
    copy = train.code
    for old, new in [("history", "epoch_losses"), ("order", "perm"), ("batch", "idx")]:
        copy = copy.replace(old, new)
    copy = "# train the model\n" + copy
    assert copy != train.code
    assert share_of(train.code, copy) >= CONTAINS
    assert share_of(train.code, "print('hello')\nx = [i for i in range(10)]") < CONTAINS
