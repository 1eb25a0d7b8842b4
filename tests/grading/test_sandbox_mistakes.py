"""In the sandbox too, a function that writes into its input, hands its math to another library
than NumPy, overflows where the exercise forbids it, or raises, is told why."""

from __future__ import annotations

import pytest
from course_class import grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap

IN_PLACE = {
    "honest": {},
    "relu_into_z": {
        "relu": "def relu_forward(z):\n    np.maximum(z, 0, out=z)\n    return z, z\n\n\n"
        "def relu_backward(da, cache):\n    return da * (cache > 0)\n"
    },
    "scipy_sigmoid": {
        "sigmoid": "from scipy.special import expit\n\n\ndef sigmoid_forward(z):\n"
        "    a = expit(z)\n    return a, a\n\n\ndef sigmoid_backward(da, cache):\n"
        "    return da * cache * (1 - cache)\n"
    },
    "tanh_raising": {
        "tanh": "def tanh_forward(z):\n    a = np.tanh(z)\n    return a, a\n\n\n"
        "def tanh_backward(da, cache):\n    return da @ (1 - cache**2)\n"
    },
    "naive_sigmoid": {
        "sigmoid": "def sigmoid_forward(z):\n    a = 1 / (1 + np.exp(-z))\n    return a, a\n\n\n"
        "def sigmoid_backward(da, cache):\n    return da * cache * (1 - cache)\n"
    },
    "softmax_no_keepdims": {
        "softmax": "def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
        "    return e / e.sum(axis=1)\n"
    },
    "tanh_upstream_ignored": {
        "tanh": "def tanh_forward(z):\n    a = np.tanh(z)\n    return a, a\n\n\n"
        "def tanh_backward(da, cache):\n    return 1 - cache**2\n"
    },
    "softmax_shifting_z": {
        "softmax": "def softmax(z):\n    z -= z.max(axis=1, keepdims=True)\n"
        "    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n"
    },
}


@pytest.mark.slow
def test_the_batch_grader_names_an_input_changed_in_place(tmp_path):
    require_bubblewrap()
    root = write_class(tmp_path / "class", "05-activations", IN_PLACE)
    result = grade_course(
        "05-activations",
        root,
        tmp_path / "out",
        limits=TEST_LIMITS,
        similarity_threshold=None,
    )
    rows = read_grades(tmp_path / "out" / "grades.csv")
    assert float(rows["honest"]["relu_forward"]) > 0 and float(rows["honest"]["softmax"]) > 0
    assert float(rows["relu_into_z"]["relu_forward"]) == 0.0
    assert float(rows["softmax_shifting_z"]["softmax"]) == 0.0
    # the other functions of those students are untouched
    assert rows["relu_into_z"]["softmax"] == rows["honest"]["softmax"]
    by_id = {r.student_id: r for r in result.results}
    relu = next(f for f in by_id["relu_into_z"].functions if f.name == "relu_forward")
    assert any("`relu_forward` changed its input `z` in place" in v.message for v in relu.verdicts)
    page = tmp_path / "out" / "feedback" / "softmax_shifting_z" / "05-activations.html"
    assert "changed its input" in page.read_text(encoding="utf-8")
    # an error names the student's line, counted in their cell
    tanh = next(f for f in by_id["tanh_raising"].functions if f.name == "tanh_backward")
    raised = [v.message for v in tanh.verdicts if "raised" in v.message]
    assert raised and "(line 7 of cell " in raised[0], raised
    assert ": return da @ (1 - cache**2))" in raised[0], raised
    # a shape error says what NumPy said, on the student's line, as in the notebook
    no_keepdims = next(f for f in by_id["softmax_no_keepdims"].functions if f.name == "softmax")
    shape_errors = [v.message for v in no_keepdims.verdicts if "ValueError" in v.message]
    assert shape_errors and all("could not be broadcast" in m for m in shape_errors), shape_errors
    # and what it means, in the terms of the case, as the notebook's check says it
    assert all("holds one value per row" in m for m in shape_errors), shape_errors
    assert "return e / e.sum(axis=1)" in no_keepdims.report
    # a naive sigmoid returns the right values with an overflow warning: a warning is no failure
    naive = next(f for f in by_id["naive_sigmoid"].functions if f.name == "sigmoid_forward")
    assert naive.score == naive.points, naive.report
    # the report on the feedback page is the text the notebook's check prints, word for word
    import numpy as np

    from autograder.checks import CHECKS, run_check
    from autograder.grading.outputs import _esc

    def tanh_backward(da, cache):
        return 1 - cache**2

    def tanh_forward(z):
        a = np.tanh(z)
        return a, a

    notebook = str(
        run_check(
            CHECKS["tanh_backward"], {"tanh_forward": tanh_forward, "tanh_backward": tanh_backward}
        )
    )
    upstream = next(f for f in by_id["tanh_upstream_ignored"].functions
                    if f.name == "tanh_backward")  # fmt: skip
    assert "counterexample: tanh_backward on z=" in notebook
    assert upstream.report.startswith(notebook), (upstream.report, notebook)
    page = tmp_path / "out" / "feedback" / "tanh_upstream_ignored" / "05-activations.html"
    assert _esc(notebook, 6000) in page.read_text(encoding="utf-8")
    # the import in the notebook does not stop the cell; the call is what earns nothing
    assert float(rows["scipy_sigmoid"]["sigmoid_forward"]) == 0.0
    assert float(rows["scipy_sigmoid"]["tanh_forward"]) > 0
    sigmoid = next(f for f in by_id["scipy_sigmoid"].functions if f.name == "sigmoid_forward")
    assert sigmoid.message == (
        "sigmoid_forward calls scipy instead of computing its answer, so it earns nothing:"
        " the exercise is NumPy only"
    )


def test_the_runner_detects_and_words_an_input_change_as_the_notebook_check_does(tmp_path):
    """Both sides use the in-place detection of ``autograder.boundary``, which the sandbox
    receives as a file: the same arrays found, the same words."""
    from pathlib import Path

    import numpy as np

    import autograder.boundary as boundary
    from autograder.checks import base
    from autograder.grading.sandbox import runner
    from autograder.grading.sandbox.executors import make_lib_dir

    for name in ("snapshot", "changed_inputs", "changed_input_message", "input_names"):
        assert getattr(runner, name) is getattr(boundary, name), name
    assert base.snapshot is boundary.snapshot and base.changed_inputs is boundary.changed_inputs
    shipped = make_lib_dir(tmp_path / "lib") / "autograder" / "boundary.py"
    assert shipped.read_bytes() == Path(boundary.__file__).read_bytes()

    z, params = np.arange(4.0), {"W1": np.ones((2, 2)), "b1": np.zeros(2)}
    nan = np.array([np.nan, 1.0])
    taken = boundary.snapshot(["z", "params", "m"], (z, params, nan), {})
    assert boundary.changed_inputs(taken) == []  # NaN == NaN
    z[0] = 7.0
    params["b1"] += 1
    expected = ["z", "params['b1']"]
    assert boundary.changed_inputs(taken) == expected
    assert "`z`, `params['b1']`" in boundary.changed_input_message("f", expected)
