"""The registry of checks: one per graded function, grouped by assignment.

``CHECKS`` maps a function name to its :class:`Check`; ``ASSIGNMENTS`` maps an assignment (a
chapter of the book) to the names of its graded functions, in notebook order. Each assignment's
checks live in a module of this package that says which assignment it grades (``ASSIGNMENT =
"07-backprop"`` and its ``CHECKS``, in ``autograder/checks/backprop.py``); the registry imports
every module of the package and keeps those that name an assignment, so that a chapter's module
is the one place its checks are listed. ``base.py``, ``arrays.py``, ``classifier.py`` and
``mistakes.py`` hold what several chapters share.

>>> from autograder.checks import CHECKS, run_check
>>> report = run_check("relu_forward", my_relu_forward)  # doctest: +SKIP
>>> print(report)  # doctest: +SKIP
relu_forward: 10/10 cases passed, 1 of 1 points

Adding a chapter
----------------
A chapter with one graded function, ``15-mse`` grading ``mse_loss``, is five files and the
generated exercise:

1. ``book/15-mse.md``, the chapter: its exercise's badge (``{colab-badge} 15-mse``), what the
   exercise grades (``{graded-functions} 15-mse``), the reference in a collapsed block
   (``{nnlib-code} nnlib.losses:mse_loss``), three to six questions;
2. ``book/_toc.yml``, the chapter in its part (the front page's table is made from it);
3. ``solutions/15-mse/15-mse.ipynb``, the notebook: the solution cell, which is also the correct
   answer the tests use, and the test cells ``check(mse_loss)`` and
   ``check(mse_loss, hidden=True)``;
4. ``autograder/checks/mse.py`` (any name), the checks: ``ASSIGNMENT = "15-mse"``, ``CHECKS``
   (each check with its ``reference = ("nnlib.losses:mse_loss",)``, and its ``step`` when the
   function is not called with a case's arguments as they are), and the corpus
   ``MISTAKES = Mistakes()``: wrong answers with the words their reports must contain, and the
   typical bug the tests plant in the notebook (``MISTAKES.plant``);
5. ``nnlib/losses.py``, the reference function;

then ``autograder release 15-mse`` writes ``exercises/15-mse/``. The registry finds the checks
module; the course's tests find the chapter in the table of contents, the notebook in
``solutions/``, the answers in the notebook and the mistakes beside the checks.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from autograder.checks.base import (
    Case,
    Check,
    CheckReport,
    Verdict,
    call_case,
    resolve,
    score_of,
    to_plain,
)
from autograder.checks.base import run_check as _run_check

__all__ = [
    "ASSIGNMENTS",
    "CHECKS",
    "REFERENCE_CODE",
    "answered_by",
    "resolve_reference",
    "Case",
    "Check",
    "CheckReport",
    "Verdict",
    "call_case",
    "resolve",
    "run_check",
    "score_of",
    "to_plain",
]


def _assignment_modules() -> dict[str, ModuleType]:
    """The modules of this package that grade an assignment, those defining ``ASSIGNMENT``, by
    assignment, in the order of the assignments' names (the book's: ``02-data`` first)."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        assignment = getattr(module, "ASSIGNMENT", None)
        if assignment is None:
            continue  # a module the chapters share: base, arrays, classifier, mistakes
        if assignment in found:
            raise ImportError(
                f"{module.__name__} and {found[assignment].__name__} both grade {assignment}"
            )
        found[assignment] = module
    return dict(sorted(found.items()))


#: The module of each assignment's checks, in the book's order.
ASSIGNMENT_MODULES: dict[str, ModuleType] = _assignment_modules()

CHECKS: dict[str, Check] = {
    check.name: check for module in ASSIGNMENT_MODULES.values() for check in module.CHECKS
}
ASSIGNMENTS: dict[str, list[str]] = {
    assignment: [check.name for check in module.CHECKS]
    for assignment, module in ASSIGNMENT_MODULES.items()
}


#: nnlib's code that answers each graded function (``module:qualified name``), from the checks'
#: :attr:`~autograder.checks.base.Check.reference`: what the book may show only in a collapsed
#: block labelled as the solution.
REFERENCE_CODE: dict[str, tuple[str, ...]] = {
    name: tuple(check.reference) for name, check in CHECKS.items() if check.reference
}


def resolve_reference(reference: str) -> Any:
    """The object named by a ``REFERENCE_CODE`` entry, ``"nnlib.network:MLP.loss_and_grads"``."""
    module_name, qualname = reference.split(":")
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def answered_by(reference: str) -> list[str]:
    """The graded functions that nnlib's ``module:qualname`` answers (empty: none)."""
    return [name for name, refs in REFERENCE_CODE.items() if reference in refs]


def run_check(name: str | Check, source: Callable | Mapping[str, Any], hidden: bool = False):
    """Run the check of function ``name`` on the student's code in this process.

    Parameters
    ----------
    name : str or Check
        The graded function's name, such as ``"relu_backward"``.
    source : callable or mapping
        The student's function, or a namespace (a notebook's ``globals()``) holding it and
        the functions it is checked with.
    hidden : bool
        Run the hidden cases instead of the visible ones.

    Returns
    -------
    CheckReport
    """
    check_ = name if isinstance(name, Check) else _lookup(name)
    return _run_check(check_, source, hidden=hidden)


def _lookup(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(
            f"no check for a function named {name!r}; graded functions are: "
            f"{', '.join(sorted(CHECKS))}"
        ) from None
