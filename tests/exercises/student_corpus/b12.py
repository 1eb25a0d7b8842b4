"""Student submissions for 12-gpu: get_array_module, accuracy."""

_GAM = '''
import sys

def get_array_module(*arrays):
    if any(type(a).__module__.startswith("cupy") for a in arrays):
        return sys.modules["cupy"]
    return np
'''

ENTRIES = [
    dict(assignment='12-gpu', function='get_array_module', kind='mistake',
         what='Looks at the first argument only: get_array_module(numpy_array, cupy_array) '
              'returns numpy.',
         source='''
import sys
import numpy as np

def get_array_module(*arrays):
    if arrays and type(arrays[0]).__module__.startswith("cupy"):
        return sys.modules["cupy"]
    return np
'''),
    dict(assignment='12-gpu', function='get_array_module', kind='mistake',
         what='Detects CuPy by hasattr(a, "device"): NumPy 2 arrays have a .device attribute too '
              '(array API), so NumPy arrays are taken for CuPy arrays (KeyError where CuPy is not '
              'loaded, cupy where it is).',
         source='''
import sys
import numpy as np

def get_array_module(*arrays):
    for a in arrays:
        if hasattr(a, "device"):
            return sys.modules["cupy"]
    return np
'''),
    dict(assignment='12-gpu', function='get_array_module', kind='correct',
         what='for/else loop over the arrays, sys.modules.get("cupy") and the module name tested '
              'with split(".")[0] == "cupy".',
         source='''
import sys
import numpy as np

def get_array_module(*arrays):
    for a in arrays:
        if type(a).__module__.split(".")[0] == "cupy":
            return sys.modules.get("cupy")
    else:
        return np
'''),
    dict(assignment='12-gpu', function='accuracy', kind='mistake',
         what='One output unit handled with argmax like the multi-class case: argmax of a single '
              'column is always 0, so every sample is predicted class 0.',
         source='''
import numpy as np
''' + _GAM + '''
def accuracy(logits, y):
    xp = get_array_module(logits)
    return float((xp.argmax(logits, axis=1) == y).mean())
'''),
    dict(assignment='12-gpu', function='accuracy', kind='mistake',
         what='Threshold written logits >= 0: a logit of exactly 0 is predicted class 1, where the '
              'notebook predicts class 1 only for positive logits.',
         source='''
import numpy as np
''' + _GAM + '''
def accuracy(logits, y):
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        pred = (logits[:, 0] >= 0).astype(y.dtype)
    else:
        pred = xp.argmax(logits, axis=1)
    return float((pred == y).mean())
'''),
    dict(assignment='12-gpu', function='accuracy', kind='mistake',
         what='Binary predictions kept as an (N, 1) column (logits > 0 without [:, 0]): compared '
              'with y of shape (N,) it broadcasts to (N, N), so the "accuracy" is the share of all '
              'N*N pairs that match.',
         source='''
import numpy as np
''' + _GAM + '''
def accuracy(logits, y):
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        pred = logits > 0
    else:
        pred = xp.argmax(logits, axis=1)
    return float(xp.mean(pred == y))
'''),
    dict(assignment='12-gpu', function='accuracy', kind='correct',
         what='Counts with xp.count_nonzero and divides by y.size, converting with .item().',
         source='''
import numpy as np
''' + _GAM + '''
def accuracy(logits, y):
    xp = get_array_module(logits)
    if logits.shape[-1] == 1:
        pred = (logits.reshape(-1) > 0).astype(y.dtype)
    else:
        pred = logits.argmax(axis=-1)
    return xp.asarray(xp.count_nonzero(pred == y) / y.size).item()
'''),
    dict(assignment='12-gpu', function='accuracy', kind='correct',
         what='One path for both cases: for (N, 1) logits prepends a column of zeros, so argmax '
              'gives 1 exactly where the logit is positive (a tie at 0 gives class 0).',
         source='''
import numpy as np
''' + _GAM + '''
def accuracy(logits, y):
    xp = get_array_module(logits)
    if logits.shape[1] == 1:
        logits = xp.concatenate([xp.zeros_like(logits), logits], axis=1)
    return float(xp.mean(xp.argmax(logits, axis=1) == y))
'''),
]
