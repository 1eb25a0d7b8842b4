"""Large case inputs (a classifier check's dataset) reach the sandbox as mapped ``.npy`` files.

Each case still gets arrays of its own: a function that writes into one changes neither the
grader's file nor the next case's arguments, and a pure function that does is still caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from grading_support import TEST_LIMITS, require_bubblewrap

from autograder.boundary import decode
from autograder.grading.grade import make_lib_dir
from autograder.grading.sandbox.inputs import (
    LARGE_INPUT_BYTES,
    FunctionSpec,
    prepare_inputs,
    write_inputs,
)
from autograder.grading.sandbox.isolation import detect_isolation
from autograder.grading.sandbox.runner import Inputs
from autograder.grading.sandbox.supervisor import run_submission
from autograder.outcomes import Outcome

#: One array just over the threshold (float64: 8 bytes each) and one far under it.
BIG = np.arange(LARGE_INPUT_BYTES // 8 + 1, dtype=np.float64).reshape(-1, 1)
SMALL = np.array([[1.0, -2.0]])


def _prepare(tmp_path, specs):
    lib = make_lib_dir(tmp_path / "lib")
    inputs = prepare_inputs(
        specs, lib / "inputs" / "t.npz", str(lib / "inputs" / "t.npz"), TEST_LIMITS
    )
    return lib, inputs


def test_only_the_large_array_leaves_the_npz(tmp_path):
    specs = [FunctionSpec("f", [("one", (BIG, SMALL), {})])]
    _, inputs = _prepare(tmp_path, specs)
    assert len(inputs.large) == 1
    (key,) = inputs.large
    assert np.array_equal(np.load(inputs.large_file(key)), BIG)
    with np.load(inputs.path) as data:
        assert [data[k].shape for k in data.files] == [SMALL.shape]
    assert sorted(inputs.files()) == ["t.npz", f"t/{key}.npy"]


def test_each_lookup_is_an_array_of_its_own(tmp_path):
    specs = [FunctionSpec("f", [("one", (BIG, SMALL), {})])]
    _, inputs = _prepare(tmp_path, specs)
    arrays = Inputs(str(inputs.path), {k: str(inputs.large_file(k)) for k in inputs.large})
    case = inputs.specs[0]["cases"][0]
    big, small = decode(case["args"], arrays, copy=False)  # as the runner reads them
    assert type(big) is np.ndarray and big.flags.writeable
    big[:] = -1.0
    small[:] = -1.0
    again_big, again_small = decode(case["args"], arrays, copy=False)
    assert np.array_equal(again_big, BIG) and np.array_equal(again_small, SMALL)
    assert np.array_equal(np.load(inputs.large_file(inputs.large[0])), BIG)


def test_copied_inputs_arrive_in_a_worker_folder(tmp_path):
    specs = [FunctionSpec("f", [("one", (BIG, SMALL), {})])]
    _, inputs = _prepare(tmp_path / "grader", specs)
    # as DaskSandbox sends them: uint8 arrays
    files = {name: np.fromfile(path, dtype=np.uint8) for name, path in inputs.files().items()}
    path = tmp_path / "worker" / "inputs" / "t.npz"
    copied = write_inputs(inputs.specs, path, str(path), inputs.large, files)
    assert copied.large == inputs.large
    assert np.array_equal(np.load(copied.large_file(copied.large[0])), BIG)
    with np.load(copied.path) as data:
        assert [data[k].tolist() for k in data.files] == [SMALL.tolist()]


def test_a_worker_missing_a_large_file_is_told_which_and_writes_nothing(tmp_path):
    specs = [FunctionSpec("f", [("one", (BIG, SMALL), {})])]
    _, inputs = _prepare(tmp_path / "grader", specs)
    files = {name: np.fromfile(path, dtype=np.uint8) for name, path in inputs.files().items()}
    del files[next(name for name in files if name.endswith(".npy"))]
    path = tmp_path / "worker" / "inputs" / "t.npz"
    with pytest.raises(ValueError, match=r"expected the files .*\.npy"):
        write_inputs(inputs.specs, path, str(path), inputs.large, files)
    assert not path.exists()


def test_in_the_sandbox_writes_stay_in_their_case(tmp_path):
    require_bubblewrap()
    cells = [
        (0, "import numpy as np"),
        # writes into its input, then returns what it saw first: the next case must see BIG
        (
            1,
            "def spoil(x):\n    first = float(x[-1, 0])\n    x[:] = 0.0\n    return np.array(first)",
        ),
        (2, "def pure_spoil(x):\n    x[0, 0] = 7.0\n    return x.sum()"),
    ]
    specs = [
        FunctionSpec("spoil", [("one", (BIG,), {}), ("two", (BIG,), {})]),
        FunctionSpec("pure_spoil", [("one", (BIG,), {})], pure=True, arg_names=("x",)),
    ]
    lib = make_lib_dir(tmp_path / "lib")
    inputs = prepare_inputs(specs, lib / "inputs" / "t.npz", "/grader/inputs/t.npz", TEST_LIMITS)
    assert inputs.large
    run = run_submission(
        cells, specs, inputs, tmp_path / "job", lib, detect_isolation(), TEST_LIMITS
    )
    last = float(BIG[-1, 0])
    assert [float(r.output) for r in run.results["spoil"]] == [last, last]
    (changed,) = run.results["pure_spoil"]
    assert changed.kind is Outcome.CHANGED_INPUT
    assert "`x`" in changed.error
    assert np.array_equal(np.load(inputs.large_file(inputs.large[0])), BIG)


@pytest.mark.slow
def test_a_dask_worker_maps_the_large_inputs_it_was_sent(tmp_path):
    require_bubblewrap()
    from classroom import DaskProcesses

    from autograder.grading.sandbox.executors import DaskSandbox

    cells = [(0, "import numpy as np\ndef f(x, s):\n    return x[-1, 0] + s.sum()")]
    specs = [FunctionSpec("f", [("one", (BIG, SMALL), {})])]
    _, inputs = _prepare(tmp_path, specs)
    with DaskProcesses(1) as running:
        sandbox = DaskSandbox(running.address, {"t": inputs}, TEST_LIMITS)
        try:
            report = sandbox.run("t", cells, specs, "student", set())
        finally:
            sandbox.close()
    (result,) = report.results["f"]
    assert result.kind is Outcome.RETURNED, result.error
    assert float(result.output) == float(BIG[-1, 0] + SMALL.sum())
