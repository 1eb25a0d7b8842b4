"""The checks themselves: correct code earns full marks, wrong code is caught and explained."""

from __future__ import annotations

import answers
import numpy as np
import pytest

from autograder.checks import ASSIGNMENTS, CHECKS, Case, run_check, to_plain

NUMPY_ONLY = [name for names in ASSIGNMENTS.values() for name in names if "classifier" not in name]

#: Each chapter's mistakes (``MISTAKES`` beside its checks): ``(name, what, namespace)``, and the
#: words each one's report must contain, by ``(name, what)``.
WRONG = [(name, what, namespace) for name, what, _, namespace in answers.mistakes()]
WORDS = {(name, what): words for name, what, words, _ in answers.mistakes()}


RIGHT = list(answers.alternatives())


@pytest.mark.parametrize(
    ("name", "how", "namespace"), RIGHT, ids=[f"{n}: {h}" for n, h, _ in RIGHT]
)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_a_correct_answer_written_otherwise_earns_full_marks(name, how, namespace, hidden):
    report = run_check(name, namespace, hidden=hidden)
    assert report.score == CHECKS[name].points, f"{how!r}:\n{report}"


def test_every_chapter_has_correct_alternatives():
    covered = {name for name, _, _ in RIGHT}
    chapters = {a for a, names in ASSIGNMENTS.items() if set(names) & covered}
    assert chapters == {a for a in ASSIGNMENTS if any(n in NUMPY_ONLY for n in ASSIGNMENTS[a])}


def test_every_graded_function_belongs_to_one_assignment():
    names = [name for names in ASSIGNMENTS.values() for name in names]
    assert sorted(names) == sorted(CHECKS)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", NUMPY_ONLY)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_correct_implementation_earns_full_marks(name, hidden):
    """The solution notebook's function, with the other functions of its notebook."""
    report = run_check(name, answers.of(answers.assignment_of(name)), hidden=hidden)
    assert report.score == CHECKS[name].points, str(report)


@pytest.mark.parametrize("name", NUMPY_ONLY)
def test_cases_are_seeded_and_cover_batches_dtypes_and_edges(name):
    first, again = CHECKS[name].cases(), CHECKS[name].cases()
    hidden = CHECKS[name].cases(hidden=True)
    assert [c.name for c in first] == [c.name for c in again]
    for a, b in zip(first, again, strict=True):
        assert repr(to_plain(a.args)) == repr(to_plain(b.args))
    assert repr(to_plain([c.args for c in first])) != repr(to_plain([c.args for c in hidden]))
    assert len(first) >= 3


BATCHED = ASSIGNMENTS["04-feedforward"] + ASSIGNMENTS["05-activations"]
BATCHED += ASSIGNMENTS["06-losses"] + ASSIGNMENTS["07-backprop"]


@pytest.mark.parametrize("name", BATCHED)
def test_array_checks_use_both_dtypes_a_batch_of_one_and_edge_cases(name):
    cases = CHECKS[name].cases() + CHECKS[name].cases(hidden=True)
    labels = " ".join(case.name for case in cases)
    assert "float32" in labels and "float64" in labels
    assert "(1, " in labels
    assert any(case.edge for case in cases)


@pytest.mark.parametrize(
    ("name", "what", "namespace"), WRONG, ids=[f"{n}: {w}" for n, w, _ in WRONG]
)
def test_wrong_implementation_is_caught_with_an_explanation(name, what, namespace):
    report = run_check(name, namespace, hidden=True)
    assert report.score < CHECKS[name].points, f"{what!r} earned full marks:\n{report}"
    failures = [v.message for _, v in report.results if not v.passed]
    failures += [p.name for p in report.properties if not p.passed]
    assert all(message and message != "ok" for message in failures or [report.message])


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_the_deep_networks_reference_for_mistakes_is_the_mlp_when_nothing_is_skipped(hidden):
    """The wrong answers of ``deep_loss_and_grads`` are made by leaving steps out of a second
    implementation of the network; with none left out it must agree with nnlib's MLP."""
    from autograder.checks.deep_networks import deep_reference

    check = CHECKS["deep_loss_and_grads"]
    for case in check.cases(hidden=hidden):
        X, y, params = (to_plain(a) for a in case.args)
        X = np.asarray(X, np.float64)
        params = {k: np.asarray(v, np.float64) for k, v in params.items()}
        kw = case.kwargs
        loss, grads = deep_reference(X, y, params, kw["activation"], kw["dropout"],
                                     kw["batchnorm"], kw["seed"])  # fmt: skip
        expected = check.expected(case)
        assert loss == pytest.approx(expected["loss"], rel=1e-5), case.name
        for key in params:
            np.testing.assert_allclose(grads[key], expected[f"d{key}"], rtol=1e-4, atol=1e-6,
                                       err_msg=f"{case.name}: d{key}")  # fmt: skip


def test_number_of_wrong_implementations(record_property):
    record_property("wrong_implementations", len(WRONG))
    covered = {name for name, _, _ in WRONG}
    assert covered == set(NUMPY_ONLY), set(NUMPY_ONLY) - covered
    assert len(WRONG) >= 3 * len(NUMPY_ONLY)


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ("W transposed", "W transposed"),
        ("no max-subtraction", "max-subtraction"),
        ("normalises columns", "axis=0"),
        ("gradients not divided by N", "times too large, the batch size N"),
        ("upstream gradient ignored", "upstream gradient"),
        ("derivative at the wrong point: sigma(a)", "wrong point"),
        ("dW transposed", "transposed"),
        ("db summed over the wrong axis", "axis 1"),
        ("one-sided difference", "centred difference"),
        ("y of shape (N,) broadcast to (N, N)", "(N, N)"),
        ("ReLU derivative missing", "ReLU's derivative"),
        ("uses z (1 - z)", "derivative taken at z"),
    ],
)
def test_messages_name_the_likely_mistake(mistake, expected):
    matches = [(n, ns) for n, what, ns in WRONG if what == mistake]
    assert matches, mistake
    for name, namespace in matches:
        text = str(run_check(name, namespace, hidden=True))
        assert expected in text, text


@pytest.mark.parametrize(
    ("name", "what"), sorted(WORDS), ids=[f"{n}: {w}" for n, w in sorted(WORDS)]
)
def test_each_registered_mistake_is_named_in_its_report(name, what):
    namespace = next(ns for n, w, ns in WRONG if (n, w) == (name, what))
    report = run_check(name, namespace, hidden=True)
    assert report.score < CHECKS[name].points, str(report)
    assert WORDS[(name, what)] in str(report), str(report)


def test_an_unimplemented_function_fails_every_case_with_a_message():
    def relu_forward(z):
        raise NotImplementedError()

    report = run_check("relu_forward", relu_forward)
    assert report.score == 0
    assert all(not v.passed and "not implemented yet" in v.message for _, v in report.results)


def test_partial_credit_for_a_function_right_except_on_edge_cases():
    namespace = dict(answers.everything())
    namespace["softmax"] = next(ns for n, w, ns in WRONG if w == "no max-subtraction")["softmax"]
    report = run_check("softmax", namespace)
    assert 0 < report.score < CHECKS["softmax"].points
    assert "max-subtraction" in str(report)


def test_edge_cases_alone_earn_nothing():
    namespace = next(ns for n, w, ns in WRONG if w == "absolute value")
    report = run_check("relu_forward", namespace)
    assert any(v.passed for _, v in report.results)
    assert report.score == 0


def _reference_users():
    """Functions that hand their work to nnlib or the autograder, by several routes."""
    import importlib

    import nnlib.activations
    from autograder.checks import CHECKS
    from nnlib.activations import relu_forward as nnlib_relu

    def direct(z):
        return nnlib_relu(z)

    def through_module(z):
        return nnlib.activations.relu_forward(z)

    def imported_inside(z):
        from nnlib.activations import relu_forward

        return relu_forward(z)

    def by_import_module(z):
        return importlib.import_module("nnlib.activations").relu_forward(z)

    def helper(z):
        return getattr(nnlib.activations, "relu_" + "forward")(z)

    def through_helper(z):
        return helper(z)

    def through_autograder(z):
        return CHECKS["relu_forward"] and nnlib_relu(z)

    return {
        "direct import": direct,
        "module attribute": through_module,
        "import inside the function": imported_inside,
        "importlib": by_import_module,
        "helper function": through_helper,
        "autograder registry": through_autograder,
    }


REFERENCE_USERS = _reference_users()


@pytest.mark.parametrize("route", sorted(REFERENCE_USERS))
def test_calling_the_reference_earns_nothing(route):
    report = run_check("relu_forward", REFERENCE_USERS[route])
    assert report.score == 0
    assert "instead of computing its answer" in report.message, str(report)


def test_a_student_function_named_like_numpy_helpers_is_not_flagged():
    def relu_forward(z):
        return np.maximum(z, 0), z

    assert run_check("relu_forward", relu_forward).score == CHECKS["relu_forward"].points


def test_notebook_check_returns_points_and_raises_on_zero(capsys):
    from autograder import check

    def relu_forward(z):
        return np.maximum(z, 0), z

    earned = check(relu_forward)
    assert earned == CHECKS["relu_forward"].points
    # a notebook shows the points, not a bare number; nbgrader reads the plain float
    assert earned._repr_html_() == "<b>1 of 1 points</b>" and repr(earned) == "1.0"
    assert "relu_forward: 10/10 cases passed" in capsys.readouterr().out

    def sigmoid_forward(z):
        raise NotImplementedError()

    # one line for a blank function, and the error says only that it earned nothing
    with pytest.raises(AssertionError) as raised:
        check(sigmoid_forward)
    assert str(raised.value) == "sigmoid_forward: 0 of 1 points (see the report above)"
    printed = capsys.readouterr().out
    assert printed.strip().splitlines() == [
        "sigmoid_forward: not attempted, 0 of 1 points (it still raises NotImplementedError:"
        " write it, then run this cell again)"
    ]

    def tanh_forward(z):
        return np.tanh(z) * (np.abs(z) < 1), z  # wrong away from 0

    with pytest.raises(AssertionError):
        check(tanh_forward)
    report = capsys.readouterr().out
    assert report.count("scoring: the points are shared equally among the requirements") == 1


def test_check_finds_the_partner_function_in_the_notebook_namespace(capsys):
    from autograder import check

    notebook = {"np": np, "relu_forward": answers.of("05-activations")["relu_forward"]}
    exec("def relu_backward(da, cache):\n    return da * (cache > 0)\n", notebook)
    assert check(notebook["relu_backward"]) == CHECKS["relu_backward"].points

    exec("def leaky_relu_backward(da, cache):\n    return da\n", notebook)
    with pytest.raises(AssertionError, match="leaky_relu_backward: 0 of"):
        check(notebook["leaky_relu_backward"])
    assert "define leaky_relu_forward first" in capsys.readouterr().out


def test_stray_output_and_warnings_do_not_reach_stderr(capfd):
    def softmax(z):
        import sys

        print("debugging", file=sys.stderr)
        e = np.exp(z)  # overflows on the large cases: a RuntimeWarning
        return e / e.sum(axis=1, keepdims=True)

    run_check("softmax", softmax)
    assert capfd.readouterr().err == ""


def test_case_private_values_are_not_arguments():
    case = Case("x", (np.zeros(2),), private={"labels": np.ones(2)})
    assert "labels" not in case.kwargs and len(case.args) == 1
