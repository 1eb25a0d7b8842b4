"""No report gives the answer away: it says what is wrong, never the code that is right.

Every wrong answer the course knows (each chapter's ``MISTAKES`` and the class of
``student_corpus/``) is checked on its visible and its hidden cases, and everything a student
can read of it (the report, each case's message, each property) is searched for

* a statement or expression of the reference answer, the solution notebook's code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (:mod:`graded_answers`), compared with the
  spaces taken out: every line, the value it assigns or returns, and each item of a tuple it
  returns, where that is 10 characters or more and holds an operator or a call;
* a fix written as code (:data:`GIVE_AWAYS`): a formula after ``instead of``, after ``use`` or
  right after a colon, ``use np.``, a NumPy call with its arguments, the rounding or root of a
  formula, a statement that assigns a formula (``v = momentum * v - lr * grad``) or puts an entry
  back (``x[i] = old value``), an indexed or computed array compared (``logits[:, 0] > 0``).

A report may quote the student's own wrong expression, as the subject of its sentence
(``it uses z (1 - z)``, ``it computes exp(z) / (1 + exp(z))``): no pattern finds that. The line
that shows a counterexample's input is left to the search for the answer's code alone: a case
may be written as code (the graph ``s = x*x, t = s+x`` of a backward pass).
"""

from __future__ import annotations

import ast
import functools
import re

import answers
import pytest
from graded_answers import answers as graded
from test_student_corpus import ENTRIES
from test_student_corpus import _run as run_entry

from autograder.checks import run_check

#: Code of an answer shorter than this is too common to be a give-away (``a = cache``).
SHORTEST = 10
#: An operator, a name called, or a name assigned (``penalty = 0.0`` is none of them).
_CODE = re.compile(r"[-+*/@%<>]|\w\(|=.*[A-Za-z_]")
#: An arithmetic operator between operands (a minus with a space on each side, so that a word
#: with a hyphen, all-zero, is none).
_OP = r"(?:[ \t]+[-+*/@][ \t]+|[ \t]*[+*/@][ \t]*)"
#: A fix written as code inside the words of a message, by what it is.
GIVE_AWAYS = {
    "a formula after 'instead of'": re.compile(rf"instead of [^;:,\n]*?[\w)]{_OP}[\w(]"),
    "a formula after 'use'": re.compile(rf"\buse [^;:,\n]*?[\w)]{_OP}[\w(]"),
    "a formula right after a colon": re.compile(
        rf":[ \t]+\(?[A-Za-z_][\w.]*(?:\([^()\n]*\))?{_OP}[\w(]"
    ),
    "'use np.'": re.compile(r"\buse (?:np|numpy)\."),
    "a NumPy call with its arguments": re.compile(r"\bnp\.[\w.]+\([ \t]*[^)\s]"),
    "a rounding, root or size of a formula": re.compile(
        r"\b(?:round|int|float|sqrt|ceil|floor|len)\([^()\n]*[-+*/][^()\n]*\)"
    ),
    "a statement that assigns a formula": re.compile(
        rf"\b[A-Za-z_]\w*(?:\[[^\]\n]*\])?[ \t]*[-+*/]?=(?!=)[ \t]*[^,;=\n]*?[\w)\]]{_OP}"
        r"[A-Za-z_(]"
    ),
    "an entry assigned back": re.compile(r"\b[A-Za-z_]\w*\[[^\]\n]*\][ \t]*=(?!=)[ \t]*[A-Za-z_]"),
    "an indexed or computed array compared": re.compile(r"[\])][ \t]*(?:[<>]=?|==)[ \t]*[\w.]"),
}
#: The line that shows a counterexample's input: the case, not a fix.
_INPUT = re.compile(r"^\s*counterexample: .*$", re.M)


def _fragments(line: str) -> list[str]:
    """The pieces of one line of an answer that a report must not print: the line, and the
    value it assigns or returns (each item, for a tuple)."""
    header = line.endswith(":")
    try:
        tree = ast.parse(f"{line} pass" if header else line)
    except SyntaxError:
        return [line]
    pieces = [line]
    for node in ast.walk(tree.body[0]) if tree.body else ():
        value = getattr(node, "value", None) if isinstance(node, ast.stmt) else None
        value = value or getattr(node, "iter", None) or getattr(node, "test", None)
        if isinstance(node, ast.stmt) and isinstance(value, ast.expr):
            items = value.elts if isinstance(value, ast.Tuple) else []
            pieces += [ast.get_source_segment(line, v) or "" for v in [value, *items]]
    return pieces


def _without_comment(line: str) -> str:
    """``line`` up to its comment: the first ``#`` outside a string."""
    for i, char in enumerate(line):
        before = line[:i]
        if char == "#" and before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return before
    return line


def _normal(code: str) -> str:
    return re.sub(r"\s+", "", code)


@functools.cache
def answer_code() -> dict[str, frozenset[str]]:
    """By graded function, the normalised pieces of its answer a report must not contain."""
    found: dict[str, frozenset[str]] = {}
    for answer in graded():
        pieces = set()
        for raw in answer.code.splitlines():
            line = _without_comment(raw).strip()
            if not line or line.startswith(("def ", "import ", "from ", "class ")):
                continue
            for piece in map(_normal, _fragments(line)):
                if len(piece) >= SHORTEST and _CODE.search(piece):
                    pieces.add(piece)
        found[answer.function] = frozenset(pieces)
    return found


def readable(report) -> str:
    """Everything a student can read of a report: its text, each case's message (a batch
    grader's page may show them), each property with what shows it failing."""
    parts = [str(report), report.message]
    parts += [verdict.message for _, verdict in report.results]
    parts += [f"{p.name} ({p.shown})" for p in report.properties]
    return "\n".join(parts)


def give_aways(name: str, report) -> list[str]:
    """What in ``report`` (of the graded function ``name``) gives the answer away."""
    text = readable(report)
    words = _INPUT.sub("", text)
    found = [f"{why}: {m.group()!r}" for why, rx in GIVE_AWAYS.items() for m in rx.finditer(words)]
    flat = _normal(text)
    found += [
        f"the answer's code: {piece!r}" for piece in sorted(answer_code()[name]) if piece in flat
    ]
    return found


def test_the_answers_code_is_found_in_a_report_that_prints_it():
    """The search can fail: a report quoting a line of the answer, or a fix as code, is
    caught; one quoting the student's wrong expression, or a case's input, is not."""
    pieces = answer_code()
    assert "da*a*(1-a)" in pieces["sigmoid_backward"]  # the value a line returns
    assert "dout.sum(axis=0)" in pieces["dense_backward"]  # an item of the tuple returned
    assert "penalty=0.0" not in pieces["l2_penalty"]  # a constant: a report's number may match

    class Shown:
        message, results, properties = "", [], []

        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    assert give_aways("dense_backward", Shown("db is wrong: db = dout.sum(axis=0)"))
    assert give_aways("sigmoid_backward", Shown("it uses z (1 - z) instead of a (1 - a)"))
    assert give_aways("momentum_step", Shown("the sign: v = momentum * v - lr * grad"))
    assert give_aways("numerical_gradient", Shown("restore each entry (x[i] = old value)"))
    assert give_aways("tanh_forward", Shown("exp(z) overflows: use np.tanh"))
    assert give_aways("adam_step", Shown("eps is inside the square root: sqrt(v_hat) + eps"))
    assert give_aways("accuracy", Shown("(N, N) table: compare logits[:, 0] > 0 with y"))
    assert give_aways("train_val_split", Shown("it takes round(val_fraction * n) of each"))
    assert not give_aways("softmax", Shown("fails: all-zero input (2 of 2 cases)"))
    assert not give_aways("sigmoid_backward", Shown("derivative taken at z: it uses z (1 - z)"))
    assert not give_aways("relu_forward", Shown("relu_forward(z=[[-1., 2.]]) returned [[1., 2.]]"))
    assert not give_aways("backward", Shown("  counterexample: backward on the graph s = x*x"))


MISTAKES = [(n, what, ns) for n, what, _, ns in answers.mistakes()]


@pytest.mark.parametrize(
    ("name", "what", "namespace"), MISTAKES, ids=[f"{n}: {w}" for n, w, _ in MISTAKES]
)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_a_mistakes_report_gives_no_code_away(name, what, namespace, hidden):
    report = run_check(name, namespace, hidden=hidden)
    assert not give_aways(name, report), f"{what!r}:\n{give_aways(name, report)}\n{report}"


@pytest.mark.parametrize(("key", "entry"), ENTRIES)
def test_a_students_report_gives_no_code_away(key, entry):
    leaks = [
        (name, report, give_aways(name, report))
        for name, visible, hidden in run_entry(entry)
        for report in (visible, hidden)
    ]
    leaks = [leak for leak in leaks if leak[2]]
    assert not leaks, "\n".join(f"{found}\n{report}" for _, report, found in leaks)
