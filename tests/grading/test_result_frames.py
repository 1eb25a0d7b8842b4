"""The frames of results a sandbox sends to the grader: what comes back, and forgeries refused.

A frame is written by the student's process, so :func:`unpack_arrays` must accept exactly the
numeric arrays the runner packs and refuse anything else with a ValueError, and the grader must
turn a refused frame into "unreadable results" for that function alone.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.boundary import encode, pack_arrays, unpack_arrays
from autograder.grading.sandbox.supervisor import _read_results
from autograder.outcomes import Outcome

ARRAYS = {
    "c0_a0": np.arange(12, dtype=np.float32).reshape(3, 4),
    "c0_a1": np.array(True),
    "c1_a0": np.array([[1, -2], [3, 4]], dtype=">i8"),  # big-endian stays as it is
    "c1_a1": np.zeros((0, 5), dtype=np.uint8),
    "c2_a0": np.asfortranarray(np.arange(6.0).reshape(2, 3)),  # packed C-ordered
}


def test_every_numeric_array_comes_back_with_its_dtype_shape_and_values():
    meta, arrays = unpack_arrays(pack_arrays({"cases": ["x\ny"]}, ARRAYS))
    assert meta == {"cases": ["x\ny"]}  # a newline inside the JSON does not end it
    assert list(arrays) == list(ARRAYS)
    for key, expected in ARRAYS.items():
        assert arrays[key].dtype == expected.dtype, key
        assert arrays[key].shape == expected.shape, key
        assert np.array_equal(arrays[key], expected), key


def test_half_and_extended_precision_come_back_too():
    arrays = {"a0": np.arange(3, dtype=np.float16), "a1": np.array(1.5, dtype=np.longdouble)}
    _, back = unpack_arrays(pack_arrays({}, arrays))
    for key, expected in arrays.items():
        assert back[key].dtype == expected.dtype and np.array_equal(back[key], expected), key


def _frame(table: dict, raw: bytes = b"\0" * 64) -> bytes:
    return json.dumps({"cases": [], "arrays": table}).encode() + b"\n" + raw


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (["|O", [1], 0, 8], "dtype must be bool, integer or float"),
        (["<c16", [1], 0, 16], "dtype must be bool, integer or float"),
        (["V8", [1], 0, 8], "dtype must be bool, integer or float"),
        (["<f8", [-1], 0, 8], "not a shape"),
        (["<f8", [2**40], 0, 8], "not a shape"),
        (["<f8", "8", 0, 8], "not a shape"),
        (["<f8", [1] * 33, 0, 8], "not a shape"),
        (["<f8", [9], 0, 72], "not within the frame"),  # 72 bytes of a 64-byte frame
        (["<f8", [2], 0, 8], "not within the frame"),  # nbytes does not match the shape
        (["<f8", [1], -8, 8], "not within the frame"),
        (["<f8", [1], 60, 8], "not within the frame"),
        (["<f8", [1], 0.0, 8], "not within the frame"),
        (["<f8", [1]], r"expected \[dtype, shape, offset, nbytes\]"),
    ],
)
def test_a_forged_entry_is_refused_and_named(entry, words):
    with pytest.raises(ValueError, match=words):
        unpack_arrays(_frame({"a0": entry}))


def test_a_frame_without_its_line_of_json_or_table_is_refused():
    with pytest.raises(ValueError, match="no line of JSON"):
        unpack_arrays(b'{"cases": []}')
    with pytest.raises(ValueError, match="object of arrays"):
        unpack_arrays(b'{"cases": [], "arrays": [1, 2]}\n')
    with pytest.raises(ValueError, match="object of arrays"):
        unpack_arrays(b"[1, 2]\n")


def _blob(outputs: list) -> bytes:
    arrays, cases = {}, []
    for c, value in enumerate(outputs):
        own: dict = {}
        spec = encode(value, own)
        cases.append({"kind": "returned", "output": spec, "seconds": 0.5, "prefix": f"c{c}_"})
        arrays.update({f"c{c}_{key}": array for key, array in own.items()})
    return pack_arrays({"cases": cases}, arrays)


def test_the_grader_reads_each_case_its_own_arrays():
    first, second = np.arange(6.0).reshape(2, 3), np.full((2, 2), 7, dtype=np.int32)
    results = _read_results(_blob([(first, 3.5), {"w": second}]), 3)
    assert [r.kind for r in results] == [Outcome.RETURNED, Outcome.RETURNED, Outcome.NOT_RUN]
    out_first, scalar = results[0].output
    assert np.array_equal(out_first, first) and scalar == 3.5
    assert np.array_equal(results[1].output["w"], second)
    out_first[0, 0] = -1.0  # a result the checks may write into, without a read-only error
    assert results[0].seconds == 0.5


def test_the_grader_turns_a_forged_frame_into_unreadable_results_for_that_function():
    forged = _frame({"a0": ["|O", [1], 0, 8]})
    results = _read_results(forged, 2)
    assert [r.kind for r in results] == [Outcome.WRONG, Outcome.WRONG]
    assert "unreadable results" in results[0].error
