"""The grader's inputs to a submission's sandbox: the visible cases, shared by the batch, and
the hidden cases, drawn for each submission and sent only when the runner reaches them.

The visible cases of every function, and the large arrays every submission's hidden cases share
(a classifier's training images), are written once per batch (:func:`prepare_inputs`): a
``.npz`` file, and an ``.npy`` file per large array, which each sandbox maps copy-on-write. A
submission's hidden cases are one frame (:func:`~autograder.boundary.pack_arrays`) of its own
(:func:`encode_hidden`), which the supervisor writes into the sandbox's pipe when the runner asks
for it, after the notebook's cells and visible cases have run: no cell can read it, and the
output that follows is not shown to the student. An array of the hidden cases that the batch's
files hold already is sent as its key there, not again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.boundary import encode, pack_arrays
from autograder.grading.sandbox.isolation import Limits


@dataclass
class FunctionSpec:
    """A graded function as the runner sees it: its name, how to call it, and its visible
    cases."""

    name: str
    cases: list[tuple[str, tuple, dict]]
    #: The call step (:data:`autograder.call_steps.STEPS`) that calls the student's functions.
    step: str = "direct"
    also: tuple[str, ...] = ()
    case_seconds: float = 0.0
    #: Whether a case fails when the call changes its input arrays, and the arguments' names
    #: (without them, under the ``direct`` step, the student's parameter names name them).
    pure: bool = False
    arg_names: tuple[str, ...] = ()
    #: Advice for a call that overflows (the call then runs with NumPy's overflow raising).
    no_overflow: str = ""
    #: How many hidden cases each submission gets (drawn for it, sent apart: :class:`Hidden`).
    n_hidden: int = 0

    def call_seconds(self, limits: Limits) -> float:
        """Time limit of one call: the grader's limit, or more when the check asks for it."""
        return max(limits.call_seconds, self.case_seconds)


#: Arrays of at least this many bytes (the datasets of the classifier checks) go to ``.npy`` files
#: of their own, which the sandbox maps instead of reading: see :class:`PreparedInputs`.
LARGE_INPUT_BYTES = 2**20


@dataclass
class PreparedInputs:
    """The grader's inputs for a list of functions: encoded once per batch, shared read-only.

    The arrays are in ``path``, an ``.npz`` file, except the large ones (``large``, their keys):
    each of those is an ``.npy`` file in the folder of ``path``'s name without ``.npz``. A
    sandbox maps those copy-on-write instead of reading them, so every sandbox shares one copy
    of a dataset's pages in the page cache, and a page is copied only where a function writes.
    """

    specs: list[dict]
    path: Path
    sandbox_path: str
    large: tuple[str, ...] = ()
    #: The key of each large array by its :func:`digest`, for the hidden cases to name them
    #: (known where the inputs were prepared; not needed where they are only written again).
    digests: dict[str, str] = field(default_factory=dict)

    def large_file(self, key: str) -> Path:
        return self.path.with_suffix("") / f"{key}.npy"

    def files(self) -> dict[str, Path]:
        """Every file of these inputs, by its path relative to the folder of ``path``."""
        files = [self.path, *(self.large_file(key) for key in self.large)]
        return {f.relative_to(self.path.parent).as_posix(): f for f in files}

    def sandbox_large(self) -> dict[str, str]:
        """Where the sandbox finds each large array's file, by key."""
        folder = self.sandbox_path.removesuffix(".npz")
        return {key: f"{folder}/{key}.npy" for key in self.large}


def write_inputs(
    specs: list[dict],
    path: Path,
    sandbox_path: str,
    large: tuple[str, ...],
    files: dict[str, Any],
) -> PreparedInputs:
    """Write the files of :meth:`PreparedInputs.files` (read elsewhere) next to ``path`` again.

    ``large`` are the keys of the large arrays (:attr:`PreparedInputs.large`) and ``files``
    holds each file's bytes (``bytes``, or any buffer such as a uint8 array) by its path
    relative to the folder of ``path``: the same paths as :meth:`PreparedInputs.files`.
    """
    inputs = PreparedInputs(specs, path, sandbox_path, tuple(large))
    expected = set(inputs.files())
    if set(files) != expected:
        raise ValueError(
            f"write_inputs: expected the files {sorted(expected)}; got {sorted(files)}"
        )
    for name, data in files.items():
        target = path.parent / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    return inputs


def digest(array: np.ndarray) -> str:
    """What tells two arrays apart: their dtype, shape and bytes, hashed."""
    array = np.ascontiguousarray(array)
    hasher = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    hasher.update(memoryview(array).cast("B"))
    return hasher.hexdigest()


def prepare_inputs(
    functions: list[FunctionSpec],
    path: Path,
    sandbox_path: str,
    limits: Limits,
    shared: tuple[np.ndarray, ...] = (),
) -> PreparedInputs:
    """Encode the visible cases of ``functions`` and write their arrays to ``path`` (an
    ``.npz``), with the large arrays that every submission's hidden cases share (``shared``).

    ``sandbox_path`` is where the student's process finds that file. Arrays of
    :data:`LARGE_INPUT_BYTES` or more go to files of their own (see :class:`PreparedInputs`).
    """
    arrays: dict[str, np.ndarray] = {}
    for array in shared:
        encode(array, arrays)
    specs = []
    for spec in functions:
        cases = [
            {"name": name, "args": encode(tuple(args), arrays), "kwargs": encode(dict(kw), arrays)}
            for name, args, kw in spec.cases
        ]
        specs.append(
            {
                "name": spec.name,
                "cases": cases,
                "step": spec.step,
                "also": list(spec.also),
                "call_timeout": spec.call_seconds(limits),
                "pure": spec.pure,
                "arg_names": list(spec.arg_names),
                "no_overflow": spec.no_overflow,
                "n_hidden": spec.n_hidden,
            }
        )
    large = tuple(key for key, array in arrays.items() if array.nbytes >= LARGE_INPUT_BYTES)
    digests = {digest(arrays[key]): key for key in large}
    prepared = PreparedInputs(specs, path, sandbox_path, large, digests)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{key: a for key, a in arrays.items() if key not in large})
    path.chmod(0o644)
    for key in large:
        file = prepared.large_file(key)
        file.parent.mkdir(exist_ok=True)
        np.save(file, arrays[key], allow_pickle=False)
        file.chmod(0o644)
    return prepared


@dataclass(frozen=True)
class Hidden:
    """One submission's hidden cases, as the sandbox receives them when it asks: a frame whose
    JSON holds each function's encoded cases (by its index in the notebook's functions) and
    whose arrays are theirs, less those the batch's inputs hold (named by their key)."""

    #: How many hidden cases each function has, by name.
    counts: dict[str, int]
    #: The frame (:func:`~autograder.boundary.pack_arrays`), as bytes or a uint8 array.
    frame: Any = b""


def _rekey(description: Any, keys: dict[str, str]) -> Any:
    """An encoded value (:func:`~autograder.boundary.encode`) with its array keys renamed."""
    if isinstance(description, dict):
        return {
            k: keys[v] if k == "key" and isinstance(v, str) else _rekey(v, keys)
            for k, v in description.items()
        }
    if isinstance(description, list):
        return [_rekey(item, keys) for item in description]
    return description


def encode_hidden(functions: list[tuple[str, list]], inputs: PreparedInputs) -> Hidden:
    """The frame of one submission's hidden cases, for the functions of one notebook in the
    order of its job (each a name and its cases, :class:`~autograder.checks.base.Case` or
    anything with ``name``, ``args`` and ``kwargs``)."""
    arrays: dict[str, np.ndarray] = {}
    described: dict[str, list] = {}
    for f_index, (_, cases) in enumerate(functions):
        out = []
        for case in cases:
            own: dict[str, np.ndarray] = {}
            args, kwargs = encode(tuple(case.args), own), encode(dict(case.kwargs), own)
            keys = {}
            for key, array in own.items():
                shared = (
                    inputs.digests.get(digest(array)) if array.nbytes >= LARGE_INPUT_BYTES else None
                )
                keys[key] = shared or f"h{len(arrays)}"
                if shared is None:
                    arrays[keys[key]] = array
            out.append(
                {"name": case.name, "args": _rekey(args, keys), "kwargs": _rekey(kwargs, keys)}
            )
        described[str(f_index)] = out
    frame = pack_arrays({"functions": described}, arrays)
    return Hidden({name: len(cases) for name, cases in functions}, frame)
