"""Student submissions for exercise 12-gpu (get_array_module, accuracy), each with what is wrong in it or how it is right."""

A = "12-gpu"

GAM_OK = '''
import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            return sys.modules["cupy"]
    return np
'''

ENTRIES = [
    # ------------------------------------------------------------------ mistakes
    dict(
        assignment=A,
        function="get_array_module",
        kind="mistake",
        what=(
            "signature get_array_module(x) with a single parameter instead of *arrays: a call "
            "with two arrays raises TypeError"
        ),
        source='''
import sys

import numpy as np


def get_array_module(x):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    if type(x).__module__.startswith("cupy"):
        return sys.modules["cupy"]
    return np
''',
    ),
    dict(
        assignment=A,
        function="get_array_module",
        kind="mistake",
        what=(
            "returns the module's name, the string 'numpy' (or 'cupy'), instead of the module "
            "object itself, so xp.exp(...) fails"
        ),
        source='''
import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            return "cupy"
    return "numpy"
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="mistake",
        what=(
            "uses argmax(axis=1) for every shape: with one output unit, logits (N, 1), argmax "
            "is always 0, so every sample is predicted as class 0 instead of 'class 1 where "
            "the logit is positive'"
        ),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    predicted = xp.argmax(logits, axis=1)
    return float(xp.mean(predicted == y))
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="mistake",
        what=(
            "binary case compares the (N, 1) column logits > 0 with y of shape (N,): the "
            "comparison broadcasts to an (N, N) matrix and its mean is not the accuracy"
        ),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        predicted = (logits > 0).astype(y.dtype)
    else:
        predicted = logits.argmax(axis=1)
    return float((predicted == y).mean())
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="mistake",
        what=("returns the number of correct predictions (sum) instead of the share (mean)"),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        predicted = (logits[:, 0] > 0).astype(xp.int64)
    else:
        predicted = xp.argmax(logits, axis=1)
    return float(xp.sum(predicted == y))
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="mistake",
        what=(
            "binary threshold logits >= 0 instead of > 0: a logit of exactly 0 is predicted as "
            "class 1, but the notebook says class 1 only where the logit is positive"
        ),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        predicted = logits[:, 0] >= 0
    else:
        predicted = logits.argmax(axis=1)
    return float(xp.mean(predicted == y))
''',
    ),
    # ------------------------------------------------------------------ correct
    dict(
        assignment=A,
        function="get_array_module",
        kind="correct",
        what=(
            "looks cupy up with sys.modules.get('cupy') and tests isinstance against "
            "cupy.ndarray only when CuPy is already imported; numpy otherwise"
        ),
        source='''
import sys

import numpy as np


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    cupy = sys.modules.get("cupy")
    if cupy is not None and any(isinstance(a, cupy.ndarray) for a in arrays):
        return cupy
    return np
''',
    ),
    dict(
        assignment=A,
        function="get_array_module",
        kind="correct",
        what="any() over the arrays' type modules with a generator; returns sys.modules['cupy'] or np",
        source='''
import sys

import numpy


def get_array_module(*arrays):
    """The array library of the arrays: the cupy module if one is a CuPy array, else numpy."""
    on_gpu = any(type(a).__module__.split(".")[0] == "cupy" for a in arrays)
    return sys.modules["cupy"] if on_gpu else numpy
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="correct",
        what=(
            "binary case via xp.where(logits[:, 0] > 0, 1, 0); counts matches with "
            "count_nonzero and divides by N; returns float(...)"
        ),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    n = logits.shape[0]
    if logits.shape[1] == 1:
        predicted = xp.where(logits[:, 0] > 0, 1, 0)
    else:
        predicted = logits.argmax(axis=1)
    return float(xp.count_nonzero(predicted == y.reshape(-1))) / n
''',
    ),
    dict(
        assignment=A,
        function="accuracy",
        kind="correct",
        what=(
            "binary case rewritten as two-class logits (stacking 0 and the logit) so argmax "
            "handles both cases; ties at logit 0 go to class 0 as required"
        ),
        source=GAM_OK
        + '''

def accuracy(logits, y):
    """Share of rows of logits (N, C), or (N, 1) for two classes, predicting y (N,)."""
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        logits = xp.concatenate([xp.zeros_like(logits), logits], axis=1)
    correct = logits.argmax(axis=1) == y
    return float(correct.mean())
''',
    ),
]
