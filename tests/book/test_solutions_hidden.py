"""No graded function's answer is readable in the built book outside a collapsed solution.

Driven by the check registry: for every graded function, the nnlib code that answers it
(``REFERENCE_CODE``) must not appear in any listing of any page, except inside a collapsed
``<details>`` block whose title says it is the solution. A listing shows the answer when it has
the code's ``def`` line (for a function), or most of its body's lines.
"""

from __future__ import annotations

import inspect
import textwrap
from html.parser import HTMLParser
from pathlib import Path

from autograder.checks import REFERENCE_CODE, resolve_reference


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
