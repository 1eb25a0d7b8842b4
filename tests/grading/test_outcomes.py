"""Grades are decided by outcome kinds, never by the wording of a message.

Every message a grading produces is rewritten where it is made (the sandbox's error texts, the
judges' verdicts, the scorer's and the reference detector's messages), and a mixed class (full
marks, wrong, not attempted, timed out, process died, calling the reference) must get exactly
the same scores and statuses as without the rewriting.
"""

from __future__ import annotations

import dataclasses

import pytest
from course_class import ACTIVATIONS_CLASS, grade_course, read_grades, write_class
from grading_support import TEST_LIMITS, require_bubblewrap
from test_secret import SECRET_A

from autograder.checks import CHECKS
from autograder.checks import base as check_base
from autograder.grading import grade as grade_module
from autograder.grading import scoring
from autograder.grading.sandbox import executors
from autograder.outcomes import Outcome

MIXED_CLASS = {
    **ACTIVATIONS_CLASS,
    "calls_nnlib": {
        "softmax": "def softmax(z):\n    from nnlib.activations import softmax as s\n    return s(z)\n"
    },
    "exits": {"softmax": "def softmax(z):\n    import os\n    os._exit(3)\n"},
}


def _scramble(text: str) -> str:
    return "<<" + str(text)[::-1].upper() + ">>"


@pytest.fixture
def scrambled(monkeypatch):
    """Rewrite every message where grading makes it."""
    run_submission = executors.run_submission

    def scrambled_run(*args, **kwargs):
        report = run_submission(*args, **kwargs)
        for results in report.results.values():
            for result in results:
                result.error = _scramble(result.error)
        return report

    judge_case = scoring.judge_case

    def scrambled_judge(check, case, output):
        verdict = judge_case(check, case, output)
        return dataclasses.replace(verdict, message=_scramble(verdict.message))

    judge_function = grade_module.judge_function

    def scrambled_function(*args, **kwargs):
        score = judge_function(*args, **kwargs)
        score.message = _scramble(score.message)
        for verdict in score.verdicts:
            verdict.message = _scramble(verdict.message)
        return score

    monkeypatch.setattr(executors, "run_submission", scrambled_run)
    monkeypatch.setattr(scoring, "judge_case", scrambled_judge)
    monkeypatch.setattr(grade_module, "judge_function", scrambled_function)
    table = {kind: f"<<REWORDED {kind.name} {{error}}>>" for kind in scoring._NO_VALUE_MESSAGE}
    monkeypatch.setattr(scoring, "_NO_VALUE_MESSAGE", table)
    monkeypatch.setattr(check_base, "describe_exception", lambda *a, **k: "<<RAISED>>")
    monkeypatch.setattr(check_base, "reference_message", lambda *a, **k: "<<REFERENCE>>")


def _grade(tmp_path, name):
    root = write_class(tmp_path / f"class-{name}", "05-activations", MIXED_CLASS)
    grade_course(
        "05-activations",
        root,
        tmp_path / f"out-{name}",
        limits=TEST_LIMITS,
        secret=SECRET_A,
    )
    rows = read_grades(tmp_path / f"out-{name}" / "grades.csv")
    keep = ("score", "status", *CHECKS_OF_ACTIVATIONS)
    return {student: {k: row[k] for k in keep} for student, row in rows.items()}


CHECKS_OF_ACTIVATIONS = [
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "relu_forward",
    "relu_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "softmax",
]


@pytest.fixture(scope="module")
def plain_grades(tmp_path_factory):
    require_bubblewrap()
    return _grade(tmp_path_factory.mktemp("plain"), "plain")


@pytest.mark.slow
def test_rewording_every_message_changes_no_grade(plain_grades, scrambled, tmp_path):
    reworded = _grade(tmp_path, "reworded")
    assert reworded == plain_grades
    # the class is mixed: each outcome below decides some grade
    assert float(plain_grades["honest_full"]["score"]) == 10.0
    assert plain_grades["calls_nnlib"]["softmax"] == "0"
    assert plain_grades["exits"]["softmax"] == "0"
    assert plain_grades["slow_leaky"]["leaky_relu_forward"] == "0"
    assert plain_grades["blank_tanh"]["tanh_forward"] == "0"
    assert len({tuple(sorted(row.items())) for row in plain_grades.values()}) >= 4, plain_grades


def test_rewording_changes_no_grade_in_a_notebooks_own_check(scrambled):
    """The in-process check (what a student's test cell runs) decides by kinds too."""
    from nnlib.activations import relu_backward

    def relu_forward(z):
        return relu_backward(z, z), z  # calls nnlib: earns nothing, whatever the message says

    def tanh_forward(z):
        raise NotImplementedError

    report = check_base.run_check(CHECKS["relu_forward"], {"relu_forward": relu_forward})
    assert report.score == 0 and report.kind is Outcome.USED_REFERENCE
    report = check_base.run_check(CHECKS["tanh_forward"], {"tanh_forward": tanh_forward})
    assert report.score == 0 and not report.attempted
