"""The registry of checks: one per graded function, grouped by assignment.

``CHECKS`` maps a function name to its :class:`Check`; ``ASSIGNMENTS`` maps an assignment (a
chapter of the book) to the names of its graded functions, in notebook order.

>>> from autograder.checks import CHECKS, run_check
>>> report = run_check("relu_forward", my_relu_forward)  # doctest: +SKIP
>>> print(report)  # doctest: +SKIP
relu_forward: 10/10 cases passed, 1 of 1 points
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autograder.checks import (
    activations,
    classifiers,
    data,
    gpu,
    gradcheck,
    layers,
    losses,
    neuron,
    training,
)
from autograder.checks.base import (
    Case,
    Check,
    Report,
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
    "Case",
    "Check",
    "Report",
    "Verdict",
    "call_case",
    "resolve",
    "run_check",
    "score_of",
    "to_plain",
]

ASSIGNMENT_MODULES = {
    "02-data": data.CHECKS,
    "03-one-neuron": neuron.CHECKS,
    "04-feedforward": layers.FEEDFORWARD_CHECKS,
    "05-activations": activations.CHECKS,
    "06-losses": losses.CHECKS,
    "07-backprop": layers.BACKPROP_CHECKS,
    "08-gradcheck": gradcheck.CHECKS,
    "09-training": training.CHECKS,
    "10-signs-classifier": classifiers.SIGNS_CHECKS,
    "11-mnist-classifier": classifiers.MNIST_CHECKS,
    "12-gpu": gpu.CHECKS,
}

CHECKS: dict[str, Check] = {
    check.name: check for checks in ASSIGNMENT_MODULES.values() for check in checks
}
ASSIGNMENTS: dict[str, list[str]] = {
    assignment: [check.name for check in checks]
    for assignment, checks in ASSIGNMENT_MODULES.items()
}


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
    Report
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
