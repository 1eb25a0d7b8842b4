"""Student submissions for 12-gpu: get_array_module, accuracy."""

A = "12-gpu"

_GAM = '''import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    if any(type(a).__module__.startswith("cupy") for a in arrays):
        return sys.modules["cupy"]
    return np
'''

ENTRIES = [
    # -------------------------------------------------------- get_array_module
    {
        "assignment": A,
        "function": "get_array_module",
        "kind": "mistake",
        "what": (
            "Looks only at the first argument (type(arrays[0])): get_array_module(np_array, "
            "cupy_array) returns numpy although one argument is a CuPy array. Right when the CuPy "
            "array comes first or there is a single argument."
        ),
        "source": '''import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    first = arrays[0]
    if type(first).__module__.startswith("cupy"):
        return sys.modules["cupy"]
    return np
''',
    },
    {
        "assignment": A,
        "function": "get_array_module",
        "kind": "correct",
        "what": (
            "An explicit loop over the arguments reading type(a).__module__ (with getattr and a "
            "default, so objects without a module name are treated as NumPy), returning "
            "sys.modules['cupy'] at the first CuPy array."
        ),
        "source": '''import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    for a in arrays:
        module_name = getattr(type(a), "__module__", "") or ""
        if module_name.startswith("cupy"):
            return sys.modules["cupy"]
    return np
''',
    },
    # ---------------------------------------------------------------- accuracy
    {
        "assignment": A,
        "function": "accuracy",
        "kind": "mistake",
        "what": (
            "Predicts class 1 for one output unit where the logit is >= 0 instead of > 0: a "
            "logit of exactly 0 (probability 0.5) counts as class 1. Differs only on (N, 1) "
            "logits containing an exact 0 whose label is 0 (or 1); C-class logits are right."
        ),
        "source": _GAM
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        predictions = (logits[:, 0] >= 0).astype(y.dtype)
    else:
        predictions = xp.argmax(logits, axis=1)
    return float((predictions == y).mean())
''',
    },
    {
        "assignment": A,
        "function": "accuracy",
        "kind": "mistake",
        "what": (
            "For one output unit compares the (N, 1) column of predictions, (logits > 0), with "
            "the (N,) labels: the comparison broadcasts to an (N, N) matrix and the mean over it "
            "is not the accuracy (it is the product of the shares of predicted-1 and label-1 "
            "plus that of predicted-0 and label-0). Right for C-class logits and for N = 1."
        ),
        "source": _GAM
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        pred = (logits > 0).astype(xp.int64)
    else:
        pred = logits.argmax(axis=1)
    return float(xp.mean(pred == y))
''',
    },
    {
        "assignment": A,
        "function": "accuracy",
        "kind": "mistake",
        "what": (
            "Takes argmax over the rows for every shape, ignoring the one-output-unit case: for "
            "(N, 1) logits argmax(axis=1) is always 0, so the accuracy is the share of label-0 "
            "samples whatever the logits. C-class logits are right."
        ),
        "source": _GAM
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    predictions = xp.argmax(logits, axis=1)
    return float(xp.sum(predictions == y) / len(y))
''',
    },
    {
        "assignment": A,
        "function": "accuracy",
        "kind": "correct",
        "what": (
            "Counts the right predictions with xp.count_nonzero and divides by N in Python; the "
            "binary case compares the boolean logits[:, 0] > 0 with y == 1. Returns a Python "
            "float."
        ),
        "source": _GAM
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    n = logits.shape[0]
    if logits.shape[1] == 1:
        right = (logits[:, 0] > 0) == (y == 1)
    else:
        right = xp.argmax(logits, axis=1) == y
    return int(xp.count_nonzero(right)) / n
''',
    },
]
