"""Three classes' worth of submissions written apart from the checks: every mistake loses
points, every correct alternative earns full marks.

``student_corpus/aNN.py``, ``bNN.py`` and ``cNN.py`` hold, for the exercises NN, what a
student's cells would define: 337 mistakes and 158 correct answers written the ways students
write them, each with ``what``, the truth about it. Each class was written from the notebooks
alone, without the checks (the c class covers chapters 15 and 16 too). Each entry is checked
as a notebook's test cell checks it, the visible cases and then the hidden ones.

A few mistakes break a convention the course states but does not grade
(:data:`NOT_GRADED`); each says why. The classifiers train real networks and are in the slow
tier.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import answers
import pytest

from autograder.checks import ASSIGNMENTS, CHECKS, run_check

CORPUS = Path(__file__).parent / "student_corpus"

#: Mistakes the checks let through on purpose, by entry, with the reason.
NOT_GRADED = {
    "a04#0": "dense_forward's cache is the student's own: the notebook lets it hold anything",
    "b08#1": (
        "x restored by adding and subtracting h leaves it within a few units in the last place:"
        " the checks compare x with a tolerance of 1e-12"
    ),
    "b09#22": (
        "an epoch's loss weighted by the sizes of its mini-batches is also a mean loss; the"
        " notebook's words allow both readings"
    ),
    "a08#4": (
        "a numerical gradient of a copy of x is right for every f that reads its argument, as"
        " the checks' functions do"
    ),
}

#: Words a report must contain for a mistake, where the check names its cause.
NAMED = {
    "a02#5": "nearest whole number",
    "a03#2": "db is a single number",
    "a05#3": "at z = 0 it passes the gradient on",
    "a09#0": "holds a new array",
    "a09#10": "last, smaller mini-batch",
    "a12#5": "exactly 0 counts as class 1",
    "a14#7": "running=None",
}

#: The classifier exercises, which train on the real datasets.
SLOW = ("10-signs-classifier", "11-mnist-classifier", "13-regularization")


def _entries() -> list:
    params = []
    for path in sorted(CORPUS.glob("[abc][0-9][0-9].py")):
        for index, entry in enumerate(runpy.run_path(str(path))["ENTRIES"]):
            key = f"{path.stem}#{index}"
            slow = entry["assignment"] in SLOW and "classifier" in entry["function"]
            marks = [pytest.mark.slow] if slow else []
            params.append(pytest.param(key, entry, id=key, marks=marks))
    return params


ENTRIES = _entries()


def _checks(entry: dict) -> list[str]:
    """The graded functions an entry is checked with: its own, or its notebook's."""
    names = ASSIGNMENTS[entry["assignment"]]
    return [entry["function"]] if entry["function"] in names else list(names)


def _run(entry: dict) -> list[tuple[str, object, object]]:
    namespace = dict(answers.of(entry["assignment"]))
    exec(compile(entry["source"], f"<{entry['assignment']}>", "exec"), namespace)
    return [
        (name, run_check(name, namespace), run_check(name, namespace, hidden=True))
        for name in _checks(entry)
    ]


def test_the_corpus_is_a_class():
    kinds = [entry["kind"] for _, entry in (p.values for p in ENTRIES)]
    assert (kinds.count("mistake"), kinds.count("correct")) == (337, 158)
    assert set(NOT_GRADED) | set(NAMED) <= {p.values[0] for p in ENTRIES}


@pytest.mark.parametrize(("key", "entry"), ENTRIES)
def test_each_submission_earns_what_it_deserves(key, entry):
    reports = _run(entry)
    lost = [
        (name, visible, hidden)
        for name, visible, hidden in reports
        if visible.score < CHECKS[name].points or hidden.score < CHECKS[name].points
    ]
    if entry["kind"] == "correct":
        assert not lost, f"{entry['what']}\n" + "\n".join(f"{v}\n{h}" for _, v, h in lost)
    elif key in NOT_GRADED:
        assert not lost, f"{key} is graded now: take it out of NOT_GRADED"
    else:
        assert lost, f"full marks for a mistake: {entry['what']}"
        if key in NAMED:
            text = "\n".join(f"{v}\n{h}" for _, v, h in lost)
            assert NAMED[key] in text, text
