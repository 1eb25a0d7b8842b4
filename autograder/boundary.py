"""What both sides of the sandbox boundary share: plain values, input snapshots, outcome names.

The student's code runs in a process of its own (the sandbox's runner), the checks judge what it
returned in the grader's process, and a notebook's ``check()`` does both in one process. Each
side needs the same few things, written here once:

* :class:`Outcome`, what happened to a case, as the names both sides write;
* :func:`to_plain`, what a student's function returned made into plain values (numbers, numeric
  arrays, strings, tuples, lists and dicts), the only kind of value that crosses; and
  :func:`encode`, :func:`decode`, :func:`pack_arrays`, :func:`unpack_arrays`, how such values
  travel through a pipe as JSON and raw numeric arrays, never a pickle;
* :func:`snapshot`, :func:`changed_inputs` and :func:`changed_input_message`: a function that
  writes into its inputs is caught the same way on both sides;
* :func:`source_line`, the student's line an error points at;
* :func:`callback`, which marks the functions a call step hands to the student's code.

It needs only the standard library and NumPy: the sandbox receives this file (``make_lib_dir``
copies it beside the runner, as ``autograder/boundary.py``), where nothing else of the course
can be imported.
"""

from __future__ import annotations

import inspect
import json
import linecache
import math
import types
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from typing import Any

import numpy as np


class Outcome(str, Enum):
    """The kind of outcome of one case, or of a whole graded function.

    The runner in the sandbox writes these values as plain strings in its results;
    :meth:`parse` reads them back, and an unknown value is a case that raised.
    """

    #: The call returned a value, not yet judged (the sandbox's report of a case).
    RETURNED = "returned"
    #: Judged correct.
    PASSED = "passed"
    #: Judged wrong, or the value returned is not of a usable kind.
    WRONG = "wrong"
    #: The student's function raised an exception.
    RAISED = "raised"
    #: The function still raises ``NotImplementedError``: the exercise's placeholder.
    NOT_ATTEMPTED = "not attempted"
    #: A function the check needs is not defined in the notebook.
    NOT_DEFINED = "not defined"
    #: The call ran past its time limit and was stopped.
    TIMED_OUT = "timed out"
    #: The student's process died while running it (killed, exited, out of memory).
    PROCESS_DIED = "process died"
    #: Not run: an earlier case used up the time, or the process kept failing.
    NOT_RUN = "not run"
    #: The function changed one of its inputs in place (a pure function must not).
    CHANGED_INPUT = "changed its input"
    #: The function calls nnlib or the autograder instead of computing its answer.
    USED_REFERENCE = "used the reference"
    #: Not graded at all: no notebook, or a file that is not a notebook.
    NOT_GRADED = "not graded"

    @classmethod
    def parse(cls, value: object) -> Outcome:
        """The outcome named by ``value`` (a string from the sandbox); unknown: RAISED."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.RAISED

    def __str__(self) -> str:
        return self.value


# --- plain values -------------------------------------------------------------------------------

#: dtype kinds a plain array may have: bool, signed and unsigned integers, floats.
NUMERIC_KINDS = "biuf"
#: Longest string kept from a student's value or exception.
MESSAGE_CHARS = 2000
#: Most items kept of a returned tuple, list or dict, and deepest nesting kept.
MAX_ITEMS = 64
MAX_DEPTH = 8


def to_plain(value: Any, depth: int = 0) -> Any:
    """A returned value as plain values: what a judge may receive, on either side.

    Numbers become Python scalars, but a NumPy float scalar that is not a Python float
    (``np.float32``), which becomes a 0-d array of its dtype; arrays become numeric NumPy arrays of their own (copied, so
    that later writes by the student's code cannot alter them; CuPy arrays brought to the host);
    tuples, lists and dicts keep their structure, up to :data:`MAX_ITEMS` items and
    :data:`MAX_DEPTH` levels; strings are cut to :data:`MESSAGE_CHARS`. Anything else, an
    array of strings or objects included, becomes a short description, ``"<Model object>"``.
    """
    if depth > MAX_DEPTH:
        return "<nested too deeply>"
    if value is None:
        return None
    if isinstance(value, str):
        return value[:MESSAGE_CHARS]
    if isinstance(value, tuple | list):
        items = [to_plain(v, depth + 1) for v in value[:MAX_ITEMS]]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    if type(value).__module__.startswith("cupy") and hasattr(value, "get"):
        value = value.get()
    scalar = isinstance(value, bool | int | float | np.generic)
    if scalar or isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        try:
            array = np.array(value)  # a base-class copy, never a subclass or a view
        except Exception:
            return f"<{type(value).__name__} object>"
        if array.dtype.kind not in NUMERIC_KINDS:
            return f"<{type(value).__name__} of dtype {array.dtype}>"
        if scalar and isinstance(value, np.floating) and not isinstance(value, float):
            return array  # a NumPy float32 scalar is not a Python float: its dtype is kept
        return array.item() if scalar else array
    return f"<{type(value).__name__} object>"


def encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Describe :func:`to_plain` of ``value`` as JSON, putting its arrays in ``arrays`` under
    fresh keys; :func:`decode` rebuilds it."""
    return _describe(to_plain(value), arrays)


def _describe(plain: Any, arrays: dict[str, np.ndarray]) -> Any:
    if plain is None:
        return {"t": "none"}
    if isinstance(plain, str):
        return {"t": "str", "v": plain}
    if isinstance(plain, tuple | list):
        kind = "tuple" if isinstance(plain, tuple) else "list"
        return {"t": kind, "items": [_describe(v, arrays) for v in plain]}
    if isinstance(plain, dict):
        return {"t": "dict", "items": {k: _describe(v, arrays) for k, v in plain.items()}}
    key = f"a{len(arrays)}"
    arrays[key] = np.asarray(plain)
    return {"t": "array" if isinstance(plain, np.ndarray) else "scalar", "key": key}


def decode(spec: Any, arrays: Mapping[str, np.ndarray], copy: bool = True, depth: int = 0) -> Any:
    """Rebuild a value described by :func:`encode`; arrays come back as plain numeric arrays.

    ``copy`` False takes the arrays as ``arrays`` gives them (a mapping that gives out a new
    array at every lookup, as the runner's inputs do). A description nested deeper than
    :func:`encode` writes (:data:`MAX_DEPTH`) is refused.
    """
    if depth > MAX_DEPTH + 1:
        raise ValueError("an encoded value nested deeper than any result")
    kind = spec.get("t") if isinstance(spec, dict) else None
    if kind == "none":
        return None
    if kind == "str":
        return str(spec.get("v", ""))
    if kind in ("tuple", "list"):
        items = [decode(item, arrays, copy, depth + 1) for item in spec.get("items", [])]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        items = dict(spec.get("items", {})).items()
        return {str(k): decode(v, arrays, copy, depth + 1) for k, v in items}
    if kind in ("array", "scalar"):
        array = np.asarray(arrays[str(spec["key"])])
        if array.dtype.kind not in NUMERIC_KINDS:
            raise ValueError(f"an array of dtype {array.dtype} is not a numeric result")
        if copy:
            array = np.array(array, copy=True)
        if kind == "scalar":
            return array.item() if array.ndim == 0 else array
        return array
    raise ValueError(f"not an encoded value: {str(spec)[:80]}")


#: Most dimensions of an array in a result frame.
MAX_NDIM = 32
#: Longest line of JSON a frame may start with: what it describes is a few kilobytes, and a
#: frame comes from the student's process, where a line of millions of empty objects would
#: take gigabytes to parse.
MAX_META_BYTES = 2**20


def _numeric_dtype(text: Any) -> np.dtype | None:
    """The dtype a frame names as ``text`` (``"<f8"``), if it is one :func:`encode` sends."""
    if not isinstance(text, str) or len(text) > 8:
        return None
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError):
        return None
    return dtype if dtype.kind in NUMERIC_KINDS else None


def pack_arrays(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One frame of results: a line of JSON, then the arrays' bytes one after another.

    The JSON is ``meta`` with ``"arrays"`` added: for each key, ``[dtype, shape, offset,
    nbytes]``, the offset counted from the end of the line. Unlike an ``.npz``, with a zip
    member and a header to parse per array, the whole frame is read with one JSON parse, and an
    array is a view of the bytes.
    """
    table, chunks, offset = {}, [], 0
    for key, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        table[key] = [array.dtype.str, list(array.shape), offset, len(data)]
        chunks.append(data)
        offset += len(data)
    # json.dumps writes a newline inside a string as \n: the first newline ends the JSON
    return json.dumps({**meta, "arrays": table}).encode() + b"\n" + b"".join(chunks)


def unpack_arrays(frame: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``meta`` and the arrays of a :func:`pack_arrays` frame, every entry checked.

    The frame comes from the student's process: each array must have a numeric dtype, a
    shape of non-negative integers and bytes within the frame, or ValueError says which does
    not. The arrays are read-only views of ``frame``.
    """
    end = frame.find(b"\n", 0, MAX_META_BYTES + 1)
    if end < 0:
        raise ValueError(f"the frame has no line of JSON within {MAX_META_BYTES} bytes")
    head, raw = frame[:end], memoryview(frame)[end + 1 :]
    meta = json.loads(bytes(head))
    table = meta.pop("arrays", {}) if isinstance(meta, dict) else None
    if not isinstance(table, dict):
        raise ValueError("the frame's JSON must be an object with an object of arrays")
    arrays = {}
    for key, entry in table.items():
        if not (isinstance(entry, list) and len(entry) == 4):
            raise ValueError(f"array {key!r}: expected [dtype, shape, offset, nbytes]")
        name, shape, offset, nbytes = entry
        dtype = _numeric_dtype(name)
        if dtype is None:
            raise ValueError(f"array {key!r}: dtype must be bool, integer or float; got {name!r}")
        if not (
            isinstance(shape, list)
            and len(shape) <= MAX_NDIM
            and all(type(n) is int and 0 <= n < 2**31 for n in shape)
        ):
            raise ValueError(f"array {key!r}: not a shape: {str(shape)[:80]}")
        count = math.prod(shape)
        if not (
            type(offset) is int
            and type(nbytes) is int
            and nbytes == count * dtype.itemsize
            and 0 <= offset <= offset + nbytes <= len(raw)
        ):
            raise ValueError(f"array {key!r}: its bytes are not within the frame")
        data = np.frombuffer(raw, dtype=dtype, count=count, offset=offset) if count else ()
        array = np.asarray(data, dtype=dtype).reshape(shape)
        array.flags.writeable = False
        arrays[str(key)] = array
    return meta, arrays


# --- inputs a pure function must leave as they were ------------------------------------------


def input_names(arg_names: tuple[str, ...] | list[str], fn: Callable | None = None) -> list[str]:
    """Names of a call's arguments, for messages: ``arg_names`` when the check gives them, else
    the parameters of ``fn``, the student's function when it receives the case's arguments as
    they are (else None: the arguments are then numbered)."""
    if arg_names:
        return list(arg_names)
    if fn is not None:
        try:
            return list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            pass
    return []


def snapshot(names: list[str], args: tuple, kwargs: dict) -> list[tuple[str, Any, Any]]:
    """Copies of the arrays a call receives (``z``, ``params['W1']``), to compare after it
    (:func:`changed_inputs`)."""
    labelled = [
        (names[i] if i < len(names) else f"argument {i + 1}", a) for i, a in enumerate(args)
    ]
    taken = []
    for label, value in labelled + list(kwargs.items()):
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for key, item in items:
            if isinstance(item, np.ndarray):
                name = label if key is None else f"{label}[{key!r}]"
                taken.append((name, item, item.copy()))
    return taken


def changed_inputs(taken: list[tuple[str, Any, Any]]) -> list[str]:
    """The names of the inputs whose values differ from their copies in ``taken``."""
    return [
        name
        for name, value, before in taken
        if value.shape != before.shape or not np.array_equal(value, before, equal_nan=True)
    ]


def changed_input_message(name: str, labels: list[str]) -> str:
    """What a student is told when ``name`` wrote into its inputs."""
    which = ", ".join(f"`{label}`" for label in labels)
    return (
        f"`{name}` changed its input {which} in place: a function must leave the arrays it is"
        " given as they were (the caller, or a cache, may still need them); put the result in"
        " a new array instead of writing into the input"
    )


# --- where the student's code failed ------------------------------------------------------------


def source_line(filename: str, lineno: int, module_globals: Mapping | None = None) -> str:
    """`` (line 3 of cell 7: return da * cache[0])``: where the student's code failed, or ''.

    A notebook's cell is a file of its own to Python, so the line number counts in the cell:
    ``<cell 7>`` in the sandbox, a file of the kernel's (``its cell``) in a notebook.
    """
    line = linecache.getline(filename, lineno, module_globals).strip()
    if not line:
        return ""
    place = "its cell" if not filename.endswith(".py") or "ipykernel" in filename else filename
    if filename.startswith("<cell "):
        place = filename.strip("<>")
    return f" (line {lineno} of {place}: {line[:160]})"


# --- functions handed to the student's code -----------------------------------------------------

#: Code of the functions a call step hands to the student's code to call (the ``f`` given to
#: ``numerical_gradient``, the recording ``loss_and_grads`` given to ``train``): calling them is
#: not using the reference (see ``autograder.reference_use``).
CALLBACK_CODES: set[types.CodeType] = set()


def code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code of every function defined in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def callback(fn: Callable) -> Callable:
    """Mark a function as one a call step hands to the student's code to call; return it."""
    CALLBACK_CODES.update(code_objects(fn.__code__))
    return fn
