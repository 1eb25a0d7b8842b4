"""No graded function's answer is readable in the built book outside a collapsed solution.

Driven by the check registry: for every graded function, the nnlib code that answers it
(``REFERENCE_CODE``) must not appear in any listing of any page, except inside a collapsed
``<details>`` block whose title says it is the solution. A listing shows the answer when it has
the code's ``def`` line (for a function), or most of its body's lines. The same holds for the
answers of ``solutions/`` (:mod:`graded_answers`: most of their tokens, whatever the names), and
for the compositions that a graded function asks for (:data:`COMPOSITIONS`), written with
nnlib's own steps.
"""

from __future__ import annotations

import inspect
import textwrap
from html.parser import HTMLParser
from pathlib import Path

from graded_answers import CONTAINS, answers, share_of

from autograder.checks import REFERENCE_CODE, resolve_reference

#: Graded functions that compose nnlib's steps, and the calls that make a listing their answer:
#: chapter 7's network, forward and backward, is exercise 7's loss_and_grads.
COMPOSITIONS = {
    "loss_and_grads": (
        "dense_forward(",
        "relu_forward(",
        "softmax_cross_entropy(",
        "dense_backward(",
        "relu_backward(",
    ),
}


class _Listings(HTMLParser):
    """Every ``<pre>`` of a page, with whether it is inside a ``<details>`` and its title."""

    def __init__(self) -> None:
        super().__init__()
        self.details: list[str] = []  # the summary text of each open <details>
        self.in_summary = False
        self.pre_depth = 0
        self.current: list[str] = []
        self.listings: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.details.append("")
        elif tag == "summary" and self.details:
            self.in_summary = True
        elif tag == "pre":
            self.pre_depth += 1
            self.current = []

    def handle_endtag(self, tag):
        if tag == "details" and self.details:
            self.details.pop()
        elif tag == "summary":
            self.in_summary = False
        elif tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
            title = self.details[-1] if self.details else None
            self.listings.append(("".join(self.current), title))

    def handle_data(self, data):
        if self.in_summary and self.details:
            self.details[-1] += data
        if self.pre_depth:
            self.current.append(data)


def _body_lines(reference: str) -> tuple[str, list[str]]:
    """The ``def`` line of nnlib's ``module:qualname`` and its body's lines of code."""
    qualname = reference.split(":")[1]
    target = resolve_reference(reference)
    code = textwrap.dedent(inspect.getsource(target))
    doc = inspect.getdoc(target) or ""
    lines = [line.strip() for line in code.splitlines()]
    doc_lines = {line.strip() for line in doc.splitlines()}
    body = [
        line
        for line in lines[1:]
        if len(line) >= 8 and not line.startswith(("#", '"""', "'''")) and line not in doc_lines
    ]
    # a method's def line (``def step(self, ...)``) can be another class's: its body decides
    return (f"def {qualname}(" if "." not in qualname else None), body


def _shows(listing: str, signature: str | None, body: list[str]) -> bool:
    if signature is not None and signature in listing:
        return True
    shown = {line.strip() for line in listing.splitlines()}
    return bool(body) and sum(line in shown for line in body) >= 0.6 * len(body)


def test_no_graded_answer_is_readable_outside_a_collapsed_solution(built_book: Path):
    references = {ref for refs in REFERENCE_CODE.values() for ref in refs}
    shapes = {ref: _body_lines(ref) for ref in references}
    exposed, collapsed = [], set()
    for page in sorted(built_book.glob("*.html")):
        parser = _Listings()
        parser.feed(page.read_text(encoding="utf-8"))
        for listing, title in parser.listings:
            for ref, (signature, body) in shapes.items():
                if not _shows(listing, signature, body):
                    continue
                if title is not None and "Solution" in title:
                    collapsed.add(ref)
                else:
                    exposed.append(f"{page.name}: {ref}")
    assert exposed == [], f"answers readable in the book: {exposed}"
    # the chapters still give each reference, collapsed, for after the exercise
    assert {"nnlib.layers:dense_backward", "nnlib.activations:softmax"} <= collapsed
    print(f"{len(collapsed)} answers shown collapsed as solutions, {len(exposed)} in the open")


def _open_listings(built_book: Path) -> list[tuple[str, str]]:
    """Every listing of every page that is not in a collapsed solution: (page, code)."""
    found = []
    for page in sorted(built_book.glob("*.html")):
        parser = _Listings()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [
            (page.name, listing)
            for listing, title in parser.listings
            if title is None or "Solution" not in title
        ]
    return found


def test_no_answer_of_the_exercises_is_readable_outside_a_collapsed_solution(built_book: Path):
    listings = _open_listings(built_book)
    exposed = [
        f"{page}: {share:.0%} of {answer.assignment}'s {answer.function}"
        for answer in answers()
        for page, listing in listings
        if (share := share_of(answer.code, listing)) >= CONTAINS
    ]
    assert exposed == [], f"answers of solutions/ readable in the book: {exposed}"


def test_no_graded_composition_is_spelled_out_in_the_open(built_book: Path):
    listings = _open_listings(built_book)
    exposed = [
        f"{page}: {function}"
        for function, calls in COMPOSITIONS.items()
        for page, listing in listings
        if all(call in listing for call in calls)
    ]
    assert exposed == [], f"compositions graded in an exercise, shown in the open: {exposed}"
    assert listings, "no listing found: the parser reads nothing"
