"""``--reveal full|message|score``: what a failing hidden case shows, on every page that shows it.

The submission's ``relu_forward`` is right on the visible cases (batches of 1 to 16 rows) and
0.5 too large on the hidden cases' batch of 32 rows, so only hidden cases fail, with messages
that carry values (the largest error, where, what was returned and expected). Each mode is
checked on the feedback page of ``autograder grade``, on Gradescope's and PrairieLearn's
results and on ``autograder check``:

* ``full``: the hidden case's name and values;
* ``message`` (the default): what failed and why, the values masked;
* ``score``: how many hidden cases passed, nothing of the cases.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from platform_support import ASSIGNMENT, HIDDEN_ONLY_RELU, REPO, SOURCE, notebook, write_notebook

from autograder.grading.assignment import load_assignment, load_registry
from autograder.grading.grade import find_submissions, grade_one
from autograder.grading.outputs import write_feedback
from autograder.grading.sandbox.isolation import detect_isolation
from autograder.platforms import gradescope, prairielearn
from autograder.platforms.bundle import Settings
from autograder.platforms.run import PlatformRun
from autograder.reveal import mask_values
from autograder.secret import resolve_secret

#: The hidden batch's shape, as the counterexample shows it, and masked.
HIDDEN_CASE = "(32, 9)"
MASKED_CASE = "(…, …)"
#: A number with a fraction, as the failure messages print values (0.5, 4.45908).
VALUE = re.compile(r"(?<![\w.])\d+\.\d+")


def test_masking_keeps_the_words_and_drops_the_values():
    assert mask_values("dz has shape (7, 3), expected (3, 7): it is transposed") == (
        "dz has shape (…, …), expected (…, …): it is transposed"
    )
    assert mask_values("returned [[1., -2.5e3], [0.1, nan]]; expected [[0., 2.]]") == (
        "returned […]; expected […]"
    )
    assert (
        mask_values("float32 z(7, 3) |z| up to 1e4 alpha=0.2")
        == "float32 z(…, …) |z| up to … alpha=…"
    )
    assert mask_values("W1 is 16 times too large, negative inputs must give 0") == (
        "W1 is … times too large, negative inputs must give 0"
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hidden-only failure, graded by the batch grader's own sandbox and checks."""
    if detect_isolation().bwrap is None:
        pytest.skip("bubblewrap cannot create namespaces here")
    root = tmp_path_factory.mktemp("reveal")
    write_notebook(
        root / "in" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", notebook("hidden_only")
    )
    assignment = load_assignment(ASSIGNMENT, load_registry(), SOURCE.parent)
    (submission,), _ = find_submissions(
        root / "in", assignment, root / "work", log=lambda line: None
    )
    result = grade_one(submission, assignment, secret=resolve_secret(), log=lambda line: None)
    relu = next(fs for fs in result.functions if fs.name == "relu_forward")
    assert relu.visible == 1.0 and relu.hidden < 1.0  # only hidden cases fail
    return assignment, result


def _check(text: str, mode: str) -> None:
    """``text`` shows the hidden failure as ``mode`` allows."""
    if mode == "full":
        assert HIDDEN_CASE in text and VALUE.search(text.split("hidden")[-1])
    elif mode == "message":
        assert MASKED_CASE in text and HIDDEN_CASE not in text
        assert "a is wrong: largest error" in text
        failures = [line for line in text.splitlines() if MASKED_CASE in line]
        assert failures and not any(VALUE.search(line) for line in failures), failures
    else:
        assert HIDDEN_CASE not in text and MASKED_CASE not in text
        assert "largest error" not in text
        assert "hidden cases passed" in text


@pytest.mark.parametrize("mode", ["full", "message", "score"])
def test_feedback_pages(graded, tmp_path, mode):
    assignment, result = graded
    page = tmp_path / "page.html"
    write_feedback(page, assignment, result, mode)
    text = page.read_text(encoding="utf-8").replace("<li>", "\n")  # a line per case listed
    _check(
        text[text.index("<code>relu_forward</code>") : text.index("<code>relu_backward</code>")],
        mode,
    )


@pytest.mark.parametrize("mode", ["full", "message", "score"])
def test_gradescope_and_prairielearn_results(graded, mode):
    assignment, result = graded
    run = PlatformRun(Settings(ASSIGNMENT, "gradescope", reveal=mode), assignment, result)
    tests = {t["name"]: t for t in gradescope.results_json(run)["tests"]}
    _check(tests["relu_forward"]["output"], mode)
    relu = next(fs for fs in result.functions if fs.name == "relu_forward")
    # scored as its test cell: the hidden cases' share, whatever the page shows of them
    assert tests["relu_forward"]["score"] == pytest.approx(relu.points * relu.hidden, abs=0.005)
    assert tests["relu_forward"]["score"] < relu.points
    tests = {t["name"]: t for t in prairielearn.results_json(run)["tests"]}
    _check(tests["relu_forward"]["output"], mode)


def test_gradescope_shows_hidden_cases_after_the_due_date(graded):
    assignment, result = graded
    settings = Settings(ASSIGNMENT, "gradescope", hidden_visibility="after_due_date")
    data = gradescope.results_json(PlatformRun(settings, assignment, result))
    tests = {t["name"]: t for t in data["tests"]}
    visible, hidden = tests["relu_forward: visible cases"], tests["relu_forward: hidden cases"]
    assert visible["visibility"] == "visible" and "score" not in visible
    assert visible["status"] == "passed" and MASKED_CASE not in visible["output"]
    assert hidden["visibility"] == "after_due_date" and hidden["max_score"] == 1.0
    assert MASKED_CASE in hidden["output"]
    assert sum(t.get("score", 0) for t in data["tests"]) == pytest.approx(data["score"])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full", "message", "score"])
def test_autograder_check(tmp_path, mode):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\nfrom autograder import check"),
        nbformat.v4.new_code_cell(HIDDEN_ONLY_RELU),
        nbformat.v4.new_code_cell(
            "check(relu_forward, hidden=True)",
            metadata={
                "nbgrader": {"grade": True, "solution": False, "grade_id": "test_relu", "points": 1}
            },
        ),
    ]
    path = tmp_path / "hidden.ipynb"
    nbformat.write(nb, path)
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "check", "--reveal", mode, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # not full marks
    _check(done.stdout.replace("relu_forward:", "hidden cases: relu_forward:", 1), mode)


def test_a_hidden_case_shows_no_exception_message():
    """A hidden case's exception message is the student's own text: it could carry the hidden
    inputs in words the mask keeps (0 and 1), so only the exception's type is shown."""
    from autograder.reveal import mask_report

    report = (
        "numerical_gradient: 0/5 cases passed, 0 of 3 points\n"
        "  counterexample: numerical_gradient on x=<float64 array of shape (3, 4)>\n"
        "    numerical_gradient raised ValueError: 0 1 1 0 1 0 0 1 1 1 0 1 (line 9 of cell: x)"
    )
    masked = mask_report(report, "message")
    assert "raised ValueError (its message is not shown for a hidden case)" in masked
    assert "0 1 1 0" not in masked and "line 9" not in masked
    assert mask_report(report, "full") == report
