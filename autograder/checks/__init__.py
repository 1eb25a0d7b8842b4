"""The registry of checks: one per graded function, grouped by assignment.

``CHECKS`` maps a function name to its :class:`Check`; ``ASSIGNMENTS`` maps an assignment (a
chapter of the book) to the names of its graded functions, in notebook order. The checks of an
assignment live in the module named after its chapter (:func:`module_of`): those of
``07-backprop`` in ``autograder/checks/backprop.py``; ``base.py``, ``arrays.py`` and
``classifier.py`` hold what several chapters share.

>>> from autograder.checks import CHECKS, run_check
>>> report = run_check("relu_forward", my_relu_forward)  # doctest: +SKIP
>>> print(report)  # doctest: +SKIP
relu_forward: 10/10 cases passed, 1 of 1 points
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

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
    "REFERENCE_CODE",
    "answered_by",
    "resolve_reference",
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

#: The assignments, one per chapter of the book with an exercise, in order.
ASSIGNMENT_NAMES = (
    "02-data",
    "03-one-neuron",
    "04-feedforward",
    "05-activations",
    "06-losses",
    "07-backprop",
    "08-gradcheck",
    "09-training",
    "10-signs-classifier",
    "11-mnist-classifier",
    "12-gpu",
    "13-regularization",
    "14-deep-networks",
)


def module_of(assignment: str) -> str:
    """The module holding an assignment's checks, named after its chapter: ``07-backprop`` ->
    ``autograder.checks.backprop``; each such module defines ``CHECKS``."""
    return "autograder.checks." + assignment.split("-", 1)[1].replace("-", "_")


ASSIGNMENT_MODULES: dict[str, list[Check]] = {
    assignment: importlib.import_module(module_of(assignment)).CHECKS
    for assignment in ASSIGNMENT_NAMES
}

CHECKS: dict[str, Check] = {
    check.name: check for checks in ASSIGNMENT_MODULES.values() for check in checks
}
ASSIGNMENTS: dict[str, list[str]] = {
    assignment: [check.name for check in checks]
    for assignment, checks in ASSIGNMENT_MODULES.items()
}


#: nnlib's code that answers each graded function (``module:qualified name``): what the book may
#: show only in a collapsed block labelled as the solution (``{nnlib-code}`` in ``book/_ext``
#: does so, and the book's tests check the built pages).
REFERENCE_CODE: dict[str, tuple[str, ...]] = {
    "one_hot": ("nnlib.preprocessing:one_hot",),
    "train_val_split": (
        "nnlib.preprocessing:train_val_split",
        "nnlib.preprocessing:stratified_split_indices",
    ),
    "normalize": ("nnlib.preprocessing:fit_standardizer", "nnlib.preprocessing:standardize"),
    "neuron_forward": ("nnlib.activations:sigmoid_forward",),
    "dense_forward": ("nnlib.layers:dense_forward",),
    "mlp_forward": ("nnlib.network:MLP._forward",),
    "sigmoid_forward": ("nnlib.activations:sigmoid_forward",),
    "sigmoid_backward": ("nnlib.activations:sigmoid_backward",),
    "tanh_forward": ("nnlib.activations:tanh_forward",),
    "tanh_backward": ("nnlib.activations:tanh_backward",),
    "relu_forward": ("nnlib.activations:relu_forward",),
    "relu_backward": ("nnlib.activations:relu_backward",),
    "leaky_relu_forward": ("nnlib.activations:leaky_relu_forward",),
    "leaky_relu_backward": ("nnlib.activations:leaky_relu_backward",),
    "softmax": ("nnlib.activations:softmax",),
    "binary_cross_entropy": ("nnlib.losses:binary_cross_entropy",),
    "softmax_cross_entropy": ("nnlib.losses:softmax_cross_entropy",),
    "dense_backward": ("nnlib.layers:dense_backward",),
    "loss_and_grads": ("nnlib.network:MLP.loss_and_grads",),
    "numerical_gradient": ("nnlib.gradcheck:numerical_gradient",),
    "relative_error": ("nnlib.gradcheck:relative_error",),
    "sgd_step": ("nnlib.optim:SGD.step",),
    "momentum_step": ("nnlib.optim:SGD.step",),
    "adam_step": ("nnlib.optim:Adam.step",),
    "array_module": ("nnlib.backend:get_array_module",),
    "l2_penalty": ("nnlib.regularization:l2_penalty",),
    "dropout_forward": ("nnlib.regularization:dropout_forward",),
    "dropout_backward": ("nnlib.regularization:dropout_backward",),
    "batchnorm_forward": ("nnlib.normalization:batchnorm_forward",),
    "batchnorm_backward": ("nnlib.normalization:batchnorm_backward",),
    "deep_loss_and_grads": (
        "nnlib.network:MLP.loss_and_grads",
        "nnlib.network:MLP._forward",
        "nnlib.network:MLP._hidden",
        "nnlib.network:MLP._hidden_backward",
    ),
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
