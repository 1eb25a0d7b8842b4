"""Mistakes that pass a comparison of values, each caught with the points lost and the words.

Another library (SciPy, PyTorch, scikit-learn) doing the graded math earns nothing: the
exercises are NumPy only.

A function that writes into its input can return the right values and still break its caller:
the forward's cache, or an array the caller uses again. The checks copy each input before the
call and compare after it. Functions whose contract is to update their arguments (an
optimizer's step, training) are exempt.
"""

from __future__ import annotations

from types import SimpleNamespace

import answers
import numpy as np
import pytest

from autograder.checks import CHECKS, run_check

#: The correct functions, which a mistake is checked with and may call.
ok = SimpleNamespace(**answers.everything())


def _relu_forward_into_z(z):
    np.maximum(z, 0, out=z)
    return z, z


def _relu_backward_into_da(da, cache):
    da[cache <= 0] = 0
    return da


def _softmax_shifting_z(z):
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _dense_forward_scaling_x(x, W, b):
    x *= 1.0
    x += 0.0
    x[...] = x  # no change of value: must pass
    return x @ W + b, (x, W)


def _loss_and_grads_updating_params(X, y, params):
    loss, grads = ok.loss_and_grads(X, y, params)
    params["W1"] -= 0.1 * grads["W1"]  # a training step inside the gradient
    return loss, grads


def _dropout_forward_into_x(x, p, *, train=True, rng=None):
    out, cache = ok.dropout_forward(x, p, train=train, rng=rng)
    if cache is not None:
        x *= cache  # the input becomes the output
    return x, cache


def _batchnorm_forward_centring_x(x, gamma, beta, *, train=True, running=None, momentum=0.1,
                                  eps=1e-5):  # fmt: skip
    out, cache = ok.batchnorm_forward(x, gamma, beta, train=train, running=running,
                                      momentum=momentum, eps=eps)  # fmt: skip
    x -= x.mean(axis=0)  # a first step of the normalization, done in the caller's array
    return out, cache


MISTAKES = [
    ("relu_forward", _relu_forward_into_z, "`relu_forward` changed its input `z` in place"),
    ("relu_backward", _relu_backward_into_da, "`relu_backward` changed its input `da` in place"),
    ("softmax", _softmax_shifting_z, "`softmax` changed its input `z` in place"),
    (
        "loss_and_grads",
        _loss_and_grads_updating_params,
        "`loss_and_grads` changed its input `params['W1']` in place",
    ),
    (
        "dropout_forward",
        _dropout_forward_into_x,
        "`dropout_forward` changed its input `x` in place",
    ),
    (
        "batchnorm_forward",
        _batchnorm_forward_centring_x,
        "`batchnorm_forward` changed its input `x` in place",
    ),
]


@pytest.mark.parametrize(("name", "fn", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_writing_into_an_input_loses_the_cases_it_changes_and_says_so(name, fn, words, hidden):
    report = run_check(name, {**vars(ok), name: fn}, hidden=hidden)
    # only the cases where writing into the input changed nothing can pass
    assert report.score <= 0.5 * CHECKS[name].points, str(report)
    failures = [v.message for _, v in report.results if not v.passed]
    assert failures and any(words in m for m in failures), failures
    assert "new array" in failures[0]


def test_another_library_doing_the_math_earns_nothing():
    from scipy.special import expit

    def sigmoid_forward(z):
        a = expit(z)
        return a, a

    report = run_check("sigmoid_forward", {**vars(ok), "sigmoid_forward": sigmoid_forward})
    assert report.score == 0.0
    assert report.message.startswith("sigmoid_forward calls scipy.special")
    assert "with NumPy only" in report.message


def test_an_error_names_the_students_line(tmp_path):
    source = (
        "import numpy as np\n\n\ndef relu_backward(da, cache):\n"
        "    z = cache\n    return da * z[:2]\n"
    )
    path = tmp_path / "cell.py"
    path.write_text(source, encoding="utf-8")
    namespace = {"relu_forward": ok.relu_forward}
    exec(compile(source, str(path), "exec"), namespace)
    report = run_check("relu_backward", namespace)
    raised = [v.message for _, v in report.results if "raised" in v.message]
    assert raised and f"(line 6 of {path}: return da * z[:2])" in raised[0], raised


@pytest.mark.parametrize(
    "source",
    [
        "def sigmoid_forward(z):\n    a = 1 / (1 + np.exp(-z))\n    return a, a\n",
        # stable values, but np.where computes both branches: the discarded one overflows
        "def sigmoid_forward(z):\n    a = np.where(z >= 0, 1 / (1 + np.exp(-z)),"
        " np.exp(z) / (1 + np.exp(z)))\n    return a, a\n",
        "def sigmoid_forward(z):\n    a = 1 / (1 + np.exp(-np.clip(z, -500, 500)))\n"
        "    return a, a\n",
    ],
    ids=["naive", "where of both branches", "clipped"],
)
def test_a_warning_is_no_failure_when_the_values_are_right(source):
    """An overflow inside the computation that leaves every value right earns full marks."""
    namespace = {"np": np}
    exec(source, namespace)
    for hidden in (False, True):
        report = run_check("sigmoid_forward", namespace, hidden=hidden)
        assert report.score == CHECKS["sigmoid_forward"].points, str(report)


def test_values_that_overflow_to_nan_lose_the_large_cases_and_say_why():
    namespace = {"np": np}
    exec(
        "def sigmoid_forward(z):\n    a = np.exp(z) / (1 + np.exp(z))\n    return a, a\n", namespace
    )
    report = run_check("sigmoid_forward", namespace, hidden=True)
    failed = [case for case, v in report.scored if not v.passed]
    assert failed and all("1e4" in case for case in failed), failed
    assert "overflows for large z" in str(report) and "nan" in str(report)
    assert 0 < report.score < CHECKS["sigmoid_forward"].points


def test_an_unchanged_input_written_in_place_is_no_mistake():
    report = run_check("dense_forward", {**vars(ok), "dense_forward": _dense_forward_scaling_x})
    assert report.score == CHECKS["dense_forward"].points, str(report)


def test_functions_that_update_their_arguments_are_exempt():
    assert not CHECKS["train_sign_classifier"].pure
    report = run_check("sgd_step", vars(ok))
    assert report.score == CHECKS["sgd_step"].points, str(report)


def test_correct_answers_earn_full_marks_with_pytorch_loaded():
    """PyTorch keeps Python's own ``tuple.__new__`` and ``object.__new__`` under names of its
    own (``torch._dynamo.utils.tuple_new``): a correct function that builds a tuple must not be
    taken for one that calls PyTorch, in a notebook that imported it."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import torch, torch._dynamo, answers\n"
        "from autograder.checks import ASSIGNMENTS, CHECKS, run_check\n"
        "for assignment, names in ASSIGNMENTS.items():\n"
        "    ns = answers.of(assignment)\n"
        "    for name in names:\n"
        "        if 'classifier' in name: continue\n"
        "        r = run_check(name, ns)\n"
        "        if r.score != CHECKS[name].points: print('LOST', name, r.message)\n"
        "print('done')\n"
    )
    here = Path(__file__).parent
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=here, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("done"), result.stdout
    assert "LOST" not in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("name", "source", "words"),
    [
        (
            "softmax",
            "def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
            "    return e / e.sum(axis=1)\n",
            "holds one value per row, but NumPy lines it up with the 4 columns",
        ),
        (
            "dense_forward",
            "def dense_forward(x, W, b):\n    return W @ x + b, (x, W)\n",
            "the left operand's last axis must be as long as the right operand's first axis",
        ),
        (
            "mlp_forward",
            "def mlp_forward(X, params):\n    h = X\n    for i in range(len(params) // 2):\n"
            "        h = h @ params[f'W{i}'] + params[f'b{i}']\n    return h\n",
            "params has no key 'W0': its keys are W1, b1",
        ),
        (
            "softmax",
            "def shifted_exp(z):\n    np.exp(z - z.max(axis=1, keepdims=True))\n\n"
            "def softmax(z):\n    e = shifted_exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n",
            "a function with no return statement gives None",
        ),
    ],
)
def test_a_numpy_error_is_explained_in_the_terms_of_its_case(name, source, words):
    namespace = {"np": np}
    exec(source, namespace)
    for hidden in (False, True):
        assert words in str(run_check(name, namespace, hidden=hidden))


def test_a_none_the_case_passes_is_named_not_blamed_on_a_missing_return():
    namespace = dict(answers.of("14-deep-networks"))
    exec(
        "def batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1,"
        " eps=1e-5):\n"
        "    mean = running.get('mean', x.mean(axis=0)) if not train else x.mean(axis=0)\n"
        "    var = x.var(axis=0)\n"
        "    if train:\n"
        "        running['mean'] = mean\n"
        "    x_hat = (x - mean) / np.sqrt(var + eps)\n"
        "    return gamma * x_hat + beta, (x_hat, gamma, train)\n",
        namespace,
    )
    text = str(run_check("batchnorm_forward", namespace))
    assert "running is None in this case" in text
    assert "no return statement" not in text


def test_right_values_in_the_wrong_dtype_get_no_diagnosis_of_the_values():
    namespace = dict(answers.of("15-autodiff"))
    exec(
        "def backward(root):\n"
        "    order = topological_order(root)\n"
        "    for node in order:\n"
        "        node.grad = np.zeros(node.data.shape)\n"
        "    root.grad = np.ones(root.data.shape)\n"
        "    for node in reversed(order):\n"
        "        if node.rule is None:\n"
        "            continue\n"
        "        grads = node.rule(node.grad, *(p.data for p in node.parents))\n"
        "        for parent, grad in zip(node.parents, grads):\n"
        "            parent.grad = parent.grad + grad\n",
        namespace,
    )
    text = str(run_check("backward", namespace))
    assert "is float64 but the input was float32" in text
    assert "diagnosis" not in text, text


def test_a_broadcast_square_is_not_blamed_on_an_input_the_case_does_not_have():
    namespace = {"np": np}
    exec(
        "def backward_add(dout, a, b):\n"
        "    def reduce(g, shape):\n"
        "        while g.ndim > len(shape):\n"
        "            g = g.sum(axis=0)\n"
        "        return g\n"
        "    return reduce(dout, a.shape), reduce(dout, b.shape)\n",
        namespace,
    )
    text = str(run_check("backward_add", namespace))
    assert "stretched from length 1 are not summed" in text
    assert "met an (N,) array" not in text, text
